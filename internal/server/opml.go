package server

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

type opml struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Created string        `xml:"head>dateCreated"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr,omitempty"`
	XMLURL  string `xml:"xmlUrl,attr,omitempty"`
	HTMLURL string `xml:"htmlUrl,attr,omitempty"`
	Lang    string `xml:"language,attr,omitempty"`
}

func writeOPML(w http.ResponseWriter, title string, outlines []opmlOutline) {
	doc := opml{Version: "2.0", Title: title, Created: time.Now().UTC().Format(time.RFC1123Z), Body: outlines}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	_ = enc.Encode(doc)
}

func (s *Server) handleSourcesOPML(w http.ResponseWriter, r *http.Request) {
	var out []opmlOutline
	for _, src := range s.cfg.Sources {
		out = append(out, opmlOutline{Type: "rss", Text: src.Title, Title: src.Title, XMLURL: src.URL, HTMLURL: homePage(src.URL), Lang: src.Language})
	}
	writeOPML(w, "newswire sources", out)
}

func (s *Server) handleFeedsOPML(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	var out []opmlOutline
	for _, c := range s.categories() {
		out = append(out, opmlOutline{Type: "rss", Text: c.Title, Title: c.Title, XMLURL: base + "/feeds/" + c.ID + ".rss", HTMLURL: base + "/c/" + c.ID})
	}
	writeOPML(w, "newswire feeds", out)
}
