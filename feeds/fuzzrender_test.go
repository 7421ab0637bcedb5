package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzRenderReadBack: whatever text a story holds (the store keeps what the
// parser and the sanitiser gave, but a renderer must not count on it), each
// format renders it as a document that is well-formed and that newswire's
// own parser reads back as one item under the story's id.
func FuzzRenderReadBack(f *testing.F) {
	f.Add("Khánh thành cầu treo Nậm Lang", "Cầu nối hai bản.", "<p>Ảnh &amp; <em>chữ</em></p>", "Thu Hà", "thu.ha@baohagiang.example.vn", "Du lịch", "https://baohagiang.example.vn/tin/1", "https://baohagiang.example.vn/anh/1.jpg", "vi")
	f.Add("a ]]> b \x01\x0b\uFFFE", "<script>x</script>", "]]><![CDATA[", "\x00", "not an email", "", "javascript:alert(1)", "data:x", "x-\x7f")
	f.Add("\xff\xfe", "\u202e", "<p", "", "", "&amp;", "//host/a", "https://h/a b", "en-US")
	r := testRenderer()
	f.Fuzz(func(t *testing.T, title, summary, content, name, email, label, link, image, language string) {
		st := Story{
			ID: 42, Title: title, Link: link, Summary: summary, ContentHTML: content,
			Authors:   []Person{{Name: name, Email: email}},
			Published: at(10, 8, 0), Updated: at(10, 9, 30), FirstSeen: at(10, 8, 5), SortTime: at(10, 8, 0),
			Language: language, Categories: []string{"du-lich"}, Labels: []string{label},
			Enclosures: []Enclosure{{URL: image, Type: "image/jpeg", Length: 1}}, Image: image,
			Sources: []Occurrence{{Source: "baohagiang", Link: link, GUID: link, Title: title, Published: at(10, 8, 0), FirstSeen: at(10, 8, 5)}},
		}
		want := StoryID(r.Authority, st.ID)
		for _, format := range formats {
			var buf bytes.Buffer
			if err := format.render(r, &buf, channelFor(format.ext), []Story{st}); err != nil {
				t.Fatalf("%s: %v", format.ext, err)
			}
			if format.ext != "json" {
				d := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
				for {
					_, err := d.Token()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatalf("%s not well-formed: %v\n%s", format.ext, err, buf.Bytes())
					}
				}
			}
			feed, err := Parse(buf.Bytes(), ParseOptions{FeedURL: testBase + "/feeds/du-lich." + format.ext, Now: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatalf("%s: read back: %v\n%s", format.ext, err, buf.Bytes())
			}
			if len(feed.Items) != 1 || feed.Items[0].GUID != want {
				t.Fatalf("%s: read back %d items, want one with id %s\n%s", format.ext, len(feed.Items), want, buf.Bytes())
			}
		}
	})
}
