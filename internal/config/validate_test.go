package config

import (
	"errors"
	"net"
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

// TestListenProblem: an address of no interface of this machine is a
// problem of the file, with its line; a free port and one another process
// holds (maybe the running daemon) are not.
func TestListenProblem(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, tt := range []struct {
		listen string
		bad    bool
	}{
		{"192.0.2.1:8080", true}, // TEST-NET-1: on no interface
		{"127.0.0.1:0", false},
		{held.Addr().String(), false},
	} {
		cfg, err := Parse([]byte("# newswire\nlisten: "+tt.listen+"\nsources: []\ncategories: [{id: a, title: A}]\ndefault_category: a\n"), "config.yaml")
		if err != nil {
			t.Fatal(err)
		}
		p := cfg.ListenProblem()
		if (p != nil) != tt.bad {
			t.Errorf("listen %s: problem %v", tt.listen, p)
			continue
		}
		if p != nil && (p.Path != "listen" || p.Line != 2 || !strings.Contains(p.Message, tt.listen)) {
			t.Errorf("listen %s: problem %+v, want listen on line 2 naming the address", tt.listen, *p)
		}
	}
}

// TestNotesSameFeed: two sources polling one feed (a block copied for a
// new outlet, its url left as it was) are a note of the config, with both
// lines; sources scraping one page are not, nor a disabled source.
func TestNotesSameFeed(t *testing.T) {
	cfg, err := Parse([]byte(`sources:
  - {id: hagiang, title: Báo Hà Giang, url: "https://baohagiang.test/rss"}
  - {id: tuyenquang, title: Báo Tuyên Quang, url: "https://baohagiang.test/rss"}
  - {id: cu, title: Báo Hà Giang (cũ), url: "https://baohagiang.test/rss", disabled: true}
  - id: trang-a
    type: html
    url: "https://langson.test/tin"
    html: {item: "article", title: "h2", link: "h2 a"}
  - id: trang-b
    type: html
    url: "https://langson.test/tin"
    html: {item: "li.news", title: "a", link: "a"}
categories: [{id: thoi-su}]
default_category: thoi-su
`), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	notes := cfg.Notes()
	if len(notes) != 1 || notes[0].Path != "sources[1].url" || notes[0].Line != 3 || !strings.Contains(notes[0].Message, "sources[0] (hagiang, line 2)") {
		t.Fatalf("notes %v", notes)
	}
}
