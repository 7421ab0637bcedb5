package store

import (
	"reflect"
	"testing"
)

// FuzzDecodeRecord: whatever bytes a story's record holds (a page damaged
// on disk, a build that wrote another form), reading it fails with an error
// or gives a record, never a panic nor an allocation its bytes cannot back;
// and a record read once reads back the same from its binary form.
func FuzzDecodeRecord(f *testing.F) {
	var full record
	n := 0
	fillValue(f, reflect.ValueOf(&full).Elem(), &n)
	f.Add(encodeRecord(&full))
	f.Add(encodeRecord(&record{}))
	f.Add([]byte(`{"story":{"id":7,"title":"Tin cũ","sources":[{"source":"vov","link":"https://vov.example.vn/a"}]}}`))
	f.Add([]byte{recordFormatNoMedia, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, v []byte) {
		var rec record
		if err := decodeRecord(v, &rec); err != nil || len(v) == 0 || v[0] == '{' {
			return
		}
		var again record
		if err := decodeRecord(encodeRecord(&rec), &again); err != nil {
			t.Fatalf("a record read from %x does not read back: %v", v, err)
		}
		if !reflect.DeepEqual(normalized(again), normalized(rec)) {
			t.Fatalf("a record read from %x reads back otherwise:\n%+v\n%+v", v, rec, again)
		}
	})
}

// normalized is rec with its empty lists nil, as the binary form reads
// them back.
func normalized(rec record) record {
	st := &rec.Story
	st.Authors, st.Categories, st.Labels = emptyNil(st.Authors), emptyNil(st.Categories), emptyNil(st.Labels)
	st.Enclosures, st.Sources = emptyNil(st.Enclosures), emptyNil(st.Sources)
	rec.JoinLabels, rec.GUIDKeys, rec.LinkKeys = emptyNil(rec.JoinLabels), emptyNil(rec.GUIDKeys), emptyNil(rec.LinkKeys)
	return rec
}

func emptyNil[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	return list
}
