package config

import (
	"errors"
	"strings"
	"testing"
)

// TestPlainTextTitles: titles and descriptions are plain text in every
// feed: markup there is refused with its field and line.
func TestPlainTextTitles(t *testing.T) {
	for _, tt := range []struct{ yaml, path string }{
		{`sources: [{id: vov, title: "Đài <b>VOV</b>", url: "https://vov.example.vn/rss"}]`, "sources[0].title"},
		{`categories: [{id: thoi-su, title: "Thời sự &amp; chính trị"}]`, "categories[0].title"},
		{`categories: [{id: thoi-su, title: Thời sự, description: "Tin <!-- nháp -->"}]`, "categories[0].description"},
	} {
		_, err := Parse([]byte(tt.yaml+"\ndefault_category: thoi-su\n"), "config.yaml")
		var cerr *Error
		if !errors.As(err, &cerr) || !strings.Contains(err.Error(), tt.path+": plain text only") {
			t.Errorf("%s: %v; want a problem at %s", tt.yaml, err, tt.path)
		}
	}
	ok := `sources: [{id: vov, title: "Đài Tiếng nói Việt Nam & VOV <3", url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su, title: "Thời sự 24/7", description: "a < b, R&D"}]
default_category: thoi-su
`
	if _, err := Parse([]byte(ok), "config.yaml"); err != nil && strings.Contains(err.Error(), "plain text only") {
		t.Errorf("plain text with & and < refused: %v", err)
	}
}
