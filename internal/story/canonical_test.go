package story

import "testing"

func TestCanonicalLink(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"plain", "https://baohagiang.vn/tin-tuc/le-hoi-hoa-tam-giac-mach-123.html", "baohagiang.vn/tin-tuc/le-hoi-hoa-tam-giac-mach-123.html"},
		{"http like https", "http://baohagiang.vn/a", "baohagiang.vn/a"},
		{"scheme and host case", "HTTPS://BaoHaGiang.VN/A", "baohagiang.vn/A"},
		{"www dropped", "https://www.baotuyenquang.com.vn/a", "baotuyenquang.com.vn/a"},
		{"only leading www", "https://news.www.example.vn/a", "news.www.example.vn/a"},
		{"trailing dot of host", "https://example.vn./a", "example.vn/a"},
		{"default http port", "http://example.vn:80/a", "example.vn/a"},
		{"default https port", "https://example.vn:443/a", "example.vn/a"},
		{"other port kept", "https://example.vn:8443/a", "example.vn:8443/a"},
		{"fragment dropped", "https://example.vn/a#binh-luan", "example.vn/a"},
		{"user info dropped", "https://editor:secret@example.vn/a", "example.vn/a"},
		{"trailing slash dropped", "https://example.vn/thoi-su/", "example.vn/thoi-su"},
		{"root is empty path", "https://example.vn/", "example.vn"},
		{"several trailing slashes", "https://example.vn/a//", "example.vn/a"},
		{"root of slashes", "https://example.vn//", "example.vn"},
		{"no path", "https://example.vn", "example.vn"},
		{"root with query", "https://example.vn/?id=7", "example.vn?id=7"},
		{"dot segments", "https://example.vn/a/./b/../c", "example.vn/a/c"},
		{"dot segments past root", "https://example.vn/../../a", "example.vn/a"},
		{"trailing dot segment", "https://example.vn/a/b/..", "example.vn/a"},
		{"encoded dot segments", "https://example.vn/a/%2E%2e/b", "example.vn/b"},
		{"empty segments kept", "https://example.vn/a//b", "example.vn/a//b"},
		{"unreserved decoded", "https://example.vn/%7Euser/%41%2d%5F", "example.vn/~user/A-_"},
		{"hex upper-cased", "https://example.vn/a%2fb%3a", "example.vn/a%2Fb%3A"},
		{"raw unicode path", "https://example.vn/tin-tức", "example.vn/tin-t%E1%BB%A9c"},
		{"encoded unicode path", "https://example.vn/tin-t%e1%bb%a9c", "example.vn/tin-t%E1%BB%A9c"},
		{"space in path", "https://example.vn/a b", "example.vn/a%20b"},
		{"utm removed", "https://example.vn/a?utm_source=zalo&utm_medium=social&id=5", "example.vn/a?id=5"},
		{"utm any case", "https://example.vn/a?UTM_Campaign=x&Utm_Term=y", "example.vn/a"},
		{"click ids removed", "https://example.vn/a?fbclid=IwAR0&gclid=C1&dclid=D&msclkid=M&yclid=Y&igshid=I", "example.vn/a"},
		{"mail and analytics removed", "https://example.vn/a?mc_cid=1&mc_eid=2&_ga=2.1&_gl=1*x&p=2", "example.vn/a?p=2"},
		{"zalo removed", "https://example.vn/a?zarsrc=30&gidzl=abc", "example.vn/a"},
		{"tracking name encoded", "https://example.vn/a?%75tm_source=x&k=1", "example.vn/a?k=1"},
		{"query sorted", "https://example.vn/a?b=2&a=1&c=3", "example.vn/a?a=1&b=2&c=3"},
		{"equal keys keep order", "https://example.vn/a?t=2&s=1&t=1", "example.vn/a?s=1&t=2&t=1"},
		{"empty query dropped", "https://example.vn/a?", "example.vn/a"},
		{"empty pairs dropped", "https://example.vn/a?&&id=3&", "example.vn/a?id=3"},
		{"query escapes normalised", "https://example.vn/a?q=h%c3%a0%20giang&x=%7e", "example.vn/a?q=h%C3%A0%20giang&x=~"},
		{"encoded ampersand stays", "https://example.vn/a?q=a%26b", "example.vn/a?q=a%26b"},
		{"unicode host to punycode", "https://báo.vn/a", "xn--bo-mia.vn/a"},
		{"punycode host kept", "https://XN--BO-MIA.VN/a", "xn--bo-mia.vn/a"},
		{"upper unicode host", "https://BÁO.VN/a", "xn--bo-mia.vn/a"},
		{"decomposed unicode host", "https://ba\u0301o.vn/a", "xn--bo-mia.vn/a"},
		{"ipv6 host", "http://[2001:DB8::1]:80/a", "[2001:db8::1]/a"},
		{"surrounding space", "  https://example.vn/a  ", "example.vn/a"},

		{"relative", "/tin-tuc/a.html", ""},
		{"protocol relative", "//example.vn/a", ""},
		{"ftp", "ftp://example.vn/a", ""},
		{"mailto", "mailto:toasoan@example.vn", ""},
		{"javascript", "javascript:alert(1)", ""},
		{"opaque http", "http:example.vn/a", ""},
		{"no host", "https:///a", ""},
		{"empty host label", "https://example..vn/a", ""},
		{"host of dots", "http://0../a", ""},
		{"empty", "", ""},
		{"bad escape", "https://example.vn/a%zz", ""},
		{"control character", "https://example.vn/a\x00b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalLink(tt.raw); got != tt.want {
				t.Errorf("CanonicalLink(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// TestCanonicalLinkDistinct pins links that look alike but name different
// items: merging them would hide a story.
func TestCanonicalLinkDistinct(t *testing.T) {
	pairs := []struct {
		name, a, b string
	}{
		{"different paths", "https://example.vn/a/1", "https://example.vn/a/2"},
		{"path case", "https://example.vn/Tin-Tuc", "https://example.vn/tin-tuc"},
		{"different ids in query", "https://example.vn/news?id=101", "https://example.vn/news?id=102"},
		{"id present or not", "https://example.vn/news?id=101", "https://example.vn/news"},
		{"repeated keys in other order", "https://example.vn/a?t=1&t=2", "https://example.vn/a?t=2&t=1"},
		{"host sharing a suffix", "https://baohagiang.vn/a", "https://tbaohagiang.vn/a"},
		{"subdomain", "https://dulich.baohagiang.vn/a", "https://baohagiang.vn/a"},
		{"other port", "https://example.vn:8080/a", "https://example.vn/a"},
		{"encoded slash", "https://example.vn/a%2Fb", "https://example.vn/a/b"},
		{"plus and space in query", "https://example.vn/s?q=a+b", "https://example.vn/s?q=a%20b"},
		{"empty segment", "https://example.vn/a//b", "https://example.vn/a/b"},
		{"tracking-like name", "https://example.vn/a?utmost=1", "https://example.vn/a"},
	}
	for _, tt := range pairs {
		t.Run(tt.name, func(t *testing.T) {
			a, b := CanonicalLink(tt.a), CanonicalLink(tt.b)
			if a == "" || b == "" {
				t.Fatalf("CanonicalLink gave an empty key: %q -> %q, %q -> %q", tt.a, a, tt.b, b)
			}
			if a == b {
				t.Errorf("%q and %q share the key %q", tt.a, tt.b, a)
			}
		})
	}
}

func FuzzCanonicalLink(f *testing.F) {
	for _, s := range []string{
		"https://www.Example.vn:443/a/./b/../c/?utm_source=x&b=2&a=1#f",
		"http://báo.vn/tin-t%e1%bb%a9c?",
		"https://example.vn/a%2e%2E/%7e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		key := CanonicalLink(raw)
		if key == "" {
			return
		}
		// A key read back as a link must give itself: canonicalisation is a fixed point.
		if again := CanonicalLink("https://" + key); again != key {
			t.Errorf("CanonicalLink(%q) = %q, but CanonicalLink of that = %q", raw, key, again)
		}
	})
}

// TestWithoutTracking: tracking parameters leave a republished link, and
// nothing else of it changes: other parameters keep their order and
// spelling, the fragment stays.
func TestWithoutTracking(t *testing.T) {
	for raw, want := range map[string]string{
		"https://baohagiang.example.vn/tin/lu-quet.html?utm_source=zalo&zarsrc=30":           "https://baohagiang.example.vn/tin/lu-quet.html",
		"https://baohagiang.example.vn/tin?id=812&utm_medium=social&b=a%20b&fbclid=IwAR#anh": "https://baohagiang.example.vn/tin?id=812&b=a%20b#anh",
		"HTTP://vov.example.vn/a?UTM_Campaign=x&trang=2":                                     "HTTP://vov.example.vn/a?trang=2",
		"https://vov.example.vn/a?utm%5Fsource=x":                                            "https://vov.example.vn/a",
		"https://vov.example.vn/a?trang=2&z=1":                                               "https://vov.example.vn/a?trang=2&z=1",
		"https://vov.example.vn/a#p?utm_source=x":                                            "https://vov.example.vn/a#p?utm_source=x",
		"mailto:toasoan@vov.example.vn?utm_source=x":                                         "mailto:toasoan@vov.example.vn?utm_source=x",
		"/tin/a.html?utm_source=x":                                                           "/tin/a.html?utm_source=x",
		"":                                                                                   "",
	} {
		if got := WithoutTracking(raw); got != want {
			t.Errorf("WithoutTracking(%q) = %q, want %q", raw, got, want)
		}
	}
}
