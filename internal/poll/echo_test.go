package poll

import (
	"testing"

	"newswire/feeds"
	"newswire/internal/config"
)

// TestEchoed: an item is this newswire's own coming back when a way it
// credits is under its base_url or its listen address, and only then.
func TestEchoed(t *testing.T) {
	cfg := &config.Config{BaseURL: "https://Tin.HaGiang.example/newswire", Listen: "10.0.0.5:8080"}
	own := ownAddresses(cfg)
	for via, want := range map[string]bool{
		"https://tin.hagiang.example/newswire/feeds/all.json": true,
		"https://TIN.hagiang.example/newswire/":               true,
		"https://tin.hagiang.example/newswire":                true,
		"http://10.0.0.5:8080/":                               true,
		"http://10.0.0.5:8080/feeds/thoi-su.atom":             true,
		"https://tin.hagiang.example/":                        false, // the host's other site
		"https://tin.hagiang.example/newswire-cu/":            false,
		"http://10.0.0.5:80801/":                              false,
		"http://10.0.0.5/":                                    false,
		"https://baohagiang.example/tin/123":                  false,
	} {
		if got := echoed(&feeds.Item{Via: []string{"https://baoyenbai.example/", via}}, own); got != want {
			t.Errorf("via %s: echoed %v, want %v (own %q)", via, got, want, own)
		}
	}
	if echoed(&feeds.Item{}, own) {
		t.Error("an item that credits no way came back")
	}
	if own := ownAddresses(&config.Config{BaseURL: "http://localhost:8080", Listen: ":8080"}); len(own) != 1 || own[0] != "http://localhost:8080/" {
		t.Errorf("own addresses of a daemon on every interface: %q", own)
	}
}
