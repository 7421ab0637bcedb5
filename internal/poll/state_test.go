package poll

import (
	"reflect"
	"testing"
	"time"

	"newswire/internal/notice"
	"newswire/store"
)

// TestRoutineSeesEveryField changes each field of a source's state in turn:
// routine must call a change routine when it moves only the times every poll
// moves, and never otherwise.
func TestRoutineSeesEveryField(t *testing.T) {
	moves := map[string]bool{"LastPoll": true, "LastDuration": true, "LastSuccess": true, "Interval": true, "NextPoll": true}
	base := store.SourceState{ID: "baria-vungtau", ETag: `"v1"`, Dropped: map[string]int{"filters.drop_keywords: PR": 1}}
	typ := reflect.TypeFor[store.SourceState]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		changed := base
		changed.Dropped = map[string]int{"filters.drop_keywords: PR": 1}
		v := reflect.ValueOf(&changed).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Int, reflect.Int64:
			v.SetInt(v.Int() + 1)
		case reflect.Uint64:
			v.SetUint(v.Uint() + 1)
		case reflect.Map:
			changed.Dropped["filters.drop_keywords: PR"] = 2
		case reflect.Slice:
			v.Set(reflect.ValueOf([]notice.Notice{notice.New(notice.Emptied, 3)}))
		case reflect.Struct:
			switch p := v.Addr().Interface().(type) {
			case *time.Time:
				*p = time.Date(2026, 11, 27, 13, 30, 0, 0, time.UTC)
			case *store.Recent:
				p.Hours[23]++
			case *store.Dates:
				p.Future++
			default:
				t.Fatalf("field %s: type %s not handled by the test", f.Name, f.Type)
			}
		default:
			t.Fatalf("field %s: kind %s not handled by the test", f.Name, v.Kind())
		}
		if got, want := routine(base, changed), moves[f.Name]; got != want {
			t.Errorf("a change of %s: routine = %v, want %v", f.Name, got, want)
		}
	}
	if !routine(base, base) {
		t.Error("an unchanged state is not routine")
	}
}
