package sanitize

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"newswire/feeds"
)

func TestItem(t *testing.T) {
	long := strings.Repeat("Mùa hoa tam giác mạch trên cao nguyên đá Đồng Văn thu hút du khách. ", 10)
	tests := []struct {
		name  string
		in    feeds.Item
		check func(t *testing.T, it feeds.Item)
	}{
		{
			name: "content and summary",
			in: feeds.Item{
				Link:        "https://baotuyenquang.example.vn/xa-hoi/le-hoi-thanh-tuyen.html",
				Title:       norm.NFD.String("Lễ hội Thành Tuyên &amp; đêm rước đèn"),
				Summary:     `<p>Đêm hội <b>rước đèn</b> Trung thu.</p><img src="/a.jpg">`,
				ContentHTML: `<p>Toàn văn</p><img src="/anh/ruoc-den.jpg" onerror="x()"><script>y()</script>`,
			},
			check: func(t *testing.T, it feeds.Item) {
				wantEqual(t, "Title", it.Title, "Lễ hội Thành Tuyên & đêm rước đèn")
				wantEqual(t, "Summary", it.Summary, "Đêm hội rước đèn Trung thu.")
				wantEqual(t, "ContentHTML", it.ContentHTML,
					`<p>Toàn văn</p><img src="https://baotuyenquang.example.vn/anh/ruoc-den.jpg"/>`)
			},
		},
		{
			name: "tracking parameters",
			in: feeds.Item{
				Link:    "https://baohagiang.example.vn/tin/lu-quet.html?utm_source=zalo&trang=2&zarsrc=30&fbclid=IwAR0",
				Title:   "Lũ quét ở Hoàng Su Phì",
				Summary: `<a href="?utm_source=x">ảnh</a>`,
			},
			check: func(t *testing.T, it feeds.Item) {
				wantEqual(t, "Link", it.Link, "https://baohagiang.example.vn/tin/lu-quet.html?trang=2")
			},
		},
		{
			name: "summary only",
			in: feeds.Item{
				Link:    "https://baohagiang.example.vn/tin/1.html",
				Title:   "Tin",
				Summary: `<p>Hà Giang <a href="/tin/2.html">mưa lớn</a></p>`,
			},
			check: func(t *testing.T, it feeds.Item) {
				wantEqual(t, "Summary", it.Summary, "Hà Giang mưa lớn")
				wantEqual(t, "ContentHTML", it.ContentHTML,
					`<p>Hà Giang <a href="https://baohagiang.example.vn/tin/2.html" rel="nofollow noopener">mưa lớn</a></p>`)
			},
		},
		{
			name: "content only, long",
			in: feeds.Item{
				Link:        "https://baohagiang.example.vn/tin/3.html",
				ContentHTML: "<p>" + long + "</p>",
				Summary:     "  \n ",
			},
			check: func(t *testing.T, it feeds.Item) {
				if n := utf8.RuneCountInString(it.Summary); n > summaryRunes+1 {
					t.Errorf("Summary has %d runes", n)
				}
				if !strings.HasSuffix(it.Summary, "…") || !strings.HasPrefix(it.Summary, "Mùa hoa") {
					t.Errorf("Summary = %q", it.Summary)
				}
				wantEqual(t, "ContentHTML", it.ContentHTML, "<p>"+long+"</p>")
			},
		},
		{
			name: "neither",
			in:   feeds.Item{Link: "https://baohagiang.example.vn/tin/4.html", Title: "Ảnh"},
			check: func(t *testing.T, it feeds.Item) {
				wantEqual(t, "Summary", it.Summary, "")
				wantEqual(t, "ContentHTML", it.ContentHTML, "")
			},
		},
		{
			name: "labels",
			in:   feeds.Item{Labels: []string{" Du&nbsp;lịch ", "", "<b>Văn hoá</b>", "Du lịch", norm.NFD.String("Văn hoá"), "\x01"}},
			check: func(t *testing.T, it feeds.Item) {
				if want := []string{"Du lịch", "Văn hoá"}; !slices.Equal(it.Labels, want) {
					t.Errorf("Labels = %q, want %q", it.Labels, want)
				}
			},
		},
		{
			name: "control characters in every field",
			in: feeds.Item{
				GUID:        "tag:baohagiang\x00.vn,2024:1",
				Link:        " https://baohagiang.example.vn/tin/\x1b5.html ",
				Title:       "Tin\x0b nóng",
				Summary:     "Tóm\x07 tắt",
				ContentHTML: "<p>Nội\x02 dung</p>",
				Language:    "vi\x00",
				Image:       "https://baohagiang.example.vn/a\x1f.jpg",
				Authors:     []feeds.Person{{Name: "Thu\x08 Hà", Email: "thuha@example.vn\x00", URL: "https://example.vn/\x01"}},
				Enclosures:  []feeds.Enclosure{{URL: "https://example.vn/a.mp3\x00", Type: "audio/mpeg\x1f"}},
				Labels:      []string{"Thời\x0c sự"},
			},
			check: func(t *testing.T, it feeds.Item) {
				wantEqual(t, "GUID", it.GUID, "tag:baohagiang.vn,2024:1")
				wantEqual(t, "Link", it.Link, "https://baohagiang.example.vn/tin/5.html")
				wantEqual(t, "Title", it.Title, "Tin nóng")
				wantEqual(t, "Summary", it.Summary, "Tóm tắt")
				wantEqual(t, "ContentHTML", it.ContentHTML, "<p>Nội dung</p>")
				wantEqual(t, "Language", it.Language, "vi")
				wantEqual(t, "Image", it.Image, "https://baohagiang.example.vn/a.jpg")
				wantEqual(t, "Author name", it.Authors[0].Name, "Thu Hà")
				wantEqual(t, "Author email", it.Authors[0].Email, "thuha@example.vn")
				wantEqual(t, "Author URL", it.Authors[0].URL, "https://example.vn/")
				wantEqual(t, "Enclosure URL", it.Enclosures[0].URL, "https://example.vn/a.mp3")
				wantEqual(t, "Enclosure type", it.Enclosures[0].Type, "audio/mpeg")
				wantEqual(t, "Label", it.Labels[0], "Thời sự")
			},
		},
		{
			name: "C1 and bidirectional controls in every field",
			in: feeds.Item{
				GUID:        "tag:baohagiang.vn,2024:\u009b2",
				Link:        "https://baohagiang.example.vn/tin/6.html?a=\u202e",
				Title:       "Tin\u009b2J \u202enóng\u202c",
				Summary:     "Tóm\u009d0;x\u009c tắt\u2066",
				ContentHTML: "<p>Nội&#x9d; \u202edung\u0085</p><img src=\"/a.jpg\" alt=\"a&#x202e;b\">",
				Authors:     []feeds.Person{{Name: "Thu\u2067 Hà\u0090"}},
				Labels:      []string{"Thời\u202d sự\u009f"},
			},
			check: func(t *testing.T, it feeds.Item) {
				wantEqual(t, "GUID", it.GUID, "tag:baohagiang.vn,2024:2")
				wantEqual(t, "Link", it.Link, "https://baohagiang.example.vn/tin/6.html?a=")
				wantEqual(t, "Title", it.Title, "Tin2J nóng")
				wantEqual(t, "Summary", it.Summary, "Tóm0;x tắt")
				wantEqual(t, "ContentHTML", it.ContentHTML, `<p>Nội dung</p><img src="https://baohagiang.example.vn/a.jpg" alt="ab"/>`)
				wantEqual(t, "Author name", it.Authors[0].Name, "Thu Hà")
				wantEqual(t, "Label", it.Labels[0], "Thời sự")
			},
		},
		{
			name: "long title, label and name",
			in: feeds.Item{
				Title:   strings.Repeat("Lũ quét ở Hoàng Su Phì ", 40000),
				Labels:  []string{strings.Repeat("Thời sự ", 100)},
				Authors: []feeds.Person{{Name: strings.Repeat("Nguyễn Thị Thu Hà ", 50)}},
			},
			check: func(t *testing.T, it feeds.Item) {
				for field, v := range map[string]string{"Title": it.Title, "Label": it.Labels[0], "Author name": it.Authors[0].Name} {
					limit := map[string]int{"Title": titleRunes, "Label": labelRunes, "Author name": nameRunes}[field]
					if n := utf8.RuneCountInString(v); n > limit+1 || n < limit/2 || !strings.HasSuffix(v, "…") || strings.HasSuffix(v, " …") {
						t.Errorf("%s has %d runes (limit %d): %q", field, n, limit, v)
					}
				}
				if !strings.HasPrefix(it.Title, "Lũ quét ở Hoàng Su Phì Lũ quét") {
					t.Errorf("Title = %q", it.Title)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := tt.in
			Item(&it)
			tt.check(t, it)
		})
	}
}

func wantEqual(t *testing.T, field, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

// TestItemContentEscapedOnceMore: content that is markup escaped once more
// than its outlet meant, with no tag of its own, is decoded before it is
// sanitised, so that readers get the paragraph rather than its tags as
// words; content with tags that writes an escaped tag in its text keeps it.
func TestItemContentEscapedOnceMore(t *testing.T) {
	const link = "https://baoab.example.vn/giao-duc/giao-vien-gioi.html"
	tests := []struct {
		name                 string
		summary, content     string
		wantContent, wantSum string
	}{
		{
			name:        "description escaped twice",
			summary:     `&lt;p&gt;Hội thi có &lt;strong&gt;86 giáo viên&lt;/strong&gt; tham gia.&lt;/p&gt;&lt;img src=&quot;/anh/gv.jpg&quot;&gt;`,
			wantContent: `<p>Hội thi có <strong>86 giáo viên</strong> tham gia.</p><img src="https://baoab.example.vn/anh/gv.jpg"/>`,
			wantSum:     "Hội thi có 86 giáo viên tham gia.",
		},
		{
			name:        "content escaped three times",
			summary:     "Hội thi giáo viên dạy giỏi cấp tỉnh.",
			content:     `&amp;lt;p&amp;gt;Ban giám khảo chấm &amp;lt;em&amp;gt;120 tiết dạy&amp;lt;/em&amp;gt;.&amp;lt;/p&amp;gt;`,
			wantContent: `<p>Ban giám khảo chấm <em>120 tiết dạy</em>.</p>`,
			wantSum:     "Hội thi giáo viên dạy giỏi cấp tỉnh.",
		},
		{
			name:        "still sanitised",
			content:     `&lt;p onclick=&quot;steal()&quot;&gt;Kết quả hội thi&lt;/p&gt;&lt;script&gt;steal()&lt;/script&gt;&lt;img src=&quot;x.jpg&quot; onerror=&quot;steal()&quot;&gt;`,
			wantContent: `<p>Kết quả hội thi</p><img src="https://baoab.example.vn/giao-duc/x.jpg"/>`,
			wantSum:     "Kết quả hội thi",
		},
		{
			name:        "tags of its own",
			content:     `<p>Bài giảng về thẻ &lt;p&gt; trong tin học lớp 6.</p>`,
			wantContent: `<p>Bài giảng về thẻ &lt;p&gt; trong tin học lớp 6.</p>`,
			wantSum:     "Bài giảng về thẻ trong tin học lớp 6.",
		},
		{
			name:        "escaped text that is no tag",
			content:     `Giá vé &amp;amp; lịch thi: dưới &lt; 50.000 đồng`,
			wantContent: `Giá vé &amp;amp; lịch thi: dưới &lt; 50.000 đồng`,
			wantSum:     "Giá vé &amp; lịch thi: dưới < 50.000 đồng",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := feeds.Item{Link: link, Title: "Hội thi giáo viên dạy giỏi", Summary: tt.summary, ContentHTML: tt.content}
			Item(&it)
			wantEqual(t, "ContentHTML", it.ContentHTML, tt.wantContent)
			wantEqual(t, "Summary", it.Summary, tt.wantSum)
		})
	}
}

// TestItemTextStaysText: an Atom summary of type text that writes a tag in
// its words, the only text of its entry, is republished as those words,
// not decoded into a tag as markup escaped once more would be.
func TestItemTextStaysText(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Đài Phát thanh tỉnh</title><id>urn:dai</id><updated>2026-11-28T08:00:00Z</updated>
<entry><id>urn:dai:7</id><updated>2026-11-28T08:00:00Z</updated><title>Tin học lớp 6</title>
<link href="https://dai.example.vn/tin-hoc-lop-6.html"/>
<summary type="text">Học sinh tập viết thẻ &lt;b&gt; và &lt;i&gt; trên máy tính.</summary></entry>
</feed>`
	feed, err := feeds.Parse([]byte(doc), feeds.ParseOptions{FeedURL: "https://dai.example.vn/atom"})
	if err != nil {
		t.Fatal(err)
	}
	it := feed.Items[0]
	Item(&it)
	wantEqual(t, "ContentHTML", it.ContentHTML, `<p>Học sinh tập viết thẻ &lt;b&gt; và &lt;i&gt; trên máy tính.</p>`)
}

// TestItemLeadImage: an item whose outlet names no image of its own has the
// first picture of its text for one (many outlets put their photo only
// there), not a counter's pixel or an icon; one with an image keeps it.
func TestItemLeadImage(t *testing.T) {
	for _, tt := range []struct{ image, content, want string }{
		{"", `<p><img src="https://stats.baoxanh.example.vn/px.gif" width="1" height="1">Lễ hội hoa cải khai mạc.</p><p><img src="/anh/le-hoi.jpg" width="800" alt="Lễ hội"></p>`,
			"https://baoxanh.example.vn/anh/le-hoi.jpg"},
		{"", `<p>Chỉ có chữ, không có ảnh.</p>`, ""},
		{"https://baoxanh.example.vn/anh/rieng.jpg", `<p><img src="/anh/le-hoi.jpg"></p>`, "https://baoxanh.example.vn/anh/rieng.jpg"},
		{"", `<img src="/img/blank.gif" data-src="/anh/dem-hoi.jpg">`, "https://baoxanh.example.vn/anh/dem-hoi.jpg"},
		// An address no browser loads as a picture is none.
		{"", `<p><img src="mailto:anh@baoxanh.example.vn" width="800"></p><p><img src="/anh/dem-hoi.jpg"></p>`, "https://baoxanh.example.vn/anh/dem-hoi.jpg"},
		{"", `<img src="/img/blank.gif" data-src="mailto:anh@baoxanh.example.vn" data-original="/anh/dem-hoi.jpg">`, "https://baoxanh.example.vn/anh/dem-hoi.jpg"},
	} {
		it := feeds.Item{Title: "Lễ hội hoa cải", Link: "https://baoxanh.example.vn/tin/le-hoi.html", Image: tt.image, ContentHTML: tt.content}
		Item(&it)
		if it.Image != tt.want {
			t.Errorf("image %q, content %s: image %q, want %q", tt.image, tt.content, it.Image, tt.want)
		}
	}
}

// TestItemTitleAboutTags: an Atom text title about tags, decoded once by
// the parser, keeps its whole headline once sanitised; its summary, cut in
// the middle of a script, drops the script.
func TestItemTitleAboutTags(t *testing.T) {
	it := feeds.Item{
		Title:   "Học về <script> và &amp; trong HTML cho phóng viên trẻ",
		Summary: "<p>Lớp tập huấn kéo dài hai ngày.</p><script>var dem = 0; dem++",
		Link:    "https://baolaichau.example.vn/tap-huan.html",
	}
	Item(&it)
	if want := "Học về và & trong HTML cho phóng viên trẻ"; it.Title != want {
		t.Errorf("title %q, want %q", it.Title, want)
	}
	if want := "Lớp tập huấn kéo dài hai ngày."; it.Summary != want {
		t.Errorf("summary %q, want %q", it.Summary, want)
	}
}
