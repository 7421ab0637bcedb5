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

// TestBadURLProblemHidesSecrets: a source URL that does not parse (a
// password with a bare "%") is named in its problem without its secrets:
// a refused reload's problems are shown on the status page.
func TestBadURLProblemHidesSecrets(t *testing.T) {
	_, err := Parse([]byte(`sources: [{id: vov, url: "http://bientap:Mat%Khau@vov.example.vn/rss?api_key=KHOA123"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`), "config.yaml")
	if err == nil || !strings.Contains(err.Error(), "sources[0].url") {
		t.Fatalf("got %v, want a problem at sources[0].url", err)
	}
	if strings.Contains(err.Error(), "Mat%Khau") || strings.Contains(err.Error(), "KHOA123") {
		t.Errorf("the problem shows the secrets: %v", err)
	}
}
