package poll

import "testing"

func TestSinceRequest(t *testing.T) {
	for _, tc := range []struct {
		url, cursor string
		maxItems    int
		want        string
		limit       int
	}{
		{"http://tinh.example/feeds/all.rss", "AAAAAAAAAAs", 200,
			"http://tinh.example/feeds/all.rss?limit=200&since=AAAAAAAAAAs", 200},
		{"http://tinh.example/feeds/all.rss?token=bi-mat-cua-huyen&limit=5", "AAAAAAAAAAs", 200,
			"http://tinh.example/feeds/all.rss?limit=5&since=AAAAAAAAAAs&token=bi-mat-cua-huyen", 5},
		// The admin's since, and a cursor paging back, give way to the one held.
		{"http://tinh.example/feeds/thoi-su.json?since=AAAAAAAAAAE&cursor=xyz", "AAAAAAAAAAs", 200,
			"http://tinh.example/feeds/thoi-su.json?limit=200&since=AAAAAAAAAAs", 200},
		// No page may hold more than poll.max_items, nor than a feed gives.
		{"http://tinh.example/feeds/all.rss?limit=300", "AAAAAAAAAAs", 100,
			"http://tinh.example/feeds/all.rss?limit=100&since=AAAAAAAAAAs", 100},
		{"http://tinh.example/feeds/all.rss", "AAAAAAAAAAs", 2000,
			"http://tinh.example/feeds/all.rss?limit=500&since=AAAAAAAAAAs", 500},
	} {
		r, ok := sinceRequest(tc.url, tc.cursor, tc.maxItems)
		if !ok || r.url != tc.want || r.limit != tc.limit || r.cursor != tc.cursor {
			t.Errorf("sinceRequest(%s, %s, %d) = %+v, %v; want %s, limit %d", tc.url, tc.cursor, tc.maxItems, r, ok, tc.want, tc.limit)
		}
	}
}

func TestAsConfigured(t *testing.T) {
	for _, tc := range []struct{ moved, url, want string }{
		{"https://tinh.example/feeds/all.rss?limit=200&since=AAAAAAAAAAs", "http://tinh.example/feeds/all.rss",
			"https://tinh.example/feeds/all.rss"},
		{"https://tinh.example/tin/all.rss?limit=200&since=AAAAAAAAAAs&token=t", "http://tinh.example/feeds/all.rss?token=t&limit=5",
			"https://tinh.example/tin/all.rss?limit=5&token=t"},
		{"https://tinh.example/feeds/all.rss?limit=200", "http://tinh.example/feeds/all.rss?since=AAAAAAAAAAE",
			"https://tinh.example/feeds/all.rss?since=AAAAAAAAAAE"},
	} {
		if got := asConfigured(tc.moved, tc.url); got != tc.want {
			t.Errorf("asConfigured(%s, %s) = %s, want %s", tc.moved, tc.url, got, tc.want)
		}
	}
}

func TestSameFeed(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"http://tinh.example/feeds/all.rss", "http://tinh.example/feeds/all.rss?limit=4", true},
		{"http://tinh.example/feeds/all.rss?token=cu", "http://tinh.example/feeds/all.rss?token=moi", true},
		{"http://tinh.example/feeds/all.rss", "http://tinh.example/feeds/thoi-su.rss", false},
		{"http://tinh.example/feeds/all.rss", "http://huyen.example/feeds/all.rss", false},
		{"http://tinh.example/feeds/all.rss", "http://tinh.example/feeds/all.rss?since=AAAAAAAAAAE", false},
	} {
		if got := sameFeed(tc.a, tc.b); got != tc.want {
			t.Errorf("sameFeed(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestWithoutSince(t *testing.T) {
	for url, want := range map[string]string{
		"http://tinh.example/feeds/all.rss?since=AAAAAAAAAAE&token=t": "http://tinh.example/feeds/all.rss?token=t",
		"http://tinh.example/feeds/all.rss?b=2&a=1":                   "http://tinh.example/feeds/all.rss?b=2&a=1",
	} {
		if got := withoutSince(url); got != want {
			t.Errorf("withoutSince(%s) = %s, want %s", url, got, want)
		}
	}
}
