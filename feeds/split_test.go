package feeds

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// splitOpt is the options every split test parses with: a fixed clock, so
// that two parses of one document agree.
func splitOpt(url string) ParseOptions {
	return ParseOptions{FeedURL: url, Now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

// checkSplit parses body whole with Parse, then with ParseChanged: once with
// nothing seen, then with each of several random sets of its items seen. In
// every case the items ParseChanged parses must be, field for field, the
// whole parse's items at the same places. It returns the first Layout.
func checkSplit(t *testing.T, name string, body []byte, opt ParseOptions, rng *rand.Rand) Layout {
	t.Helper()
	want, werr := Parse(body, opt)
	got, lay, gerr := ParseChanged(body, opt, Layout{}, nil)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: Parse error %v, ParseChanged error %v", name, werr, gerr)
	}
	if werr != nil {
		if werr.Error() != gerr.Error() {
			t.Fatalf("%s: errors differ:\n Parse:        %v\n ParseChanged: %v", name, werr, gerr)
		}
		return Layout{}
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: ParseChanged with nothing seen differs from Parse:\n got %+v\nwant %+v", name, got, want)
	}
	if lay.Parsed == nil {
		return lay
	}
	if len(lay.Parsed) != len(want.Items) || len(lay.Raw) != len(want.Items) {
		t.Fatalf("%s: layout of %d items (%d hashes), the feed has %d", name, len(lay.Parsed), len(lay.Raw), len(want.Items))
	}
	for round := range 6 {
		seen := map[uint64]bool{}
		for _, raw := range lay.Raw {
			if round == 0 || rng.IntN(3) > 0 {
				seen[raw] = true
			}
		}
		part, play, err := ParseChanged(body, opt, lay, func(raw uint64) bool { return seen[raw] })
		if err != nil {
			t.Fatalf("%s: round %d: %v", name, round, err)
		}
		if play.Context != lay.Context || play.ItemContext != lay.ItemContext || !reflect.DeepEqual(play.Raw, lay.Raw) {
			t.Fatalf("%s: round %d: the layout of the same document changed", name, round)
		}
		wantFeed := *want
		wantFeed.Items = nil
		gotFeed := *part
		gotFeed.Items = nil
		if !reflect.DeepEqual(wantFeed, gotFeed) {
			t.Fatalf("%s: round %d: feed fields differ:\n got %+v\nwant %+v", name, round, gotFeed, wantFeed)
		}
		parsed := 0
		for i, j := range play.Parsed {
			if seen[lay.Raw[i]] {
				if j != -1 {
					t.Fatalf("%s: round %d: item %d was seen but parsed", name, round, i)
				}
				continue
			}
			if j != parsed {
				t.Fatalf("%s: round %d: item %d maps to %d, want %d", name, round, i, j, parsed)
			}
			if !reflect.DeepEqual(part.Items[j], want.Items[i]) {
				t.Fatalf("%s: round %d: item %d differs from the whole parse's:\n got %+v\nwant %+v", name, round, i, part.Items[j], want.Items[i])
			}
			parsed++
		}
		if parsed != len(part.Items) {
			t.Fatalf("%s: round %d: %d items parsed, %d mapped", name, round, len(part.Items), parsed)
		}
	}
	return lay
}

// TestParseChangedMatchesParse runs checkSplit on every feed document in
// the repository's test data.
func TestParseChangedMatchesParse(t *testing.T) {
	var files []string
	for _, pattern := range []string{"testdata/parse/*", "../cmd/newswire/testdata/outlets/*", "../internal/*/testdata/*.xml", "../internal/*/testdata/*/*.xml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 30 {
		t.Fatalf("found only %d test documents", len(files))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	split := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if checkSplit(t, f, body, splitOpt("https://baomoi.example/rss/"+filepath.Base(f)), rng).Parsed != nil {
			split++
		} else {
			t.Logf("read whole: %s", f)
		}
	}
	if split < 15 {
		t.Fatalf("only %d of %d documents were split into items", split, len(files))
	}
}

// TestParseChangedSkipsSeenItems polls a feed that gained one item and
// rewrote its build date: only the new item is parsed.
func TestParseChangedSkipsSeenItems(t *testing.T) {
	opt := splitOpt("https://tinlaocai.example/rss")
	doc := func(build string, titles ...string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Tin Lào Cai</title><link>https://tinlaocai.example/</link><language>vi</language>
<lastBuildDate>%s</lastBuildDate>
`, build)
		for _, title := range titles {
			n := len(title) % 10
			fmt.Fprintf(&b, "<item><title>%s</title><link>https://tinlaocai.example/tin/%d</link><dc:creator>Phóng viên</dc:creator><pubDate>Thu, 26 Nov 2026 0%d:00:00 +0700</pubDate></item>\n", title, len(title), n)
		}
		b.WriteString("</channel></rss>")
		return []byte(b.String())
	}
	first := doc("Thu, 26 Nov 2026 08:00:00 +0700", "Mưa lớn ở Bát Xát", "Chợ phiên Bắc Hà mở lại")
	_, lay, err := ParseChanged(first, opt, Layout{}, nil)
	if err != nil || lay.Parsed == nil {
		t.Fatalf("first document: %v, layout %+v", err, lay)
	}
	seen := map[uint64]bool{}
	for _, raw := range lay.Raw {
		seen[raw] = true
	}
	known := func(raw uint64) bool { return seen[raw] }

	second := doc("Thu, 26 Nov 2026 09:00:00 +0700", "Cầu mới qua sông Hồng thông xe", "Mưa lớn ở Bát Xát", "Chợ phiên Bắc Hà mở lại")
	feed, lay2, err := ParseChanged(second, opt, lay, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 1 || feed.Items[0].Title != "Cầu mới qua sông Hồng thông xe" || !reflect.DeepEqual(lay2.Parsed, []int{0, -1, -1}) {
		t.Fatalf("second document: parsed %d items %+v, layout %v; want only the new one", len(feed.Items), feed.Items, lay2.Parsed)
	}
	if feed.Items[0].Language != "vi" || feed.Language != "vi" {
		t.Fatalf("languages %q, %q", feed.Items[0].Language, feed.Language)
	}

	// The feed's language changes every item: all are parsed again.
	third := []byte(strings.Replace(string(second), "<language>vi</language>", "<language>en</language>", 1))
	feed, lay3, err := ParseChanged(third, opt, lay2, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 3 || lay3.ItemContext == lay2.ItemContext || feed.Items[1].Language != "en" {
		t.Fatalf("after a language change: %d items parsed, want 3 in English", len(feed.Items))
	}

	// A namespace declared otherwise changes the context before parsing.
	fourth := []byte(strings.Replace(string(second), `<rss version="2.0"`, `<rss version="2.0" xml:base="https://tinlaocai.example/en/"`, 1))
	feed, lay4, err := ParseChanged(fourth, opt, lay2, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 3 || lay4.Context == lay2.Context {
		t.Fatalf("after the root's attributes changed: %d items parsed, want 3", len(feed.Items))
	}

	// Another source's layout (another URL) never lets items be skipped.
	other := splitOpt("https://khac.example/rss")
	if feed, _, err := ParseChanged(second, other, lay, known); err != nil || len(feed.Items) != 3 {
		t.Fatalf("under another feed URL: %d items parsed, %v; want 3", len(feed.Items), err)
	}
}

// TestParseChangedAtomAuthors: an Atom entry without authors takes the
// feed's, so a change of the feed's authors is a change of such entries.
func TestParseChangedAtomAuthors(t *testing.T) {
	opt := splitOpt("https://vungcao.example/atom")
	doc := func(author string) []byte {
		return []byte(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Vùng cao</title><id>urn:vungcao</id><updated>2026-11-26T08:00:00Z</updated>
<author><name>` + author + `</name></author>
<entry><id>urn:vungcao:1</id><title>Lễ hội hoa tam giác mạch</title><updated>2026-11-26T07:00:00Z</updated><link href="https://vungcao.example/1"/></entry>
<entry><id>urn:vungcao:2</id><title>Đường lên Lũng Cú</title><updated>2026-11-26T06:00:00Z</updated><link href="https://vungcao.example/2"/><author><name>Ban biên tập</name></author></entry>
</feed>`)
	}
	_, lay, err := ParseChanged(doc("Tòa soạn Vùng cao"), opt, Layout{}, nil)
	if err != nil || lay.Parsed == nil {
		t.Fatalf("%v, %+v", err, lay)
	}
	all := func(uint64) bool { return true }
	feed, _, err := ParseChanged(doc("Tòa soạn Vùng cao"), opt, lay, all)
	if err != nil || len(feed.Items) != 0 {
		t.Fatalf("the same document: %d items parsed, %v; want none", len(feed.Items), err)
	}
	feed, _, err = ParseChanged(doc("Tòa soạn mới"), opt, lay, all)
	if err != nil || len(feed.Items) != 2 || feed.Items[0].Authors[0].Name != "Tòa soạn mới" {
		t.Fatalf("new feed author: %+v, %v; want both entries again, the first by the new author", feed, err)
	}
}

// TestScanFeedDeclines lists documents the scan must not split; each must
// still parse as Parse parses it.
func TestScanFeedDeclines(t *testing.T) {
	item := `<item><title>Tin</title><link>https://x.example/1</link></item>`
	cases := map[string]string{
		"item outside the channel":     `<rss version="2.0"><channel><title>T</title></channel>` + item + `</rss>`,
		"prefixed item":                `<rss version="2.0" xmlns:r="urn:r"><channel><r:item><title>T</title></r:item></channel></rss>`,
		"capitalised item":             `<rss version="2.0"><channel><Item><title>T</title></Item></channel></rss>`,
		"internal doctype subset":      `<!DOCTYPE rss [<!ENTITY tin "Tin">]><rss version="2.0"><channel>` + item + `</channel></rss>`,
		"truncated":                    `<rss version="2.0"><channel>` + item + `<item><title>Cắt`,
		"unclosed channel":             `<rss version="2.0"><channel>` + item + `</rss>`,
		"two channels":                 `<rss version="2.0"><channel>` + item + `</channel><channel>` + item + `</channel></rss>`,
		"item in an image":             `<rss version="2.0"><channel><image>` + item + `</image></channel></rss>`,
		"text after the root":          `<rss version="2.0"><channel>` + item + `</channel></rss>rác`,
		"stray less-than in the frame": `<rss version="2.0"><channel><title>a < b</title>` + item + `</channel></rss>`,
	}
	for name, doc := range cases {
		kind, err := detectFormat([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := scanFeed([]byte(doc), kind); ok {
			t.Errorf("%s: split", name)
		}
		checkSplit(t, name, []byte(doc), splitOpt("https://x.example/rss"), rand.New(rand.NewPCG(3, 4)))
	}
}

// TestScanFeedFollowsMarkup: markup inside items that looks like an item's
// end does not end it.
func TestScanFeedFollowsMarkup(t *testing.T) {
	doc := `<?xml version="1.0"?>
<!-- <item> in a comment -->
<rss version="2.0"><channel><title>Thử</title>
<item><title><![CDATA[Một </item> trong CDATA]]></title><link>https://x.example/1</link></item>
<item><title>Hai</title><!-- </item> --><link title="a > b" href='</item>'>https://x.example/2</link><item>lồng</item></item>
<item/>
<item ><description>&lt;/item&gt;</description></item >
</channel></rss>`
	s, ok := scanFeed([]byte(doc), formatRSS)
	if !ok || len(s.items) != 4 {
		t.Fatalf("scan: ok %v, %d items; want 4", ok, len(s.items))
	}
	for i, want := range []string{"Một", "Hai", "<item/>", "&lt;/item&gt;"} {
		if got := doc[s.items[i].start:s.items[i].end]; !strings.Contains(got, want) || !strings.HasPrefix(got, "<item") || !strings.HasSuffix(got, ">") {
			t.Errorf("item %d: %q", i, got)
		}
	}
	checkSplit(t, "markup", []byte(doc), splitOpt("https://x.example/rss"), rand.New(rand.NewPCG(5, 6)))
}

// FuzzParseChanged: whatever the document, ParseChanged with any items
// seen parses the others exactly as Parse does.
func FuzzParseChanged(f *testing.F) {
	files, _ := filepath.Glob("testdata/parse/*.xml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b, uint64(1))
		}
	}
	f.Add([]byte(`<rss version="2.0"><channel><item><title>A</title></item><item><title>B</title></item></channel></rss>`), uint64(7))
	f.Fuzz(func(t *testing.T, body []byte, seed uint64) {
		checkSplit(t, "fuzz", body, splitOpt("https://x.example/rss"), rand.New(rand.NewPCG(seed, seed)))
	})
}

// BenchmarkParseChanged parses a 50-item RSS feed that gained one item
// since the last document and rewrote its build date: "whole" with Parse,
// "changed" with ParseChanged given the last document's layout, so that
// only the new item is parsed.
//
//	go test -run '^$' -bench ParseChanged -benchmem ./feeds
func BenchmarkParseChanged(b *testing.B) {
	doc := func(v int) []byte {
		var buf strings.Builder
		fmt.Fprintf(&buf, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Báo Cao Bằng</title><link>https://caobang.example.vn/</link><language>vi</language>
<lastBuildDate>Thu, 26 Nov 2026 %02d:00:00 +0700</lastBuildDate>
`, v%24)
		for k := range 50 {
			n := v + 49 - k
			fmt.Fprintf(&buf, `<item><title>Tin số %d: Thác Bản Giốc đón khách trở lại sau mùa lũ</title><link>https://caobang.example.vn/tin/%d.html</link><guid>https://caobang.example.vn/tin/%d.html</guid><dc:creator>Nông Thị Lan</dc:creator><pubDate>Thu, 26 Nov 2026 08:%02d:00 +0700</pubDate><description><![CDATA[<p>Tóm tắt tin số %d: du khách đến Trùng Khánh ngày một đông.</p>]]></description></item>
`, n, n, n, n%60, n)
		}
		buf.WriteString("</channel></rss>\n")
		return []byte(buf.String())
	}
	opt := splitOpt("https://caobang.example.vn/rss")
	last, next := doc(1), doc(2)
	_, lay, err := ParseChanged(last, opt, Layout{}, nil)
	if err != nil || lay.Context == 0 {
		b.Fatalf("%v, %+v", err, lay)
	}
	seen := map[uint64]bool{}
	for _, raw := range lay.Raw {
		seen[raw] = true
	}
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if f, err := Parse(next, opt); err != nil || len(f.Items) != 50 {
				b.Fatalf("%v", err)
			}
		}
	})
	b.Run("changed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, _, err := ParseChanged(next, opt, lay, func(raw uint64) bool { return seen[raw] })
			if err != nil || len(f.Items) != 1 {
				b.Fatalf("%v, %d items parsed", err, len(f.Items))
			}
		}
	})
}

// TestParseChangedCap: with MaxItems, the items past the cap are neither
// parsed nor in the layout, as Parse drops them.
func TestParseChangedCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>Tin Sơn La</title>`)
	for i := range 5 {
		fmt.Fprintf(&b, `<item><title>Mộc Châu mùa hoa mận, bài %d</title><link>https://sonla.example/%d</link></item>`, i, i)
	}
	b.WriteString(`</channel></rss>`)
	opt := splitOpt("https://sonla.example/rss")
	opt.MaxItems = 2
	want, err := Parse([]byte(b.String()), opt)
	if err != nil {
		t.Fatal(err)
	}
	lay := checkSplit(t, "capped", []byte(b.String()), opt, rand.New(rand.NewPCG(7, 8)))
	if len(want.Items) != 2 || len(lay.Raw) != 2 || len(lay.Parsed) != 2 {
		t.Fatalf("%d items parsed, layout of %d; want 2 and 2", len(want.Items), len(lay.Raw))
	}
}

// TestCapKeepsTheNewestEnd: a document longer than MaxItems keeps its
// newest items, at whichever end they are: the first ones of a feed that
// lists its newest first, the last ones of one that lists them oldest
// first (or it would never show a new item). Parse and ParseChanged agree.
func TestCapKeepsTheNewestEnd(t *testing.T) {
	start := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, head, item, tail string
	}{
		{"rss", `<rss version="2.0"><channel><title>Tin Sơn La</title>`,
			`<item><title>Bài %d</title><link>https://sonla.example/%d</link><pubDate>%s</pubDate></item>`, `</channel></rss>`},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><title>Tin Sơn La</title><id>urn:sonla</id><updated>2026-11-28T00:00:00Z</updated>`,
			`<entry><title>Bài %d</title><id>https://sonla.example/%d</id><updated>%s</updated></entry>`, `</feed>`},
		{"json", `{"version": "https://jsonfeed.org/version/1.1", "title": "Tin Sơn La", "items": [`,
			`{"title": "Bài %d", "id": "https://sonla.example/%d", "date_published": "%s"}`, `]}`},
	} {
		for _, oldestFirst := range []bool{false, true} {
			var b strings.Builder
			b.WriteString(tc.head)
			for k := range 7 {
				i := 6 - k // newest first: 6 … 0
				if oldestFirst {
					i = k
				}
				if k > 0 && tc.name == "json" {
					b.WriteString(",")
				}
				date := start.Add(time.Duration(i) * time.Hour)
				layout := time.RFC3339
				if tc.name == "rss" {
					layout = time.RFC1123Z
				}
				fmt.Fprintf(&b, tc.item, i, i, date.Format(layout))
			}
			b.WriteString(tc.tail)
			opt := splitOpt("https://sonla.example/feed")
			opt.MaxItems = 3
			name := fmt.Sprintf("%s, oldest first %v", tc.name, oldestFirst)
			checkSplit(t, name, []byte(b.String()), opt, rand.New(rand.NewPCG(3, 4)))
			feed, err := Parse([]byte(b.String()), opt)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var titles []string
			for _, it := range feed.Items {
				titles = append(titles, it.Title)
			}
			want := []string{"Bài 6", "Bài 5", "Bài 4"}
			if oldestFirst {
				want = []string{"Bài 4", "Bài 5", "Bài 6"}
			}
			if !slices.Equal(titles, want) {
				t.Errorf("%s: kept %q, want %q", name, titles, want)
			}
		}
	}
}

// TestRepeatedKeysParsedWhole: items that repeat the guid or the link of
// an earlier item are all kept, for the poller to tell one story listed
// twice from several stories sharing a key, and a document with such items
// is parsed whole, even when the earlier item's bytes were seen and would
// not be parsed again.
func TestRepeatedKeysParsedWhole(t *testing.T) {
	item := func(guid, link, title string) string {
		g := ""
		if guid != "" {
			g = `<guid isPermaLink="false">` + guid + `</guid>`
		}
		return `<item>` + g + `<title>` + title + `</title><link>` + link + `</link></item>`
	}
	docs := map[string]string{
		"a guid repeated": item("lc-1", "https://laichau.example/1", "Đường lên Sìn Hồ thông xe") +
			item("lc-1", "https://laichau.example/1b", "Chợ phiên Tam Đường họp lại sau lũ") +
			item("lc-3", "https://laichau.example/3", "Mùa lúa chín"),
		"a link repeated under other guids": item("lc-1", "https://laichau.example/su-kien", "Đường lên Sìn Hồ thông xe") +
			item("lc-2", "https://laichau.example/su-kien", "Chợ phiên Tam Đường họp lại sau lũ") +
			item("lc-3", "https://laichau.example/3", "Mùa lúa chín"),
		"a link repeated without guids": item("", "https://laichau.example/2", "Chợ phiên Tam Đường") +
			item("", "https://laichau.example/2", "Chợ phiên Tam Đường") +
			item("lc-3", "https://laichau.example/3", "Mùa lúa chín"),
	}
	for name, items := range docs {
		doc := `<rss version="2.0"><channel><title>Tin Lai Châu</title>` + items + `</channel></rss>`
		opt := splitOpt("https://laichau.example/rss")
		checkSplit(t, name, []byte(doc), opt, rand.New(rand.NewPCG(5, 6)))
		feed, err := Parse([]byte(doc), opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(feed.Items) != 3 || feed.Unread != 0 {
			t.Fatalf("%s: kept %d items (%d unread), want all 3", name, len(feed.Items), feed.Unread)
		}
		// The first item seen: still every item parsed.
		_, lay, err := ParseChanged([]byte(doc), opt, Layout{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		part, lay2, err := ParseChanged([]byte(doc), opt, lay, func(raw uint64) bool { return len(lay.Raw) > 0 && raw == lay.Raw[0] })
		if err != nil {
			t.Fatal(err)
		}
		if len(part.Items) != 3 || lay2.Parsed != nil {
			t.Fatalf("%s: %d items parsed (layout %v) with the first seen, want the document parsed whole", name, len(part.Items), lay2.Parsed)
		}
	}
}

// TestAtomTextConstructs: an Atom title, summary or content of type text
// (the default) holds words, not markup: "thẻ <video>" keeps its "<video>",
// where one of type html is markup, read as before.
func TestAtomTextConstructs(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Đài Phát thanh tỉnh</title><id>urn:dai</id><updated>2026-11-28T08:00:00Z</updated>
<entry><id>urn:dai:1</id><updated>2026-11-28T08:00:00Z</updated>
<title>Hướng dẫn dùng thẻ &lt;video&gt; trong bài</title>
<summary type="text">Thẻ &lt;b&gt; phải hiện nguyên văn.</summary>
<content type="text">Dòng thứ nhất có &lt;b&gt;.
Dòng thứ hai.</content></entry>
<entry><id>urn:dai:2</id><updated>2026-11-28T07:00:00Z</updated>
<title type="html">&lt;b&gt;Đậm&lt;/b&gt; và thường</title>
<content type="html">&lt;p&gt;Đoạn &lt;b&gt;một&lt;/b&gt;&lt;/p&gt;</content></entry>
</feed>`
	opt := splitOpt("https://dai.example.vn/atom")
	checkSplit(t, "text constructs", []byte(doc), opt, rand.New(rand.NewPCG(9, 10)))
	feed, err := Parse([]byte(doc), opt)
	if err != nil {
		t.Fatal(err)
	}
	text, markup := feed.Items[0], feed.Items[1]
	if text.Title != "Hướng dẫn dùng thẻ <video> trong bài" {
		t.Errorf("text title = %q", text.Title)
	}
	if text.Summary != "Thẻ &lt;b&gt; phải hiện nguyên văn." {
		t.Errorf("text summary = %q, want the words escaped as HTML", text.Summary)
	}
	if text.ContentHTML != "<p>Dòng thứ nhất có &lt;b&gt;.<br>Dòng thứ hai.</p>" {
		t.Errorf("text content = %q", text.ContentHTML)
	}
	if markup.Title != "Đậm và thường" || markup.ContentHTML != "<p>Đoạn <b>một</b></p>" {
		t.Errorf("html title %q, content %q", markup.Title, markup.ContentHTML)
	}
}

// TestMalformedDocumentCountsWhatItLost: a document whose markup breaks
// inside an item (a "]]>" inside CDATA ends it early) is read by gofeed as
// far as it can; the items the scan of its markup found and the parse did
// not are counted, so that the poll can say so.
func TestMalformedDocumentCountsWhatItLost(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Tin Yên Bái</title>`)
	for i := range 6 {
		body := "<p>Mùa lúa chín ở Mù Cang Chải.</p>"
		if i == 2 {
			body = `<p>Xem <a title="]]>" href="https://yenbai.example/x">ảnh</a> ruộng bậc thang.</p>`
		}
		fmt.Fprintf(&b, `<item><title>Bài %d</title><link>https://yenbai.example/%d</link><content:encoded><![CDATA[%s]]></content:encoded></item>`, i, i, body)
	}
	b.WriteString(`</channel></rss>`)
	opt := splitOpt("https://yenbai.example/rss")
	whole, err := Parse([]byte(b.String()), opt)
	if err != nil {
		t.Skipf("the parser refuses this document outright (%v): nothing is lost unseen", err)
	}
	part, _, err := ParseChanged([]byte(b.String()), opt, Layout{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*Feed{"Parse": whole, "ParseChanged": part} {
		if len(f.Items) >= 6 || f.Unread != 6-len(f.Items) {
			t.Errorf("%s read %d of 6 items and counts %d unread", name, len(f.Items), f.Unread)
		}
	}
}

// TestMediaGroupIsOneEnclosure: a media:group holds one video in several
// versions; it is one enclosure (the version marked isDefault, else the
// first), none more when the item's enclosure is one of them, and its
// picture is the item's image.
func TestMediaGroupIsOneEnclosure(t *testing.T) {
	group := func(enclosure string) string {
		return `<item><title>Phóng sự OCOP</title><link>https://dai.example.vn/ocop</link>` + enclosure +
			`<media:group><media:content url="https://dai.example.vn/v/ocop-360.mp4" type="video/mp4" fileSize="1200"/>` +
			`<media:content url="https://dai.example.vn/v/ocop-720.mp4" type="video/mp4" fileSize="4800" isDefault="true"/>` +
			`<media:content url="https://dai.example.vn/v/ocop.jpg" medium="image"/></media:group></item>`
	}
	for _, tc := range []struct {
		name, enclosure, want string
	}{
		{"group alone", "", "https://dai.example.vn/v/ocop-720.mp4"},
		{"group and its enclosure", `<enclosure url="https://dai.example.vn/v/ocop-360.mp4" type="video/mp4" length="1200"/>`, "https://dai.example.vn/v/ocop-360.mp4"},
	} {
		doc := `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Đài tỉnh</title>` + group(tc.enclosure) + `</channel></rss>`
		feed, err := Parse([]byte(doc), splitOpt("https://dai.example.vn/rss"))
		if err != nil {
			t.Fatal(err)
		}
		it := feed.Items[0]
		if len(it.Enclosures) != 1 || it.Enclosures[0].URL != tc.want || it.Image != "https://dai.example.vn/v/ocop.jpg" {
			t.Errorf("%s: enclosures %+v, image %q; want one, %s", tc.name, it.Enclosures, it.Image, tc.want)
		}
	}
}

// TestAtomEntryLanguage: an entry's xml:lang wins over the feed's, an entry
// without one takes the feed's, and an empty one declares none; in a
// document the scan follows and in one it does not.
func TestAtomEntryLanguage(t *testing.T) {
	entries := `<entry xml:lang="en"><id>urn:lienthong:1</id><updated>2026-11-28T08:00:00Z</updated><title>Ha Giang tea growers export to Japan</title><link href="https://lienthong.example.vn/1"/></entry>
<entry><id>urn:lienthong:2</id><updated>2026-11-28T07:00:00Z</updated><title>Chè Shan tuyết xuất khẩu sang Nhật Bản</title><link href="https://lienthong.example.vn/2"/></entry>
<entry xml:lang='en-gb'><id>urn:lienthong:3</id><updated>2026-11-28T06:00:00Z</updated><title>Border gate reopens</title><link href="https://lienthong.example.vn/3"/></entry>
<entry xml:lang=""><id>urn:lienthong:4</id><updated>2026-11-28T05:00:00Z</updated><title>Lũng Cú</title><link href="https://lienthong.example.vn/4"/></entry>
</feed>`
	head := `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi"><title>Liên thông</title><id>urn:lienthong</id><updated>2026-11-28T08:00:00Z</updated>
`
	docs := map[string]string{
		"scanned":     `<?xml version="1.0" encoding="utf-8"?>` + "\n" + head + entries,
		"not scanned": `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<!DOCTYPE feed [<!ENTITY lt2 "&#60;">]>` + "\n" + head + entries,
	}
	opt := splitOpt("https://lienthong.example.vn/feeds/all.atom")
	for name, doc := range docs {
		if _, ok := scanFeed([]byte(doc), formatAtom); ok == (name == "not scanned") {
			t.Fatalf("%s: scanned %v", name, ok)
		}
		checkSplit(t, name, []byte(doc), opt, rand.New(rand.NewPCG(11, 12)))
		feed, err := Parse([]byte(doc), opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, it := range feed.Items {
			got = append(got, it.Language)
		}
		if want := []string{"en", "vi", "en-GB", ""}; !slices.Equal(got, want) {
			t.Errorf("%s: languages %q, want %q", name, got, want)
		}
	}
}

// TestRelativePermalinkGUID: an item without a link whose guid is a
// relative URL its outlet marked isPermaLink="true" links there, resolved
// against the xml:base in effect at the guid, else the feed's URL; a
// relative guid not so marked is an id, not a link.
func TestRelativePermalinkGUID(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel xml:base="https://baohg.example.vn/tin-tuc/"><title>Báo Hà Giang</title><link>https://baohg.example.vn/</link><description>Tin</description>
<item><title>Xín Mần nuôi cá hồi nước lạnh</title><guid isPermaLink="true">xa-hoi/xin-man-ca-hoi.html</guid><description>Mô hình mới ở vùng cao.</description></item>
<item xml:base="https://media.baohg.example.vn/"><title>Chè Shan tuyết vào vụ</title><guid isPermaLink="true">/kinh-te/che-shan.html</guid></item>
<item><title>Bản tin số 77</title><guid>hg-2026-77</guid></item>
<item><title>Giải bóng đá thiếu niên</title><guid isPermaLink="false">/the-thao/bong-da-thieu-nien.html</guid></item>
<item><title>Lễ hội hoa tam giác mạch</title><guid isPermaLink="false">https://baohg.example.vn/van-hoa/tam-giac-mach.html</guid></item>
</channel></rss>`
	noBase := `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Báo Hà Giang</title><link>https://baohg.example.vn/</link><description>Tin</description>
<item><title>Xín Mần nuôi cá hồi nước lạnh</title><guid isPermaLink="true">/xa-hoi/xin-man-ca-hoi.html</guid></item>
</channel></rss>`
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"xml:base", doc, []string{
			"https://baohg.example.vn/tin-tuc/xa-hoi/xin-man-ca-hoi.html",
			"https://media.baohg.example.vn/kinh-te/che-shan.html",
			"",
			"",
			"https://baohg.example.vn/van-hoa/tam-giac-mach.html",
		}},
		{"feed URL", noBase, []string{"https://baohg.example.vn/xa-hoi/xin-man-ca-hoi.html"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := splitOpt("https://baohg.example.vn/rss/trang-chu.rss")
			checkSplit(t, tt.name, []byte(tt.doc), opt, rand.New(rand.NewPCG(11, 12)))
			feed, err := Parse([]byte(tt.doc), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != len(tt.want) {
				t.Fatalf("%d items, want %d", len(feed.Items), len(tt.want))
			}
			for i, it := range feed.Items {
				if it.Link != tt.want[i] {
					t.Errorf("item %d (guid %q): link %q, want %q", i, it.GUID, it.Link, tt.want[i])
				}
			}
		})
	}
}

// TestMediaDescriptionIsTheSummary: an item whose only text is a
// media:description (a photo's or a clip's caption) has it for its
// summary, as text unless it says type="html"; an item with a description
// or content of its own keeps that.
func TestMediaDescriptionIsTheSummary(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Báo Yên Bái</title><link>https://baoyb.example.vn/</link><description>Tin</description>
<item><title>Làng rèn Phúc Sen</title><link>https://baoyb.example.vn/anh/lang-ren.html</link><media:description>Làng rèn giữ nghề hơn 100 năm &amp; bán dao quắm giá &lt; 200.000 đồng.</media:description></item>
<item><title>Clip: mùa lúa chín</title><link>https://baoyb.example.vn/video/lua-chin.html</link><media:group><media:content url="https://baoyb.example.vn/v/lua.mp4" type="video/mp4"/><media:description type="html">Ruộng bậc thang &lt;b&gt;Mù Cang Chải&lt;/b&gt;.</media:description></media:group></item>
<item><title>Ảnh: chợ phiên</title><link>https://baoyb.example.vn/anh/cho-phien.html</link><media:content url="https://baoyb.example.vn/a/cho.jpg" medium="image"><media:description>Chợ phiên Bắc Hà sáng chủ nhật.</media:description></media:content></item>
<item><title>Đường lên bản mới</title><link>https://baoyb.example.vn/duong-len-ban.html</link><description>Con đường dài 7 km đã thông xe.</description><media:description>Chú thích ảnh.</media:description></item>
<item><title>Trường nội trú khánh thành</title><link>https://baoyb.example.vn/truong-noi-tru.html</link><content:encoded><![CDATA[<p>Ngôi trường có 12 phòng học.</p>]]></content:encoded><media:description>Chú thích ảnh.</media:description></item>
</channel></rss>`
	opt := splitOpt("https://baoyb.example.vn/rss")
	checkSplit(t, "media descriptions", []byte(doc), opt, rand.New(rand.NewPCG(13, 14)))
	feed, err := Parse([]byte(doc), opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ summary, content string }{
		{"<p>Làng rèn giữ nghề hơn 100 năm &amp; bán dao quắm giá &lt; 200.000 đồng.</p>", ""},
		{"Ruộng bậc thang <b>Mù Cang Chải</b>.", ""},
		{"<p>Chợ phiên Bắc Hà sáng chủ nhật.</p>", ""},
		{"Con đường dài 7 km đã thông xe.", ""},
		{"", "<p>Ngôi trường có 12 phòng học.</p>"},
	}
	if len(feed.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(feed.Items), len(want))
	}
	for i, it := range feed.Items {
		if it.Summary != want[i].summary || it.ContentHTML != want[i].content {
			t.Errorf("item %d (%s): summary %q, content %q; want %q, %q", i, it.Title, it.Summary, it.ContentHTML, want[i].summary, want[i].content)
		}
	}
}
