package server

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"newswire/internal/config"
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
	// Children group outlines: sources by level.
	Children []opmlOutline `xml:"outline"`
}

func writeOPML(w http.ResponseWriter, title string, outlines []opmlOutline) {
	doc := opml{Version: "2.0", Title: title, Created: time.Now().UTC().Format(time.RFC1123Z), Body: outlines}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	_ = enc.Encode(doc)
}

// handleSourcesOPML lists the polled sources grouped by level: provincial,
// central, then those that state none.
func (s *Server) handleSourcesOPML(w http.ResponseWriter, r *http.Request) {
	groups := []opmlOutline{
		{Text: config.LevelProvincial, Title: "Báo chí tỉnh"},
		{Text: config.LevelCentral, Title: "Báo chí trung ương"},
		{Text: "other", Title: "Nguồn khác"},
	}
	for _, src := range s.cfg.Sources {
		g := &groups[2]
		switch src.Level {
		case config.LevelProvincial:
			g = &groups[0]
		case config.LevelCentral:
			g = &groups[1]
		}
		g.Children = append(g.Children, opmlOutline{Type: "rss", Text: src.Title, Title: src.Title, XMLURL: src.URL, HTMLURL: homePage(src.URL), Lang: src.Language})
	}
	var out []opmlOutline
	for _, g := range groups {
		if len(g.Children) > 0 {
			out = append(out, g)
		}
	}
	writeOPML(w, "newswire sources", out)
}

// handleFeedsOPML lists newswire's public feeds, for readers to import at
// once; partners-only feeds need a token and are left out.
func (s *Server) handleFeedsOPML(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	var out []opmlOutline
	for _, c := range s.categories() {
		if s.feedCats[c.ID].private {
			continue
		}
		out = append(out, opmlOutline{Type: "rss", Text: c.Title, Title: c.Title, XMLURL: base + "/feeds/" + c.ID + ".rss", HTMLURL: base + "/c/" + c.ID, Lang: "vi"})
	}
	writeOPML(w, "newswire feeds", out)
}
