package sanitize

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const articleBase = "https://baohagiang.example.vn/du-lich/hoa-tam-giac-mach-no-ro.html"

// allowedElements mirrors the policy; checkSafe fails on anything else.
var allowedElements = map[string]bool{
	"p": true, "br": true, "a": true, "img": true, "figure": true, "figcaption": true,
	"ul": true, "ol": true, "li": true, "blockquote": true, "strong": true, "em": true,
	"b": true, "i": true, "u": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
	"audio": true, "video": true, "source": true,
}

var allowedAttrs = map[string]bool{
	"href": true, "title": true, "src": true, "alt": true, "width": true, "height": true,
	"controls": true, "rel": true,
}

var scriptTag = regexp.MustCompile(`(?i)<\s*/?\s*script`)

// checkSafe reads out the way a browser would and fails on anything that
// could run code or load from a non-http(s) URL. Text is allowed to mention
// "javascript:" or "onload=": it is escaped, and only markup is checked.
func checkSafe(t testing.TB, in, out string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		in := in
		if len(in) > 300 {
			in = in[:300] + "…"
		}
		t.Fatalf("HTML(%q):\n%s\n"+format, append([]any{in, out}, args...)...)
	}
	if scriptTag.MatchString(out) {
		fail("output has a script tag")
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		switch tt {
		case html.CommentToken, html.DoctypeToken:
			fail("output has a %v token", tt)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			if !allowedElements[tok.Data] {
				fail("element <%s> survived", tok.Data)
			}
			for _, a := range tok.Attr {
				if !allowedAttrs[a.Key] || strings.HasPrefix(a.Key, "on") {
					fail("attribute %s=%q survived on <%s>", a.Key, a.Val, tok.Data)
				}
				// In href and src only the scheme can run a script, which the
				// check below reads as a browser does: an outlet's link may
				// hold the words in its path (https://x/javascript:a is a
				// page of x).
				if a.Key != "href" && a.Key != "src" && strings.Contains(strings.ToLower(a.Val), "javascript:") {
					fail("attribute %s=%q carries javascript:", a.Key, a.Val)
				}
				if a.Key == "href" || a.Key == "src" {
					u, err := url.Parse(a.Val)
					if err != nil {
						fail("%s=%q does not parse: %v", a.Key, a.Val, err)
					}
					httpOK := (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
					if !httpOK && !(a.Key == "href" && u.Scheme == "mailto") {
						fail("%s=%q is not an absolute http(s) URL", a.Key, a.Val)
					}
				}
				if a.Key == "rel" && a.Val != "nofollow noopener" {
					fail("rel=%q", a.Val)
				}
			}
		}
	}
}

// hostile is a corpus of markup that must not survive, in the forms outlets'
// CMSes, copy-paste and attackers produce.
var hostile = []struct {
	name, in, want string
}{
	{"script", `<p>Tin vắn</p><script>alert(1)</script>`, `<p>Tin vắn</p>`},
	{"script upper case", `<SCRIPT>alert(1)</SCRIPT>ok`, `ok`},
	{"script mixed case with src", `<ScRiPt src="//evil.example/x.js"></sCrIpT>ok`, `ok`},
	{"script with spaces in end tag", `<script>alert(1)</script >ok`, `ok`},
	{"script unclosed", `ok<script>alert(1)`, `ok`},
	{"script split by null", "<scr\x00ipt>alert(1)</script>ok", `ok`},
	{"script inside comment", `<!--<script>alert(1)</script>-->ok`, `ok`},
	{"conditional comment", `<!--[if IE]><script>alert(1)</script><![endif]-->ok`, `ok`},
	{"cdata trick", `<![CDATA[<script>alert(1)</script>]]>ok`, `alert(1)]]&gt;ok`},
	{"cdata in svg", `<svg><![CDATA[</svg><script>alert(1)</script>]]></svg>ok`, `]]&gt;ok`},
	{"img onerror", `<img src="x.jpg" onerror="alert(1)">`, `<img src="https://baohagiang.example.vn/du-lich/x.jpg"/>`},
	{"img onerror unquoted", `<img src=x onerror=alert(1)//>`, `<img src="https://baohagiang.example.vn/du-lich/x"/>`},
	{"img onerror upper case", `<IMG SRC="a.jpg" ONERROR="alert(1)">`, `<img src="https://baohagiang.example.vn/du-lich/a.jpg"/>`},
	{"img without src", `<img alt="ảnh" onerror="alert(1)">`, ``},
	{"img javascript src", `<img src="javascript:alert(1)">`, ``},
	{"img data src", `<img src="data:image/png;base64,iVBORw0KGgo=">`, ``},
	{"img svg data src", `<img src="data:image/svg+xml,<svg onload=alert(1)>">`, ``},
	{"img srcset", `<img src="a.jpg" srcset="javascript:alert(1) 2x">`, `<img src="https://baohagiang.example.vn/du-lich/a.jpg"/>`},
	{"img mailto src", `<img src="mailto:toasoan@baohagiang.example.vn">ok`, `ok`},
	{"img mailto lazy src", `<p>Ảnh<img data-original="mailto:anh@baohagiang.example.vn"></p>`, `<p>Ảnh</p>`},
	{"img javascript lazy src before a picture", `<img src="blank.gif" data-src="javascript:alert(1)" data-original="/anh/cau-treo.jpg">`,
		`<img src="https://baohagiang.example.vn/anh/cau-treo.jpg"/>`},
	{"img mailto srcset before a lazy picture", `<img srcset="mailto:x@baohagiang.example.vn 2x" data-srcset="anh/a.jpg 1x">`,
		`<img src="https://baohagiang.example.vn/du-lich/anh/a.jpg"/>`},
	{"img mailto srcset", `<img srcset="MAILTO:anh@baohagiang.example.vn 1x">ok`, `ok`},
	{"video mailto src", `<video src="mailto:x@baohagiang.example.vn" controls></video>`, `<video controls=""></video>`},
	{"source mailto src", `<audio controls><source src="mailto:x@baohagiang.example.vn"></audio>`, `<audio controls=""></audio>`},
	{"img bad size", `<img src="a.jpg" width="100%;x:expression(alert(1))" height="-1">`, `<img src="https://baohagiang.example.vn/du-lich/a.jpg"/>`},
	{"href javascript", `<a href="javascript:alert(1)">x</a>`, `x`},
	{"href javascript upper case", `<a href="JAVASCRIPT:alert(1)">x</a>`, `x`},
	{"href javascript leading space", `<a href="  javascript:alert(1)">x</a>`, `x`},
	{"href javascript entity colon", `<a href="javascript&colon;alert(1)">x</a>`, `x`},
	{"href javascript decimal entities", `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`, `x`},
	{"href javascript hex entities", `<a href="&#x6A;avascript&#x3A;alert(1)">x</a>`, `x`},
	{"href javascript tab", "<a href=\"java\tscript:alert(1)\">x</a>", `x`},
	{"href javascript newline", "<a href=\"java\nscript:alert(1)\">x</a>", `x`},
	{"href javascript tab entity", `<a href="jav&#x09;ascript:alert(1)">x</a>`, `x`},
	{"href javascript newline entity", `<a href="jav&#10;ascript:alert(1)">x</a>`, `x`},
	{"href javascript padded entity", `<a href="&#0000106avascript:alert(1)">x</a>`, `x`},
	{"href javascript null", "<a href=\"java\x00script:alert(1)\">x</a>", `x`},
	{"href vbscript", `<a href="vbscript:msgbox(1)">x</a>`, `x`},
	{"href data", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, `x`},
	{"href percent encoded scheme", `<a href="javascript%3Aalert(1)">x</a>`,
		`<a href="https://baohagiang.example.vn/du-lich/javascript%3Aalert(1)" rel="nofollow noopener">x</a>`},
	{"href percent encoded scheme with a quote", `<a href=jAvAsCript%3Aalert(1)">x</a>`,
		`<a href="https://baohagiang.example.vn/du-lich/jAvAsCript:alert%281%29%22" rel="nofollow noopener">x</a>`},
	{"href backslash host", `<a href="/\evil.example/x">x</a>`,
		`<a href="https://baohagiang.example.vn/%5Cevil.example/x" rel="nofollow noopener">x</a>`},
	{"href opaque http", `<a href="https:evil.example">x</a>`, `x`},
	{"link rel replaced", `<a href="https://nguon.example.vn/" rel="opener" target="_blank">x</a>`,
		`<a href="https://nguon.example.vn/" rel="nofollow noopener">x</a>`},
	{"svg onload", `<svg onload="alert(1)"><circle r="4"/></svg>ok`, `ok`},
	{"svg xlink href", `<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`, `x`},
	{"math", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, `<table></table>`},
	{"iframe", `<iframe src="https://video.example.com/embed/1"></iframe>ok`, `ok`},
	{"iframe srcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>ok`, `ok`},
	{"object and embed", `<object data="x.swf"><embed src="x.swf"></object>ok`, `ok`},
	{"form", `<form action="https://evil.example/"><input name="q"><button formaction="javascript:alert(1)">Gửi</button></form>`, `Gửi`},
	{"style element", `<style>body{background:url("javascript:alert(1)")}</style>ok`, `ok`},
	{"style attribute", `<p style="background:url(javascript:alert(1))">ok</p>`, `<p>ok</p>`},
	{"event attributes", `<p onclick="alert(1)" onmouseover="alert(2)" ONLOAD="x">ok</p>`, `<p>ok</p>`},
	{"meta refresh", `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">ok`, `ok`},
	{"base", `<base href="https://evil.example/"><a href="/a">x</a>`,
		`<a href="https://baohagiang.example.vn/a" rel="nofollow noopener">x</a>`},
	{"link stylesheet", `<link rel="stylesheet" href="https://evil.example/x.css">ok`, `ok`},
	{"video poster and events", `<video src="v.mp4" poster="javascript:alert(1)" onplay="alert(1)" controls></video>`,
		`<video src="https://baohagiang.example.vn/du-lich/v.mp4" controls=""></video>`},
	{"source javascript", `<video controls><source src="javascript:alert(1)"></video>`, `<video controls=""></video>`},
	{"unclosed tags", `<p><b>Hà Giang <i>mùa hoa`, `<p><b>Hà Giang <i>mùa hoa</i></b></p>`},
	{"unclosed attribute", `<a href="https://example.vn/a>x</a><script>alert(1)</script>`, ``},
	{"unclosed tag at end", `ok<img src="a.jpg" onerror="alert(1)"`, `ok`},
	{"stray end tags", `</p></div>ok</b>`, `ok`},
	{"text that looks like markup", `&lt;script&gt;alert(1)&lt;/script&gt;`, `&lt;script&gt;alert(1)&lt;/script&gt;`},
	{"double encoded", `&amp;lt;script&amp;gt;`, `&amp;lt;script&amp;gt;`},
	{"control characters", "<p>a\x01b\x1fc\x0bd</p>", `<p>abcd</p>`},
	{"noscript", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
		`<img src="https://baohagiang.example.vn/du-lich/x"/>&#34;&gt;`},
	{"textarea", `<textarea><script>alert(1)</script></textarea>`, `&lt;script&gt;alert(1)&lt;/script&gt;`},
	{"title element", `<title><script>alert(1)</script></title>ok`, `ok`},
}

func TestHTMLHostile(t *testing.T) {
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(tt.in, articleBase)
			checkSafe(t, tt.in, got)
			if got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestHTMLLarge feeds a megabyte of hostile markup, nested and flat; the
// benchmarks carry the claim that time grows linearly.
func TestHTMLLarge(t *testing.T) {
	var flat strings.Builder
	for flat.Len() < 1<<20 {
		for _, h := range hostile {
			flat.WriteString(h.in)
		}
	}
	inputs := map[string]string{
		"flat":    flat.String(),
		"nested":  strings.Repeat(`<b><i><a href="javascript:x">`, (1<<20)/29),
		"open":    strings.Repeat(`<p><img src=x onerror=alert(1)>`, (1<<20)/33),
		"comment": "<!--" + strings.Repeat("<script>alert(1)</script>", (1<<20)/25),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			checkSafe(t, in, HTML(in, articleBase))
		})
	}
}

func TestHTMLArticle(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		t.Fatal(err)
	}
	got := HTML(string(raw), articleBase)
	checkSafe(t, string(raw), got)

	for _, want := range []string{
		`<img src="https://baohagiang.example.vn/uploads/2024/10/tam-giac-mach-1.jpg" alt="Cánh đồng hoa tam giác mạch ở xã Sủng Là" width="800" height="533"/>`,
		`<img src="https://cdn.baohagiang.example.vn/uploads/2024/10/cho-phien-dong-van.jpg"`,
		`<a href="https://baohagiang.example.vn/kinh-te/ocop-ha-giang-vuon-xa.html" title="Sản phẩm OCOP Hà Giang" rel="nofollow noopener">quảng bá sản phẩm OCOP</a>`,
		`<a href="mailto:dulich@hagiang.example.vn" rel="nofollow noopener">`,
		`<audio controls="" src="https://baohagiang.example.vn/du-lich/podcast/tam-giac-mach.mp3"></audio>`,
		`<figcaption>Cánh đồng hoa tam giác mạch ở xã Sủng Là, huyện Đồng Văn. <em>Ảnh: Minh Khôi</em></figcaption>`,
		"<td>Sủng Là</td><td>45</td>",
		"120\u00a0ha", "“Từ đầu tháng 10 đến nay", "tiếng H&#39;Mông",
		`<h2>Giữ gìn nét văn hóa bản địa</h2>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("article output lacks %q", want)
		}
	}
	for _, gone := range []string{"dataLayer", "<iframe", "onerror", "onclick", "style=", "class=", "data-original", "target="} {
		if strings.Contains(got, gone) {
			t.Errorf("article output still has %q", gone)
		}
	}

	golden := filepath.Join("testdata", "article.golden.html")
	if *update {
		if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got+"\n" != string(want) {
		t.Errorf("HTML(article.html) differs from %s (go test -update to accept):\n%s", golden, got)
	}
}

func TestHTMLBase(t *testing.T) {
	tests := []struct {
		name, in, base, want string
	}{
		{"relative path", `<img src="a.jpg">`, "https://example.vn/tin/bai.html", `<img src="https://example.vn/tin/a.jpg"/>`},
		{"root relative", `<img src="/a.jpg">`, "https://example.vn/tin/bai.html", `<img src="https://example.vn/a.jpg"/>`},
		{"parent", `<img src="../a.jpg">`, "https://example.vn/tin/bai.html", `<img src="https://example.vn/a.jpg"/>`},
		{"query only", `<a href="?trang=2">2</a>`, "https://example.vn/tin/bai.html",
			`<a href="https://example.vn/tin/bai.html?trang=2" rel="nofollow noopener">2</a>`},
		{"protocol relative on http base", `<img src="//cdn.example.vn/a.jpg">`, "http://example.vn/", `<img src="https://cdn.example.vn/a.jpg"/>`},
		{"protocol relative without base", `<img src="//cdn.example.vn/a.jpg">`, "", `<img src="https://cdn.example.vn/a.jpg"/>`},
		{"relative without base dropped", `<img src="a.jpg"><a href="/b">b</a>`, "", `b`},
		{"relative with relative base dropped", `<img src="a.jpg">`, "/tin/bai.html", ``},
		{"relative with mailto base dropped", `<img src="a.jpg">`, "mailto:a@example.vn", ``},
		{"absolute kept", `<img src="http://anh.example.vn/a.jpg">`, "https://example.vn/", `<img src="http://anh.example.vn/a.jpg"/>`},
		{"spaces encoded", `<img src=" anh moi.jpg ">`, "https://example.vn/tin/", `<img src="https://example.vn/tin/anh%20moi.jpg"/>`},
		{"unicode path kept readable", `<img src="/ảnh/đồng-văn.jpg">`, "https://example.vn/", `<img src="https://example.vn/%E1%BA%A3nh/%C4%91%E1%BB%93ng-v%C4%83n.jpg"/>`},
		{"fragment link", `<a href="#binh-luan">Bình luận</a>`, "https://example.vn/tin/bai.html",
			`<a href="https://example.vn/tin/bai.html#binh-luan" rel="nofollow noopener">Bình luận</a>`},
		{"ftp dropped", `<a href="ftp://example.vn/a">a</a>`, "https://example.vn/", `a`},
		{"empty", ``, "https://example.vn/", ``},
		{"blank", " \n\t ", "https://example.vn/", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(tt.in, tt.base)
			checkSafe(t, tt.in, got)
			if got != tt.want {
				t.Errorf("HTML(%q, %q)\n got %q\nwant %q", tt.in, tt.base, got, tt.want)
			}
		})
	}
}

func TestHTMLStructure(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"list items closed", `<ul><li>một<li>hai</ul>`, `<ul><li>một</li><li>hai</li></ul>`},
		{"nested list kept", `<ul><li>a<ul><li>b<li>c</ul><li>d</ul>`, `<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li></ul>`},
		{"cells closed", `<table><tr><td>1<td>2<tr><td>3</table>`, `<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>`},
		{"paragraphs closed", `<p>một<p>hai`, `<p>một</p><p>hai</p>`},
		{"paragraph closed by a list", `<p>một<ul><li>hai</ul>`, `<p>một</p><ul><li>hai</li></ul>`},
		{"paragraph in a quote kept", `<p>a<blockquote><p>b</blockquote>`, `<p>a</p><blockquote><p>b</p></blockquote>`},
		{"misnested", `<b><i>x</b>y</i>`, `<b><i>x</i></b>y`},
		{"unknown wrappers unwrapped", `<div><section><span>Hà Giang</span></section></div>`, `Hà Giang`},
		{"h1 dropped, text kept", `<h1>Tiêu đề</h1><p>x</p>`, `Tiêu đề<p>x</p>`},
		{"br forms", `a<br>b<br/>c<br />d</br>`, `a<br/>b<br/>c<br/>d`},
		{"entities decoded once", `<p>Hà&nbsp;Giang &amp; Tuyên Quang &#8211; 2024</p>`, "<p>Hà\u00a0Giang &amp; Tuyên Quang – 2024</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(tt.in, articleBase)
			checkSafe(t, tt.in, got)
			if got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestHTMLConcurrent shares the one policy between goroutines; with -race it
// pins that this is safe.
func TestHTMLConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, h := range hostile[:10] {
				HTML(h.in, articleBase)
			}
		})
	}
	wg.Wait()
}

func FuzzHTML(f *testing.F) {
	for _, h := range hostile {
		f.Add(h.in)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(raw))
	f.Fuzz(func(t *testing.T, in string) {
		out := HTML(in, articleBase)
		checkSafe(t, in, out)
		// Clean output is a fixed point: stored content sanitised again, after
		// a policy change say, must not drift.
		if again := HTML(out, articleBase); again != out {
			t.Errorf("HTML is not idempotent:\n in %q\nout %q\nagain %q", in, out, again)
		}
	})
}

func BenchmarkHTML(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		b.Fatal(err)
	}
	article := string(raw)
	b.SetBytes(int64(len(article)))
	b.ReportAllocs()
	for b.Loop() {
		HTML(article, articleBase)
	}
}

// BenchmarkHTMLSize runs hostile input of growing size: ns/op should grow in
// step with the size, never faster.
func BenchmarkHTMLSize(b *testing.B) {
	var unit strings.Builder
	for _, h := range hostile {
		unit.WriteString(h.in)
	}
	for _, n := range []int{16, 64, 256} {
		in := strings.Repeat(unit.String(), n)
		b.Run(fmt.Sprintf("%dKiB", len(in)>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				HTML(in, articleBase)
			}
		})
	}
}

// TestDeepNestingCapped: an item of thousands of unclosed elements, with
// as many end tags of elements never opened, comes out nested at most
// maxDepth deep, its text kept. Each end tag looks for its element among
// the open ones: without the cap, a poll spent minutes of CPU on a 10 MiB
// item of this kind (quadratic in the depth).
func TestDeepNestingCapped(t *testing.T) {
	const n = 200000
	raw := strings.Repeat("<b>", n) + "Tin cuối cùng" + strings.Repeat("</i>", n) + "<p>Đoạn sau</p>"
	out := HTML(raw, "https://baohagiang.example.vn/")
	if !strings.Contains(out, "Tin cuối cùng") || !strings.Contains(out, "Đoạn sau") {
		t.Errorf("the text was lost: %.300s", out)
	}
	depth, deepest := 0, 0
	z := html.NewTokenizer(strings.NewReader(out))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		switch tt {
		case html.StartTagToken:
			depth++
			deepest = max(deepest, depth)
		case html.EndTagToken:
			depth--
		}
	}
	if deepest > maxDepth {
		t.Errorf("output nested %d deep, want at most %d", deepest, maxDepth)
	}
	// Ordinary nesting is kept whole.
	const table = `<blockquote><ul><li><table><tbody><tr><td><p><b><a href="https://baohagiang.example.vn/a" rel="nofollow noopener">Hà Giang</a></b></p></td></tr></tbody></table></li></ul></blockquote>`
	if got := HTML(table, "https://baohagiang.example.vn/"); got != table {
		t.Errorf("a table in a list in a quote:\n got %s\nwant %s", got, table)
	}
}

// TestLazyImages: a page that loads its images late keeps their addresses
// out of src (data-src, data-original, srcset) behind a placeholder; readers
// run no script, so the sanitised HTML carries the image itself. An image
// with a src of its own keeps it.
func TestLazyImages(t *testing.T) {
	const base = "https://baoxanh.example.vn/tin/hoa-cai.html"
	for _, tt := range []struct{ raw, want string }{
		{`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="https://cdn.baoxanh.example.vn/anh/hoa-cai.jpg" alt="Hoa cải">`,
			`<img src="https://cdn.baoxanh.example.vn/anh/hoa-cai.jpg" alt="Hoa cải"/>`},
		{`<img src="/img/blank.gif" data-original="/anh/hoa-cai-2.jpg">`,
			`<img src="https://baoxanh.example.vn/anh/hoa-cai-2.jpg"/>`},
		{`<img srcset="/anh/hoa-cai-3-800.jpg 800w, /anh/hoa-cai-3-1600.jpg 1600w" alt="Đồi hoa">`,
			`<img alt="Đồi hoa" src="https://baoxanh.example.vn/anh/hoa-cai-3-800.jpg"/>`},
		{`<img src="/anh/hoa-cai-4.jpg" data-original="/anh/hoa-cai-4-lon.jpg">`,
			`<img src="https://baoxanh.example.vn/anh/hoa-cai-4.jpg"/>`},
		{`<img src="/img/lazy-placeholder.png" data-src="javascript:alert(1)">`, ``},
		{`<img src="data:image/png;base64,AAAA">`, ``},
	} {
		if got := HTML(tt.raw, base); got != tt.want {
			t.Errorf("HTML(%s)\n got %s\nwant %s", tt.raw, got, tt.want)
		}
	}
}
