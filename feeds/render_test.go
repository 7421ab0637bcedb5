package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gfeeds "github.com/gorilla/feeds"
)

// updateRender rewrites testdata/render/*.golden (parse tests have their own
// -update-parse).
var updateRender = flag.Bool("update", false, "rewrite testdata/render/*.golden")

const testBase = "https://news.example.vn"

func testRenderer() Renderer {
	return Renderer{
		Authority: "news.example.vn",
		Outlets: map[string]Outlet{
			"baohagiang":    {ID: "baohagiang", Title: "Báo Hà Giang", Link: "https://baohagiang.example.vn/", FeedURL: "https://baohagiang.example.vn/rss/du-lich.rss", Level: "provincial"},
			"baotuyenquang": {ID: "baotuyenquang", Title: "Báo Tuyên Quang", Link: "https://baotuyenquang.example.vn/", FeedURL: "https://baotuyenquang.example.vn/feed.atom", Level: "provincial"},
			"dainhandan":    {ID: "dainhandan", Title: "Đài Nhân Dân", Link: "https://dainhandan.example.vn/", FeedURL: "https://dainhandan.example.vn/rss/dia-phuong.rss", Level: "central"},
			"phatthanhhg":   {ID: "phatthanhhg", Title: "Phát thanh Hà Giang", Link: "https://phatthanh.hagiang.example.vn/", FeedURL: "https://phatthanh.hagiang.example.vn/podcast.rss", Level: "provincial"},
		},
	}
}

func testChannel() Channel {
	return Channel{
		ID:          testBase + "/feeds/du-lich",
		Title:       "Du lịch — newswire Hà Giang",
		Description: "Tin du lịch từ báo chí tỉnh và trung ương",
		Link:        testBase + "/",
		Language:    "vi",
		Updated:     time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC),
		HubURL:      testBase + "/websub",
		NextURL:     testBase + "/feeds/du-lich.EXT?before=MTc0MTc3",
		Cursor:      "AAABlbOs2IAAAAAAAAAAKg",
	}
}

// channelFor fills the format-specific URLs of testChannel.
func channelFor(ext string) Channel {
	ch := testChannel()
	ch.SelfURL = testBase + "/feeds/du-lich." + ext
	ch.NextURL = strings.Replace(ch.NextURL, "EXT", ext, 1)
	return ch
}

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, time.UTC)
}

// testStories covers what the formats must carry: several outlets, media,
// characters XML forbids, no author, missing content and link.
func testStories() []Story {
	return []Story{
		{
			ID:          42,
			Title:       "Hà Giang mở lại cung đường Mã Pí Lèng sau sạt lở",
			Link:        "https://baohagiang.example.vn/du-lich/ma-pi-leng-thong-xe-1042.html",
			Summary:     "Sau năm ngày khắc phục, đoạn đèo qua xã Pả Vi đã thông xe; khách du lịch được khuyến cáo đi trước 17 giờ.",
			ContentHTML: `<p>Sau năm ngày khắc phục, đoạn đèo Mã Pí Lèng qua xã Pả Vi (huyện Mèo Vạc) đã thông xe sáng 12/3.</p><p>Ban quản lý <a href="https://baohagiang.example.vn/cong-vien-dia-chat">Công viên địa chất</a> khuyến cáo du khách đi trước 17 giờ &amp; theo dõi bản tin thời tiết.</p>`,
			Authors:     []Person{{Name: "Thu Hà", Email: "thuha@baohagiang.example.vn"}},
			Published:   at(12, 1, 15),
			Updated:     at(12, 3, 40),
			FirstSeen:   at(12, 1, 20),
			SortTime:    at(12, 1, 15),
			Language:    "vi",
			Categories:  []string{"du-lich", "tin-tinh"},
			Labels:      []string{"Du lịch", "Giao thông"},
			Image:       "https://baohagiang.example.vn/anh/2026/03/ma-pi-leng.jpg",
			Sources: []Occurrence{
				{Source: "baohagiang", Link: "https://baohagiang.example.vn/du-lich/ma-pi-leng-thong-xe-1042.html", GUID: "1042", Published: at(12, 1, 15), FirstSeen: at(12, 1, 20)},
				{Source: "dainhandan", Link: "https://dainhandan.example.vn/dia-phuong/ha-giang-thong-xe-ma-pi-leng-88311", Published: at(12, 2, 5), FirstSeen: at(12, 2, 10)},
				{Source: "baotuyenquang", Link: "https://baotuyenquang.example.vn/tin/ma-pi-leng-5521", Published: at(12, 4, 0), FirstSeen: at(12, 4, 10)},
			},
		},
		{
			ID:          41,
			Title:       "Bản tin tiếng Mông: mùa hoa tam giác mạch trên cao nguyên đá",
			Link:        "https://phatthanh.hagiang.example.vn/ban-tin/tieng-mong-2026-03-11",
			Summary:     "Bản tin phát thanh và truyền hình tiếng Mông về mùa hoa cuối vụ ở Đồng Văn và Quản Bạ.",
			ContentHTML: `<p>Bản tin phát thanh tiếng Mông phát lúc 18 giờ. <em>Nghe</em> hoặc xem lại bên dưới.</p>`,
			Authors:     []Person{{Name: "Giàng Thị Mỷ"}, {Name: "Lý Văn Sình", URL: "https://phatthanh.hagiang.example.vn/phong-vien/ly-van-sinh"}},
			Published:   at(11, 11, 0),
			FirstSeen:   at(11, 11, 5),
			SortTime:    at(11, 11, 0),
			Language:    "hmn",
			Categories:  []string{"du-lich"},
			Labels:      []string{"du-lich", "Phát thanh"},
			Enclosures: []Enclosure{
				{URL: "https://phatthanh.hagiang.example.vn/media/tieng-mong-2026-03-11.mp3", Type: "audio/mpeg", Length: 7340032},
				{URL: "https://phatthanh.hagiang.example.vn/media/tieng-mong-2026-03-11.mp4", Type: "video/mp4", Length: 52428800},
				{URL: "https://phatthanh.hagiang.example.vn/media/tieng-mong-2026-03-11-phu-de.m4a"},
			},
			Image: "https://phatthanh.hagiang.example.vn/anh/tam-giac-mach.png",
			Sources: []Occurrence{
				{Source: "phatthanhhg", Link: "https://phatthanh.hagiang.example.vn/ban-tin/tieng-mong-2026-03-11", Published: at(11, 11, 0), FirstSeen: at(11, 11, 5)},
			},
		},
		{
			ID:    40,
			Title: "Tuyên Quang tea growers\x0b open their hills to visitors",
			Link:  "https://baotuyenquang.example.vn/en/tea-hills-open-4410",
			// Characters XML forbids, as outlets sometimes send them.
			Summary:     "Farmers in Yên Sơn\x01 district now guide visitors\x1f through the harvest; tickets cost 50,000 dong.\uFFFE",
			ContentHTML: "<p>Farmers in Yên Sơn district now guide visitors through the harvest.\x08</p><p>The cooperative's booking log ends each day with the marker ]]> and nothing breaks.</p>\xff",
			Authors:     []Person{{Email: "desk@baotuyenquang.example.vn"}},
			Published:   at(10, 8, 30),
			Updated:     at(10, 8, 30),
			FirstSeen:   at(10, 8, 45),
			SortTime:    at(10, 8, 30),
			Language:    "en",
			Categories:  []string{"du-lich"},
			Labels:      []string{"Tourism"},
			Sources: []Occurrence{
				{Source: "baotuyenquang", Link: "https://baotuyenquang.example.vn/en/tea-hills-open-4410", Published: at(10, 8, 30), FirstSeen: at(10, 8, 45)},
			},
		},
		{
			ID:        39,
			Title:     "Lễ hội Lồng Tồng ở Bắc Quang thu hút hàng nghìn người",
			Summary:   "Giá vé xe buýt từ thành phố < 30.000 đồng & miễn phí cho trẻ em dưới 6 tuổi.",
			FirstSeen: at(9, 6, 0),
			SortTime:  at(9, 6, 0),
			Language:  "vi",
			// An outlet missing from the config: credited by its id alone.
			Sources: []Occurrence{
				{Source: "baobacquang", Link: "https://bacquang.example.vn/le-hoi-long-tong-77", FirstSeen: at(9, 6, 0)},
			},
		},
	}
}

// formats are the three renderings, by file extension.
var formats = []struct {
	ext    string
	render func(Renderer, io.Writer, Channel, []Story) error
}{
	{"rss", Renderer.RSS},
	{"atom", Renderer.Atom},
	{"json", Renderer.JSON},
}

func TestRenderGolden(t *testing.T) {
	sets := []struct {
		name    string
		stories []Story
		ch      func(ext string) Channel
	}{
		{"stories", testStories(), channelFor},
		{"empty", nil, func(ext string) Channel {
			ch := channelFor(ext)
			ch.HubURL, ch.NextURL, ch.Cursor = "", "", ""
			return ch
		}},
	}
	for _, set := range sets {
		for _, f := range formats {
			t.Run(set.name+"."+f.ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := f.render(testRenderer(), &buf, set.ch(f.ext), set.stories); err != nil {
					t.Fatal(err)
				}
				if f.ext == "json" {
					// Sent compact; kept indented in the golden file, to be read.
					if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 1 || !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) {
						t.Fatalf("JSON Feed not compact: %d lines", n)
					}
					var indented bytes.Buffer
					if err := json.Indent(&indented, buf.Bytes(), "", "  "); err != nil {
						t.Fatal(err)
					}
					buf = indented
				}
				golden := filepath.Join("testdata", "render", set.name+"."+f.ext+".golden")
				if *updateRender {
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("output differs from %s (refresh with -update):\n%s", golden, buf.String())
				}
			})
		}
	}
}

func TestStoryID(t *testing.T) {
	tests := []struct {
		authority string
		id        uint64
		want      string
	}{
		{"news.example.vn", 42, "tag:news.example.vn,2026:story/42"},
		{"news.example.vn", 18446744073709551615, "tag:news.example.vn,2026:story/18446744073709551615"},
		{"hagiang.example.vn", 0, "tag:hagiang.example.vn,2026:story/0"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := StoryID(tt.authority, tt.id); got != tt.want {
				t.Errorf("StoryID(%q, %d) = %q, want %q", tt.authority, tt.id, got, tt.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain Vietnamese", "Tuyên Quang mùa chè", "Tuyên Quang mùa chè"},
		{"tab newline cr kept", "a\tb\nc\rd", "a\tb\nc\rd"},
		{"C0 controls dropped", "a\x00b\x01c\x0bd\x1fe", "abcde"},
		{"DEL kept", "a\x7fb", "a\x7fb"},
		{"noncharacters dropped", "a\uFFFEb\uFFFFc", "abc"},
		{"replacement char kept", "a\uFFFDb", "a\uFFFDb"},
		{"invalid UTF-8 dropped", "a\xffb\xc3", "ab"},
		{"astral kept", "a😀b", "a😀b"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanText(tt.in); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestGuessType(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://a.example.vn/x/ban-tin.MP3", "audio/mpeg"},
		{"https://a.example.vn/x/phim.mp4?t=1#s", "video/mp4"},
		{"https://a.example.vn/x/anh.jpeg", "image/jpeg"},
		{"https://a.example.vn/x/tai-lieu", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := guessType(tt.url); got != tt.want {
				t.Errorf("guessType(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

// TestRenderXMLWellFormed decodes every XML output strictly and checks that
// text XML forbids is gone and that "]]>" in content survives CDATA intact.
func TestRenderXMLWellFormed(t *testing.T) {
	for _, f := range formats[:2] {
		t.Run(f.ext, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.render(testRenderer(), &buf, channelFor(f.ext), testStories()); err != nil {
				t.Fatal(err)
			}
			d := xml.NewDecoder(&buf)
			var text strings.Builder
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed: %v", err)
				}
				if c, ok := tok.(xml.CharData); ok {
					text.Write(c)
				}
			}
			for _, bad := range []string{"\x0b", "\x01", "\x1f", "\x08", "\uFFFE", "\uFFFD"} {
				if strings.Contains(text.String(), bad) {
					t.Errorf("output text contains %q", bad)
				}
			}
			if !strings.Contains(text.String(), "with the marker ]]> and nothing breaks") {
				t.Errorf("content with ]]> did not survive: %s", text.String())
			}
		})
	}
}

// TestJSONFeedSpec checks the JSON output against JSON Feed 1.1's required
// keys and the types it gives them.
func TestJSONFeedSpec(t *testing.T) {
	for _, stories := range [][]Story{testStories(), nil} {
		t.Run(fmt.Sprintf("%d stories", len(stories)), func(t *testing.T) {
			var buf bytes.Buffer
			if err := testRenderer().JSON(&buf, channelFor("json"), stories); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			wantString(t, doc, "version", "https://jsonfeed.org/version/1.1")
			wantString(t, doc, "title", "")
			wantString(t, doc, "feed_url", testBase+"/feeds/du-lich.json")
			wantString(t, doc, "home_page_url", testBase+"/")
			wantString(t, doc, "language", "vi")
			for _, hub := range asList(t, doc, "hubs", false) {
				wantString(t, hub, "type", "WebSub")
				wantString(t, hub, "url", "")
			}
			items := asList(t, doc, "items", true)
			if len(items) != len(stories) {
				t.Fatalf("%d items, want %d", len(items), len(stories))
			}
			for i, it := range items {
				wantString(t, it, "id", StoryID("news.example.vn", stories[i].ID))
				wantString(t, it, "content_html", "")
				for _, k := range []string{"date_published", "date_modified"} {
					if s, ok := it[k].(string); ok {
						if _, err := time.Parse(time.RFC3339, s); err != nil {
							t.Errorf("item %d %s: %v", i, k, err)
						}
					}
				}
				for _, a := range asList(t, it, "authors", false) {
					wantString(t, a, "name", "")
				}
				for _, a := range asList(t, it, "attachments", false) {
					wantString(t, a, "url", "")
					wantString(t, a, "mime_type", "")
					if _, ok := a["size"]; ok {
						t.Errorf("item %d attachment has %q, JSON Feed says size_in_bytes", i, "size")
					}
				}
				for _, k := range []string{"author", "banner_", "external_url"} {
					if _, ok := it[k]; ok {
						t.Errorf("item %d has %q", i, k)
					}
				}
				ext, ok := it["_newswire"].(map[string]any)
				if !ok {
					t.Fatalf("item %d: no _newswire object", i)
				}
				srcs := asList(t, ext, "sources", true)
				if len(srcs) != len(stories[i].Sources) {
					t.Errorf("item %d: %d sources, want %d", i, len(srcs), len(stories[i].Sources))
				}
				for j, s := range srcs {
					wantString(t, s, "source", stories[i].Sources[j].Source)
					wantString(t, s, "title", "")
					wantString(t, s, "link", stories[i].Sources[j].Link)
				}
			}
		})
	}
}

// wantString fails unless m[key] is a non-empty string equal to want (any
// non-empty string when want is "").
func wantString(t *testing.T, m map[string]any, key, want string) {
	t.Helper()
	s, ok := m[key].(string)
	switch {
	case !ok || s == "":
		t.Errorf("%q = %#v, want a non-empty string", key, m[key])
	case want != "" && s != want:
		t.Errorf("%q = %q, want %q", key, s, want)
	}
}

// asList returns m[key] as a list of objects; it fails when the key is
// required and absent, or when it is present and not such a list.
func asList(t *testing.T, m map[string]any, key string, required bool) []map[string]any {
	t.Helper()
	v, ok := m[key]
	if !ok {
		if required {
			t.Errorf("%q missing", key)
		}
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		t.Errorf("%q = %#v, want a list", key, v)
		return nil
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		if out[i], ok = e.(map[string]any); !ok {
			t.Errorf("%q[%d] = %#v, want an object", key, i, e)
		}
	}
	return out
}

// TestGorillaGaps pins the library behaviour the renderer works around. When
// an upgrade changes one, this fails, and the workaround can go.
func TestGorillaGaps(t *testing.T) {
	f := &gfeeds.Feed{
		Title: "Thời sự",
		Link:  &gfeeds.Link{Href: testBase + "/"},
		Items: []*gfeeds.Item{{
			Title:     "Tin",
			Id:        "tag:news.example.vn,2026:story/1",
			Source:    &gfeeds.Link{Href: "https://baohagiang.example.vn/rss"},
			Content:   "<p>a\x01b</p>",
			Enclosure: &gfeeds.Enclosure{Url: "https://a.example.vn/x.mp3"},
		}},
	}
	rss := (&gfeeds.Rss{Feed: f}).RssFeed()
	atom := (&gfeeds.Atom{Feed: f}).AtomFeed()
	empty := (&gfeeds.JSON{Feed: &gfeeds.Feed{Title: "Thời sự"}}).JSONFeed()
	emptyJSON, err := json.Marshal(empty)
	if err != nil {
		t.Fatal(err)
	}
	rssXML, err := gfeeds.ToXML(&gfeeds.Rss{Feed: f})
	if err != nil {
		t.Fatal(err)
	}
	gaps := []struct {
		name string
		gap  bool
	}{
		{"rss source is a bare string, no url attribute", rss.Items[0].Source == "https://baohagiang.example.vn/rss"},
		{"rss enclosure without type and length is dropped", rss.Items[0].Enclosure == nil},
		{"rss has no language", rss.Language == ""},
		{"rss content CDATA keeps control characters", strings.Contains(rssXML, "a\x01b")},
		{"atom feed id is the site link", atom.Id == testBase+"/"},
		{"atom summary is typed html", (&gfeeds.Atom{Feed: &gfeeds.Feed{Items: []*gfeeds.Item{{Description: "x"}}}}).AtomFeed().Entries[0].Summary.Type == "html"},
		{"atom entry has no published", atom.Entries[0].Published == ""},
		{"json items omitted when empty", !strings.Contains(string(emptyJSON), `"items"`)},
	}
	for _, g := range gaps {
		t.Run(g.name, func(t *testing.T) {
			if !g.gap {
				t.Error("gorilla/feeds no longer behaves this way; revisit the renderer's workaround")
			}
		})
	}
}

// TestRenderWriteError checks that a failing writer surfaces as a wrapped
// error naming the format and the feed.
func TestRenderWriteError(t *testing.T) {
	broken := errors.New("connection reset")
	for _, f := range formats {
		t.Run(f.ext, func(t *testing.T) {
			err := f.render(testRenderer(), failWriter{broken}, channelFor(f.ext), testStories())
			if !errors.Is(err, broken) {
				t.Fatalf("err = %v, want it to wrap %v", err, broken)
			}
			if !strings.Contains(err.Error(), "render "+f.ext) || !strings.Contains(err.Error(), "du-lich."+f.ext) {
				t.Errorf("err = %q, want the format and feed named", err)
			}
		})
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func BenchmarkRenderRSS50(b *testing.B)   { benchRender(b, Renderer.RSS, 50) }
func BenchmarkRenderRSS500(b *testing.B)  { benchRender(b, Renderer.RSS, 500) }
func BenchmarkRenderAtom50(b *testing.B)  { benchRender(b, Renderer.Atom, 50) }
func BenchmarkRenderAtom500(b *testing.B) { benchRender(b, Renderer.Atom, 500) }
func BenchmarkRenderJSON50(b *testing.B)  { benchRender(b, Renderer.JSON, 50) }
func BenchmarkRenderJSON500(b *testing.B) { benchRender(b, Renderer.JSON, 500) }

func benchRender(b *testing.B, render func(Renderer, io.Writer, Channel, []Story) error, n int) {
	base := testStories()
	stories := make([]Story, n)
	for i := range stories {
		stories[i] = base[i%len(base)]
		stories[i].ID = uint64(n - i)
	}
	r, ch := testRenderer(), channelFor("xml")
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := render(r, &buf, ch, stories); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// TestChannelUpdated checks the feed date when the caller gives none: the
// newest story change, else the epoch, never the clock (stable bytes, stable
// ETag).
func TestChannelUpdated(t *testing.T) {
	tests := []struct {
		name    string
		updated time.Time
		stories []Story
		want    string
	}{
		{"given", at(12, 9, 30), testStories(), "2026-03-12T09:30:00Z"},
		{"newest story change", time.Time{}, testStories(), "2026-03-12T03:40:00Z"},
		{"given in another zone", time.Date(2026, 3, 12, 16, 30, 0, 0, time.FixedZone("ICT", 7*3600)), nil, "2026-03-12T09:30:00Z"},
		{"empty and undated", time.Time{}, nil, "1970-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := channelFor("atom")
			ch.Updated = tt.updated
			var buf bytes.Buffer
			if err := testRenderer().Atom(&buf, ch, tt.stories); err != nil {
				t.Fatal(err)
			}
			var feed struct {
				Updated string `xml:"updated"`
			}
			if err := xml.Unmarshal(buf.Bytes(), &feed); err != nil {
				t.Fatal(err)
			}
			if feed.Updated != tt.want {
				t.Errorf("updated = %q, want %q", feed.Updated, tt.want)
			}
		})
	}
}

// TestRSSAuthor checks that <author> is only ever "email (Name)" and that
// everyone else goes to dc:creator, never both on one item.
func TestRSSAuthor(t *testing.T) {
	tests := []struct {
		name        string
		authors     []Person
		wantAuthor  string
		wantCreator []string
	}{
		{"name and email", []Person{{Name: "Thu Hà", Email: "thuha@baohagiang.example.vn"}}, "thuha@baohagiang.example.vn (Thu Hà)", nil},
		{"name only", []Person{{Name: "Thu Hà"}}, "", []string{"Thu Hà"}},
		{"email only", []Person{{Email: "desk@baohagiang.example.vn"}}, "", []string{"desk@baohagiang.example.vn"}},
		{"two with emails", []Person{{Name: "A", Email: "a@x.example.vn"}, {Name: "B", Email: "b@x.example.vn"}}, "", []string{"A", "B"}},
		{"none", nil, "", nil},
		{"nameless and addressless dropped", []Person{{URL: "https://x.example.vn/a"}}, "", nil},
		{"an email that is no address", []Person{{Name: "Thu Hà", Email: "javascript:alert(1)@evil.example"}}, "", []string{"Thu Hà"}},
		{"an email with a display name", []Person{{Name: "Thu Hà", Email: "Ban biên tập <desk@x.example.vn>"}}, "", []string{"Thu Hà"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStories()[:1]
			s[0].Authors = tt.authors
			var buf bytes.Buffer
			if err := testRenderer().RSS(&buf, channelFor("rss"), s); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Items []struct {
					Author   string   `xml:"author"`
					Creators []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
				} `xml:"channel>item"`
			}
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			it := doc.Items[0]
			if it.Author != tt.wantAuthor || !slices.Equal(it.Creators, tt.wantCreator) {
				t.Errorf("author %q, dc:creator %q; want %q, %q", it.Author, it.Creators, tt.wantAuthor, tt.wantCreator)
			}
		})
	}
}

// TestUniqueTimes: every entry of a document gets an atom:updated of its
// own, within a couple of milliseconds of its story's time; and a story
// reads alike in every document where no other story of its millisecond
// and microsecond is.
func TestUniqueTimes(t *testing.T) {
	base := time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		u := uniqueTimes{used: map[string]bool{}}
		seen := map[string]bool{}
		for i := range 1 + rng.IntN(60) {
			tm := base.Add(time.Duration(rng.IntN(20))*time.Second + time.Duration(rng.IntN(3))*time.Millisecond)
			id := StoryID("tin.example.vn", uint64(rng.IntN(100000)))
			v := u.format(tm, id)
			got, err := time.Parse(time.RFC3339Nano, v)
			if err != nil || seen[v] || got.Before(tm.Truncate(time.Millisecond)) || got.Sub(tm) > 2*time.Millisecond {
				t.Fatalf("round %d, entry %d (%s): %q (%v), repeated %v", round, i, tm, v, err, seen[v])
			}
			seen[v] = true
		}
	}
	// A batch of 5000 dated alike: all distinct.
	u := uniqueTimes{used: map[string]bool{}}
	for i := range 5000 {
		u.format(base, StoryID("tin.example.vn", uint64(i)))
	}
	if len(u.used) != 5000 {
		t.Fatalf("%d times given, want 5000", len(u.used))
	}
	// A time finer than the millisecond is written as it is.
	id := StoryID("tin.example.vn", 42)
	if v := (uniqueTimes{used: map[string]bool{}}).format(base.Add(1500*time.Microsecond), id); v != "2026-03-12T09:30:00.0015Z" {
		t.Errorf("a time of its own written %q", v)
	}
	// A story reads alike in every document: alone, after another story
	// dated alike, and before it.
	alone := uniqueTimes{used: map[string]bool{}}.format(base, id)
	after := uniqueTimes{used: map[string]bool{}}
	after.format(base, StoryID("tin.example.vn", 7))
	before := uniqueTimes{used: map[string]bool{}}
	v := before.format(base, id)
	if w := after.format(base, id); w != alone || v != alone {
		t.Errorf("story 42 reads %q alone, %q after story 7 and %q before it", alone, w, v)
	}
	if got, _ := time.Parse(time.RFC3339Nano, alone); !got.After(base) || got.Sub(base) >= time.Millisecond {
		t.Errorf("story 42 dated %s written %q", base, alone)
	}
}

// renderAll renders stories in the three formats with the test renderer,
// by format name.
func renderAll(t *testing.T, stories []Story) map[string]string {
	t.Helper()
	r := testRenderer()
	out := map[string]string{}
	for name, render := range map[string]func(io.Writer, Channel, []Story) error{"rss": r.RSS, "atom": r.Atom, "json": r.JSON} {
		var b bytes.Buffer
		if err := render(&b, channelFor(name), stories); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.String()
	}
	return out
}

// TestUntitledStory: a story whose outlet gave no title (stored before
// items were given one) gets the one Headline makes in every format (Atom
// requires one; readers list items by it): from its summary, else its
// media and outlet, else its link. No element is written empty.
func TestUntitledStory(t *testing.T) {
	long := "Sáng nay, hàng trăm hộ dân ở xã vùng cao đã nhận giống lúa mới do trạm khuyến nông huyện cấp phát, chuẩn bị cho vụ đông xuân"
	podcast := []Enclosure{{URL: "https://phatthanh.hagiang.example.vn/media/b%E1%BA%A3n-tin-s%C3%A1ng.mp3", Type: "audio/mpeg", Length: 7340032}}
	for _, tc := range []struct {
		summary, image, lang string
		enclosures           []Enclosure
		want                 string
	}{
		{summary: "Đường tỉnh 176 thông xe sau sạt lở. Xe khách đã chạy lại.", want: "Đường tỉnh 176 thông xe sau sạt lở"},
		{summary: long, want: "Sáng nay, hàng trăm hộ dân ở xã vùng cao đã nhận giống lúa mới do trạm khuyến nông huyện…"},
		{enclosures: podcast, image: "https://baohagiang.example.vn/anh/ma-pi-leng.jpg", want: "Âm thanh: bản-tin-sáng.mp3 (Báo Hà Giang)"},
		{enclosures: podcast, lang: "en", want: "Audio: bản-tin-sáng.mp3 (Báo Hà Giang)"},
		{image: "https://baohagiang.example.vn/anh/ma-pi-leng.jpg", want: "Ảnh: ma-pi-leng.jpg (Báo Hà Giang)"},
		{want: "https://baohagiang.example.vn/thoi-su/1.html"},
	} {
		s := testStories()[:1]
		s[0].Title, s[0].Summary, s[0].ContentHTML = "", tc.summary, ""
		s[0].Image, s[0].Enclosures, s[0].Language = tc.image, tc.enclosures, tc.lang
		s[0].Link = "https://baohagiang.example.vn/thoi-su/1.html"
		for name, doc := range renderAll(t, s) {
			if !strings.Contains(doc, ">"+tc.want+"</title>") && !strings.Contains(doc, `"title":"`+tc.want+`"`) {
				t.Errorf("%s of a story without a title, summary %q: no title %q in\n%s", name, tc.summary, tc.want, doc)
			}
			for _, empty := range []string{"<p></p>", "<description></description>", `"summary":""`, `"content_html":""`, "></summary>", "></content>"} {
				if strings.Contains(doc, empty) {
					t.Errorf("%s of a story without a title, summary %q: %s in\n%s", name, tc.summary, empty, doc)
				}
			}
		}
	}
}

// TestURLsComeOutAsURIs: a link or an enclosure written with Vietnamese
// letters or spaces, as some outlets write them (and as stories stored
// before the parser encoded them hold them), is percent-encoded in every
// format: the formats want URIs, and the W3C validator says so.
func TestURLsComeOutAsURIs(t *testing.T) {
	s := testStories()[:1]
	s[0].Link = "https://baohagiang.example.vn/anh/ruộng bậc thang.html"
	s[0].Enclosures = []Enclosure{{URL: "https://baohagiang.example.vn/audio/bản tin.mp3", Type: "audio/mpeg", Length: 1200}}
	for name, doc := range renderAll(t, s) {
		for _, want := range []string{"/anh/ru%E1%BB%99ng%20b%E1%BA%ADc%20thang.html", "/audio/b%E1%BA%A3n%20tin.mp3"} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s: no %s in\n%s", name, want, doc)
			}
		}
		if strings.Contains(doc, "ruộng bậc") || strings.Contains(doc, "bản tin.mp3") {
			t.Errorf("%s: an IRI left as it was", name)
		}
	}
}

// TestAttributionFollowsTheRepresentative: when the story's text and link
// are those of an outlet that published after another (the first polled
// is the representative), RSS <source> and atom:source name the feed the
// item was copied from, and every other outlet's article, the first
// publisher's included, is a rel="via" link; the story's own link is not.
func TestAttributionFollowsTheRepresentative(t *testing.T) {
	s := testStories()[:1]
	rep := s[0].Sources[1] // dainhandan: published after baohagiang
	s[0].Link = rep.Link
	docs := renderAll(t, s)
	for _, name := range []string{"rss", "atom"} {
		doc := docs[name]
		first := s[0].Sources[0].Link
		if !strings.Contains(doc, `href="`+first+`" rel="via"`) && !strings.Contains(doc, `rel="via" href="`+first+`"`) && !strings.Contains(doc, first+`" rel="via"`) {
			t.Errorf("%s: the first publisher's article is not a via link:\n%s", name, doc)
		}
		if strings.Contains(doc, `href="`+rep.Link+`" rel="via"`) {
			t.Errorf("%s: the story's own link is also a via link", name)
		}
	}
	if !strings.Contains(docs["rss"], `<source url="`+testRenderer().Outlets["dainhandan"].FeedURL+`"`) {
		t.Errorf("rss: <source> does not name the representative's feed:\n%s", docs["rss"])
	}
}

// TestUnknownLanguage: a story whose language is not known says so ("und")
// in a document that declares a language, in all three formats, rather
// than taking the document's; in a document that declares none it says
// nothing. A newswire reading "und" stores no language.
func TestUnknownLanguage(t *testing.T) {
	stories := testStories()[:1]
	stories[0].Language = ""
	for _, docLang := range []string{"vi", ""} {
		r := testRenderer()
		for name, render := range map[string]func(io.Writer, Channel, []Story) error{"rss": r.RSS, "atom": r.Atom, "json": r.JSON} {
			ch := channelFor(name)
			ch.Language = docLang
			var b bytes.Buffer
			if err := render(&b, ch, stories); err != nil {
				t.Fatal(err)
			}
			doc := b.String()
			want := map[string]string{"rss": "<dc:language>und</dc:language>", "atom": `<entry xml:lang="und">`, "json": `"language":"und"`}[name]
			if got := strings.Contains(doc, want); got != (docLang != "") {
				t.Errorf("%s in a document of language %q: %s there: %v\n%s", name, docLang, want, got, doc)
			}
			feed, err := Parse(b.Bytes(), ParseOptions{FeedURL: ch.SelfURL})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if l := feed.Items[0].Language; l != "" {
				t.Errorf("%s in a document of language %q read back in language %q", name, docLang, l)
			}
		}
	}
}

// TestRSSContentWithoutText: a story whose content has no text to sum it
// up (a photo alone) has that content as its RSS description, which
// validators want before any content:encoded, rather than a
// content:encoded with no description.
func TestRSSContentWithoutText(t *testing.T) {
	stories := testStories()[:1]
	stories[0].Summary = ""
	stories[0].ContentHTML = `<p><img src="https://baohagiang.example.vn/anh/cua-khau.jpg" width="640"/></p>`
	var b bytes.Buffer
	if err := testRenderer().RSS(&b, channelFor("rss"), stories); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	if strings.Contains(doc, "content:encoded>") || !strings.Contains(doc, `<description>&lt;p&gt;&lt;img src=&#34;https://baohagiang.example.vn/anh/cua-khau.jpg&#34;`) {
		t.Errorf("want the photo as the description and no content:encoded:\n%s", doc)
	}
	feed, err := Parse(b.Bytes(), ParseOptions{FeedURL: testBase + "/feeds/du-lich.rss"})
	if err != nil || len(feed.Items) != 1 || !strings.Contains(feed.Items[0].Summary, `<img src="https://baohagiang.example.vn/anh/cua-khau.jpg"`) {
		t.Errorf("read back: %v, %+v", err, feed)
	}
}
