package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Hà Giang đón khách", "Hà Giang đón khách"},
		{"tags removed", "<p>Hà <b>Giang</b></p>", "Hà Giang"},
		{"blocks separate words", "<p>Hà Giang</p><p>Tuyên Quang</p><ul><li>a</li><li>b</li></ul>", "Hà Giang Tuyên Quang a b"},
		{"br separates words", "Hà Giang<br>Tuyên Quang", "Hà Giang Tuyên Quang"},
		{"inline joins", "Đồng<b>Văn</b>", "ĐồngVăn"},
		{"entities decoded", "Hà&nbsp;Giang &amp; Tuyên Quang &#8211; &quot;mùa vàng&quot; &lt;2024&gt;", `Hà Giang & Tuyên Quang – "mùa vàng" <2024>`},
		{"whitespace collapsed", "  Hà\n\tGiang \u00a0 \u2003mùa  hoa  ", "Hà Giang mùa hoa"},
		{"NFC", norm.NFD.String("Lễ hội Lồng Tồng"), "Lễ hội Lồng Tồng"},
		{"NFC across entities", "Le&#x0302;&#x0303; ho&#x0323;&#x0302;i", "Lễ hội"},
		{"script and style dropped", "a<script>var x = '<p>b</p>';</script><style>p{color:red}</style>c", "a c"},
		{"nested hidden", "a<template><p>b<template>c</template>d</p></template>e", "a e"},
		{"comment dropped", "a<!-- b -->c", "ac"},
		{"control characters", "a\x00b\x08c\x1bd\uffffe", "abcde"},
		{"invalid UTF-8", "a\xffb\xc3", "ab"},
		{"ampersand alone", "Hà Giang & Tuyên Quang", "Hà Giang & Tuyên Quang"},
		{"markup in a title", `Tin <em>nóng</em>: lũ quét ở Hoàng Su Phì`, "Tin nóng: lũ quét ở Hoàng Su Phì"},
		{"empty", "", ""},
		{"only markup", "<p><br></p>", ""},
		{"escaped tag", "Hà Giang: &lt;img src=x onerror=alert(1)&gt; mưa lũ", "Hà Giang: mưa lũ"},
		{"escaped twice", "Hà Giang: &amp;lt;img src=x onerror=alert(1)&amp;gt; mưa lũ", "Hà Giang: mưa lũ"},
		{"escaped three times", "Hà Giang: &amp;amp;lt;script&amp;amp;gt;x()&amp;amp;lt;/script&amp;amp;gt; mưa lũ", "Hà Giang: mưa lũ"},
		{"escaped end tag and comment", "a &lt;/p&gt;&lt;!-- b --&gt;c", "a c"},
		{"nested to rebuild a tag", "a <<b>img src=x onerror=alert(1)>> c", "a > c"},
		{"tag built past the passes", strings.Repeat("<", 6) + strings.Repeat("b>", 7) + " c", "b>b>b> c"},
		{"lone less-than", "giá &lt; 5 triệu, a &lt;5, b < c", "giá < 5 triệu, a <5, b < c"},
		{"escaped ampersand", "Tom &amp;amp; Jerry", "Tom &amp; Jerry"},
		{"C1 controls", "a\u009b2Jb\u009d0;x\u009c c", "a2Jb0;x c"},
		{"C1 controls escaped", "a&#x9d;b&#157;c", "abc"},
		{"bidirectional overrides", "\u202eSSR\u202c a\u2066b\u2069 \u202a\u202b\u202d c", "SSR ab c"},
		{"bidirectional overrides escaped", "&#x202e;SSR &#8295;x", "SSR x"},
		{"marks kept", "a\u200fb\u200ec", "a\u200fb\u200ec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripForbidden(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"clean kept", "Hà Giang\t\n\r", "Hà Giang\t\n\r"},
		{"C0 removed", "a\x00\x01\x07\x0b\x0c\x1f b", "a b"},
		{"non-characters removed", "a\ufffe\uffffb", "ab"},
		{"replacement character kept", "a\ufffdb", "a\ufffdb"},
		{"invalid bytes removed", "a\x80b\xed\xa0\x80c", "abc"},
		{"astral kept", "a😀b", "a😀b"},
		{"C1 removed", "a\u0080\u009b\u009c\u009d\u009fb", "ab"},
		{"bidirectional controls removed", "a\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069b", "ab"},
		{"Latin-1 kept", "a\u00a0\u00e0b", "a\u00a0\u00e0b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripForbidden(tt.in); got != tt.want {
				t.Errorf("stripForbidden(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	words := strings.Repeat("Hà Giang ", 60) // 540 runes
	tests := []struct {
		name, in, want string
		n              int
	}{
		{"short kept", "Tin ngắn.", "Tin ngắn.", 400},
		{"exact length kept", "abcde", "abcde", 5},
		{"cut on a space", "một hai ba bốn", "một hai…", 9},
		{"cut at a word end", "một hai ba bốn", "một hai…", 7},
		{"punctuation before the cut trimmed", "một, hai. ba bốn", "một, hai…", 10},
		{"long word cut hard", "Hàgiangđồngvănmèovạc", "Hàgiangđồ…", 9},
		{"space too early cut hard", "a bcdefghijklmnop", "a bcdefgh…", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shorten(tt.in, tt.n); got != tt.want {
				t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
	t.Run("summary length", func(t *testing.T) {
		got := shorten(strings.TrimSpace(words), summaryRunes)
		if n := utf8.RuneCountInString(got); n > summaryRunes+1 || n < summaryRunes-20 {
			t.Errorf("summary has %d runes, want about %d", n, summaryRunes)
		}
		if !strings.HasSuffix(got, "Giang…") && !strings.HasSuffix(got, "Hà…") {
			t.Errorf("summary not cut on a word: %q", got[len(got)-20:])
		}
	})
}

// TestTextLineUnclosedHiddenElement: a title that names a hidden element in
// words ("<script>", decoded by the feed's parser from &lt;script&gt;) keeps
// the rest of its headline; a hidden element that closes is dropped whole;
// a summary cut in the middle of a script drops it to the end.
func TestTextLineUnclosedHiddenElement(t *testing.T) {
	if got, want := Text("<p>Mưa lớn ở vùng cao.</p><script>var theo_doi = 1; gui("), "Mưa lớn ở vùng cao."; got != want {
		t.Errorf("Text of a summary cut in a script: %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		"Học về <script> và &amp; trong HTML":                "Học về và & trong HTML",
		"Thẻ <style> trong trang tin: những lỗi thường gặp":  "Thẻ trong trang tin: những lỗi thường gặp",
		"Tin <script>alert(1)</script> nóng":                 "Tin nóng",
		"Bản tin <iframe src=x>quảng cáo</iframe> thời tiết": "Bản tin thời tiết",
		"Hướng dẫn <noscript> và <template> cho người mới":   "Hướng dẫn và cho người mới",
	} {
		got := TextLine(in)
		if got != want {
			t.Errorf("TextLine(%q) = %q, want %q", in, got, want)
		}
		if looksLikeTag(got) {
			t.Errorf("TextLine(%q) = %q holds a tag", in, got)
		}
	}
}
