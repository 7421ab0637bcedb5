package urlsafe

import "testing"

func TestPublicAndRedacted(t *testing.T) {
	for _, tt := range []struct{ in, public, redacted string }{
		{"https://baohagiang.vn/rss/thoi-su.rss", "https://baohagiang.vn/rss/thoi-su.rss", "https://baohagiang.vn/rss/thoi-su.rss"},
		{"http://editor:S3cret@127.0.0.1:19101/rss?api_key=K123&cat=5", "http://127.0.0.1:19101/rss?cat=5", "http://editor:xxxxx@127.0.0.1:19101/rss?api_key=xxxxx&cat=5"},
		// A user name alone is how some services take a token.
		{"http://T0KEN9abc@outlet.test/rss", "http://outlet.test/rss", "http://xxxxx@outlet.test/rss"},
		{"https://outlet.test/feed?format=rss&Access-Token=abc&page=2", "https://outlet.test/feed?format=rss&page=2", "https://outlet.test/feed?format=rss&Access-Token=xxxxx&page=2"},
		{"https://outlet.test/feed?token=abc", "https://outlet.test/feed", "https://outlet.test/feed?token=xxxxx"},
		{"https://outlet.test/feed?sig", "https://outlet.test/feed", "https://outlet.test/feed?sig"},
		{"https://outlet.test/feed?q=tin%20t%E1%BB%A9c&monkey=1", "https://outlet.test/feed?q=tin%20t%E1%BB%A9c", "https://outlet.test/feed?q=tin%20t%E1%BB%A9c&monkey=xxxxx"},
		{"https://outlet.test/feed?category=thoi-su&limit=20", "https://outlet.test/feed?category=thoi-su&limit=20", "https://outlet.test/feed?category=thoi-su&limit=20"},
		{"http://bien tap:m%t/khau@outlet.test/rss?api_key=K1", "http://outlet.test/rss", "http://xxxxx@outlet.test/rss?xxxxx"},
	} {
		if got := Public(tt.in); got != tt.public {
			t.Errorf("Public(%q) = %q, want %q", tt.in, got, tt.public)
		}
		if got := Redacted(tt.in); got != tt.redacted {
			t.Errorf("Redacted(%q) = %q, want %q", tt.in, got, tt.redacted)
		}
	}
}

func TestDigested(t *testing.T) {
	d := func(s string) string { return "d(" + s + ")" }
	in := "http://editor:S3cret@outlet.test/rss?api_key=K%2F1&cat=5"
	want := "http://editor:d%28S3cret%29@outlet.test/rss?api_key=d%28K%2F1%29&cat=5"
	if got := Digested(in, d); got != want {
		t.Errorf("Digested(%q) = %q, want %q", in, got, want)
	}
	if got, want := Digested("https://T0KEN9abc@outlet.test/feed", d), "https://d%28T0KEN9abc%29@outlet.test/feed"; got != want {
		t.Errorf("a token as the user name: Digested = %q, want %q", got, want)
	}
}

func TestPublicText(t *testing.T) {
	in := `fetch: GET http://carol:xxxxx@outlet.test/rss?token=xxxxx: 404 Not Found (from https://bob@cdn.test/x)`
	want := `fetch: GET http://outlet.test/rss?token=xxxxx: 404 Not Found (from https://cdn.test/x)`
	if got := PublicText(in); got != want {
		t.Errorf("PublicText:\n got %s\nwant %s", got, want)
	}
	if got := PublicText("thư gửi toà soạn@baohagiang"); got != "thư gửi toà soạn@baohagiang" {
		t.Errorf("text with no URL changed: %q", got)
	}
}
