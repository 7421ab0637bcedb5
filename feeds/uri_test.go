package feeds

import "testing"

func TestWebURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://baohagiang.example.vn/a/b.html?x=1#c", "https://baohagiang.example.vn/a/b.html?x=1#c"},
		{"https://a.example/anh/lúa-chín.html", "https://a.example/anh/l%C3%BAa-ch%C3%ADn.html"},
		{"https://a.example/audio/bản tin.mp3", "https://a.example/audio/b%E1%BA%A3n%20tin.mp3"},
		{"https://a.example/tim?q=tin tức&p=2#phần-1", "https://a.example/tim?q=tin%20t%E1%BB%A9c&p=2#ph%E1%BA%A7n-1"},
		{"https://a.example/a%20b%zz", "https://a.example/a%20b%25zz"},
		{"https://a.example/a|b{c}", "https://a.example/a%7Cb%7Bc%7D"},
		{"http://hà-giang.example:8080/tin", "http://xn--h-giang-8va.example:8080/tin"},
		{"http://biên@hà.example/", "http://bi%C3%AAn@xn--h-sfa.example/"},
	} {
		if got := webURI(tc.in); got != tc.want {
			t.Errorf("webURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
