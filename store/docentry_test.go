package store

import (
	"encoding/json"
	"testing"
	"time"

	"newswire/internal/story"
)

// TestDocEntryBinary: an entry reads back as written, an entry written as
// JSON before the binary form still reads, and every truncation is an error.
func TestDocEntryBinary(t *testing.T) {
	doc := story.NewDoc(story.Input{
		Title:     "Yên Bái khai trương chợ phiên vùng cao ở Mù Cang Chải",
		Text:      "Chợ phiên mở mỗi sáng chủ nhật, bán nông sản và thổ cẩm của đồng bào Mông trong huyện.",
		Published: time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC),
		Language:  "vi",
	})
	e := docEntry{
		Docs:  []sourceDoc{{Source: "baoyenbai", Doc: doc}, {Source: "vtv", Doc: doc}},
		Joins: []Join{{Source: "vtv", GUID: "vtv-1", At: time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC), Verdict: story.Verdict{Same: true, TitleSim: 0.8}}},
		Bands: []byte("0123456789ab"),
	}
	want, _ := json.Marshal(e)
	b, err := e.appendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string][]byte{"binary": b, "json": want} {
		got, err := decodeDocEntry(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if have, _ := json.Marshal(got); string(have) != string(want) {
			t.Errorf("%s read back:\n got %s\nwant %s", name, have, want)
		}
	}
	for n := 1; n < len(b); n++ {
		if _, err := decodeDocEntry(b[:n]); err == nil {
			t.Fatalf("entry cut to %d of %d bytes: no error", n, len(b))
		}
	}
}
