package story

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDocBinaryRoundTrip(t *testing.T) {
	docs := []*Doc{
		NewDoc(Input{
			Title:     "Lào Cai: Khánh thành cầu Cốc Lếu mới sau 14 tháng thi công, vốn 320 tỷ đồng",
			Text:      "Sáng 19/11, UBND tỉnh Lào Cai khánh thành cầu Cốc Lếu mới nối hai bờ sông Hồng. Ông Nguyễn Văn Minh, Giám đốc Sở Giao thông, cho biết cầu dài 280 m, rộng 24 m, giúp giảm ùn tắc ở trung tâm thành phố vào giờ cao điểm.",
			Published: time.Date(2026, 11, 19, 8, 30, 0, 123, time.FixedZone("ICT", 7*3600)),
			Language:  "vi",
		}),
		NewDoc(Input{
			Title:     "Giá vàng hôm nay: SJC đứng yên, vàng nhẫn nhích nhẹ",
			Text:      "Sáng nay tại Lào Cai và Yên Bái, giá vàng miếng SJC được niêm yết không đổi so với phiên trước, giá vàng nhẫn tăng nhẹ.",
			Published: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC),
		}),
		NewDoc(Input{Title: "Short", Published: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}),
		{},
	}
	for _, d := range docs {
		b, err := d.AppendBinary([]byte("prefix"))
		if err != nil {
			t.Fatal(err)
		}
		got, rest, err := DecodeDoc(append(b[len("prefix"):], "after"...))
		if err != nil {
			t.Fatalf("decode %q: %v", d.Title, err)
		}
		if string(rest) != "after" {
			t.Errorf("%q: rest %q, want %q", d.Title, rest, "after")
		}
		// What a store keeps is what JSON kept: the exported fields.
		want, _ := json.Marshal(d)
		have, _ := json.Marshal(got)
		if string(want) != string(have) || !got.Published.Equal(d.Published) {
			t.Errorf("round trip:\n got %s\nwant %s", have, want)
		}
		if d.Body != nil && !reflect.DeepEqual(got.Body, d.Body) {
			t.Errorf("%q: body sketch changed", d.Title)
		}
		// Every truncation is an error, never a panic or a short Doc.
		for n := range len(b) - len("prefix") {
			if _, _, err := DecodeDoc(b[len("prefix") : len("prefix")+n]); err == nil {
				t.Fatalf("%q cut to %d bytes: no error", d.Title, n)
			}
		}
	}
}

// TestDocFormat1: a fingerprint stored before LeadDate reads as one without.
func TestDocFormat1(t *testing.T) {
	d := NewDoc(Input{Title: "Dự báo thời tiết các tỉnh miền núi phía Bắc", Text: "Ngày 20/12, trời rét, nhiệt độ thấp nhất từ 8 đến 11 độ C ở vùng núi cao phía Bắc."})
	if d.LeadDate != "20/12" {
		t.Fatalf("LeadDate %q, want 20/12", d.LeadDate)
	}
	b, err := d.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	old := append([]byte{1}, b[1:len(b)-1-len(d.LeadDate)-2]...) // less format 3's two empty fields
	got, rest, err := DecodeDoc(old)
	if err != nil || len(rest) != 0 {
		t.Fatalf("format 1: %v, %d bytes left", err, len(rest))
	}
	if got.LeadDate != "" || got.Title != d.Title || got.BodySize != d.BodySize {
		t.Errorf("format 1 read as %+v", got)
	}
}

// TestDocFormat2: a fingerprint stored before SaysToday and LeadPlaces reads
// as one without them, and those guards do not act between two such.
func TestDocFormat2(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, ict)
	in := Input{
		Title:     "Giá vàng hôm nay: SJC đứng yên, vàng nhẫn nhích nhẹ",
		Text:      "Sáng nay tại Lào Cai, giá vàng miếng SJC được niêm yết không đổi so với phiên trước. Giá vàng nhẫn tròn trơn tăng nhẹ, các chuyên gia nhận định giá vàng sẽ tiếp tục biến động.",
		Published: at,
	}
	d := NewDoc(in)
	if !d.SaysToday || len(d.LeadPlaces) != 1 {
		t.Fatalf("SaysToday %v, LeadPlaces %q", d.SaysToday, d.LeadPlaces)
	}
	format2 := func(d *Doc) *Doc {
		t.Helper()
		old := *d
		old.SaysToday, old.LeadPlaces = false, nil
		b, err := old.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		b = append([]byte{2}, b[1:len(b)-2]...) // format 3 added one byte and one empty list
		got, rest, err := DecodeDoc(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("format 2: %v, %d bytes left", err, len(rest))
		}
		return got
	}
	got := format2(d)
	if got.SaysToday || got.LeadPlaces != nil || got.Title != d.Title || got.LeadDate != d.LeadDate || got.BodySize != d.BodySize {
		t.Errorf("format 2 read as %+v", got)
	}
	// The next day's bulletin: the same template, other figures.
	in.Published = at.Add(24 * time.Hour)
	in.Text = strings.Replace(in.Text, "không đổi so với phiên trước", "tăng 300.000 đồng mỗi lượng", 1)
	next := NewDoc(in)
	// Two stored before: compared as they were.
	if v := Confirm(got, format2(next), DefaultWindow); !v.Same {
		t.Errorf("two stored fingerprints: %v", v)
	}
	// A new one that says today against one stored before: the new one's
	// word is enough.
	if v := Confirm(next, got, DefaultWindow); v.Same {
		t.Errorf("a new bulletin against yesterday's stored one: %v", v)
	}
}
