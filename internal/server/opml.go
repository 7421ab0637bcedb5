package server

import (
	"cmp"
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"newswire/internal/config"
	"newswire/internal/poll"
	"newswire/internal/urlsafe"
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
	URL     string `xml:"url,attr,omitempty"` // of a type="link" outline
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
// central, then those that state none. Each is listed where it is polled
// now (the feed a 301 or a page's feed link led to); a disabled source and
// one gone with 410 are not polled, and not listed. A source read from a
// web page has no feed of its own: it is a type="link" outline, which
// readers do not subscribe to.
func (s *Server) handleSourcesOPML(w http.ResponseWriter, r *http.Request) {
	byID, err := s.sourceStates()
	if err != nil {
		s.log.Error("listing sources", "error", err)
		http.Error(w, "cannot read the sources' states", http.StatusInternalServerError)
		return
	}
	groups := []opmlOutline{
		{Text: config.LevelProvincial, Title: "Báo chí tỉnh"},
		{Text: config.LevelCentral, Title: "Báo chí trung ương"},
		{Text: "other", Title: "Nguồn khác"},
	}
	for _, src := range s.cfg.Sources {
		st := byID[src.ID]
		if src.Disabled || poll.IsGone(src, st) {
			continue
		}
		g := &groups[2]
		switch src.Level {
		case config.LevelProvincial:
			g = &groups[0]
		case config.LevelCentral:
			g = &groups[1]
		}
		// Credentials stay out: an outlet's key is not the readers'.
		url := urlsafe.Public(poll.EffectiveURL(src, st))
		o := opmlOutline{Type: "rss", Text: src.Title, Title: src.Title, XMLURL: url, HTMLURL: cmp.Or(st.Home, homePage(url)), Lang: src.Language}
		if src.IsHTML() {
			o.Type, o.XMLURL, o.HTMLURL, o.URL = "link", "", "", url
		}
		g.Children = append(g.Children, o)
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
		out = append(out, opmlOutline{Type: "rss", Text: c.Title, Title: c.Title, XMLURL: base + "/feeds/" + c.ID + ".rss", HTMLURL: base + "/c/" + c.ID, Lang: s.feedCats[c.ID].language})
	}
	writeOPML(w, "newswire feeds", out)
}
