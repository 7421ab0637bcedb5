package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

// fillValue sets every field reachable from v to a value of its own: strings,
// numbers and times all differ, and every slice holds two elements. A field
// added to feeds.Story or record later is filled too, so the round trip
// below fails until the binary form carries it.
func fillValue(t testing.TB, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("giá trị %d: Hà Giang", *n))
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		v.SetUint(uint64(*n) << 40)
	case reflect.Int64, reflect.Int32, reflect.Int:
		v.SetInt(-int64(*n) << 20)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillValue(t, v.Index(i), n)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(1_760_000_000+int64(*n)*3600, int64(*n)*1001).UTC()))
			return
		}
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				t.Fatalf("%s.%s is not exported: the record codec cannot be checked", v.Type(), v.Type().Field(i).Name)
			}
			fillValue(t, v.Field(i), n)
		}
	default:
		t.Fatalf("no filler for %s: teach fillValue and the record codec about it", v.Type())
	}
}

func fullRecord(t *testing.T) record {
	var rec record
	n := 0
	fillValue(t, reflect.ValueOf(&rec).Elem(), &n)
	return rec
}

func TestRecordRoundTrip(t *testing.T) {
	want := fullRecord(t)
	var got record
	if err := decodeRecord(encodeRecord(&want), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", got, want)
	}

	// What JSON's omitempty gave back for a story of few fields: nil lists,
	// zero times.
	sparse := record{Rep: "baohagiang"}
	sparse.Story.ID, sparse.Story.Title = 7, "Tin ngắn"
	got = record{}
	if err := decodeRecord(encodeRecord(&sparse), &got); err != nil || !reflect.DeepEqual(got, sparse) {
		t.Fatalf("sparse record: got %+v, %v; want %+v", got, err, sparse)
	}

	// A record of format 2, written before the sources' origins, ends
	// before them; one of format 1, written before MediaFrom, before it.
	for i := range want.Story.Sources {
		want.Story.Sources[i].Origin = feeds.Origin{}
	}
	v := encodeRecord(&want)
	old := append([]byte{recordFormatNoOrigin}, v[1:len(v)-1]...) // no origins is one count byte
	got = record{}
	if err := decodeRecord(old, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("format 2 record: got %+v, %v; want %+v", got, err, want)
	}
	want.MediaFrom = ""
	v = encodeRecord(&want)
	old = append([]byte{recordFormatNoMedia}, v[1:len(v)-2]...) // and MediaFrom "" its one length byte
	got = record{}
	if err := decodeRecord(old, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("format 1 record: got %+v, %v; want %+v", got, err, want)
	}
}

// TestRecordOrigins: the origins of some of a story's sources come back on
// those sources; an origin of a source the record does not have is an error.
func TestRecordOrigins(t *testing.T) {
	want := fullRecord(t)
	want.Story.Sources = append(want.Story.Sources, feeds.Occurrence{Source: "newswire-hg", Link: "https://newsb.example.vn/tin/1"})
	want.Story.Sources[0].Origin = feeds.Origin{}
	var got record
	if err := decodeRecord(encodeRecord(&want), &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	one := want
	one.Story.Sources = want.Story.Sources[1:2]
	v := encodeRecord(&one)
	// The origin's source index, the byte after its count, names a
	// source past the one there is.
	tail := 5 + len(one.Story.Sources[0].Origin.Title) + len(one.Story.Sources[0].Origin.FeedURL) + len(one.Story.Sources[0].Origin.ID) +
		len(one.Story.Sources[0].Origin.Link) + len(one.Story.Sources[0].Origin.Level) + 1
	if v[len(v)-tail] != 0 {
		t.Fatalf("source index %d where 0 was expected", v[len(v)-tail])
	}
	v[len(v)-tail] = 1
	if err := decodeRecord(v, &got); err == nil || !strings.Contains(err.Error(), "origin of source 1 of 1") {
		t.Fatalf("origin past the sources: %v", err)
	}
}

// TestRecordJSON reads a record as stores before schema 4 wrote it.
func TestRecordJSON(t *testing.T) {
	want := fullRecord(t)
	v, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got record
	if err := decodeRecord(v, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON record read as:\n got %+v\nwant %+v", got, want)
	}
}

// TestRecordDamaged: every cut of a record, and bytes past its end, are
// errors, never a panic or a half-read story taken as whole.
func TestRecordDamaged(t *testing.T) {
	rec := fullRecord(t)
	v := encodeRecord(&rec)
	for n := range len(v) {
		var got record
		if err := decodeRecord(v[:n], &got); err == nil {
			t.Fatalf("record cut to %d of %d bytes read without error", n, len(v))
		}
	}
	var got record
	if err := decodeRecord(append(v, 0), &got); err == nil || !strings.Contains(err.Error(), "past its end") {
		t.Errorf("record with a byte too many: %v", err)
	}
	if err := decodeRecord(append([]byte{9}, v[1:]...), &got); err == nil || !strings.Contains(err.Error(), "format 9") {
		t.Errorf("record of an unknown format: %v", err)
	}
}

// TestJSONRecordsInStore: a store whose records are JSON (schema 3 and
// before) serves them, and a story written again is stored in binary.
func TestJSONRecordsInStore(t *testing.T) {
	s := newTestStore(t)
	first := news("hg-1", hgLink, "Hà Giang khánh thành cầu treo Nậm Đăm", 0, "thoi-su")
	second := news("hg-2", lcLink, "Lào Cai thông xe đoạn sạt lở quốc lộ 4D", 10, "thoi-su")
	if r := s.apply("baohagiang", t0.Add(time.Hour), first, second); r.New != 2 {
		t.Fatalf("apply: %+v", r)
	}
	before := s.all(AllCategory, 10)
	rewindRecords(t, s.db)

	if got := s.all(AllCategory, 10); !reflect.DeepEqual(got, before) {
		t.Fatalf("stories read from JSON records:\n got %+v\nwant %+v", got, before)
	}
	edited := first
	edited.Item.Title = "Hà Giang khánh thành cầu treo Nậm Đăm cho học sinh"
	if r := s.apply("baohagiang", t0.Add(2*time.Hour), edited, second); r.Updated != 1 || r.Unchanged != 1 {
		t.Fatalf("edit: %+v", r)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketStories).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var rec record
			if err := decodeRecord(v, &rec); err != nil {
				return err
			}
			binary := v[0] == recordFormat
			if edited := rec.Story.Title == edited.Item.Title; edited != binary {
				return fmt.Errorf("story %q stored in binary %v, want %v", rec.Story.Title, binary, edited)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rewindRecords rewrites every story record as JSON, as schema 3 and
// before stored it.
func rewindRecords(t *testing.T, db *bolt.DB) {
	t.Helper()
	if err := db.Update(rewindRecordsTx); err != nil {
		t.Fatalf("rewrite records as JSON: %v", err)
	}
}

func rewindRecordsTx(tx *bolt.Tx) error {
	b := tx.Bucket(bucketStories)
	var recs []record
	err := b.ForEach(func(_, v []byte) error {
		var rec record
		if err := decodeRecord(v, &rec); err != nil {
			return err
		}
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := b.Put(u64(rec.Story.ID), v); err != nil {
			return err
		}
	}
	return nil
}
