package server

import (
	"bytes"
	"embed"
	"encoding/json"
	"encoding/xml"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"newswire/feeds"
	"newswire/internal/sanitize"
	"newswire/store"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"ago":  ago,
	"date": func(t time.Time) string { return t.In(hcm).Format("02/01/2006 15:04") },
	"trim": func(s string, n int) string {
		r := []rune(s)
		if len(r) <= n {
			return s
		}
		return strings.TrimSpace(string(r[:n])) + "…"
	},
}).ParseFS(templateFS, "templates/*.html"))

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}()

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case t.IsZero():
		return ""
	case d < time.Minute:
		return "vừa xong"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " phút trước"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " giờ trước"
	default:
		return t.In(hcm).Format("02/01/2006 15:04")
	}
}

type categoryView struct {
	ID, Title, Description string
}

type storyView struct {
	feeds.Story
	Outlets []outletView
}

type outletView struct {
	Title, Link string
	First       bool
}

type frontView struct {
	Base       string
	Category   categoryView
	Categories []categoryView
	Stories    []storyView
	Next       string
}

func (s *Server) categories() []categoryView {
	out := []categoryView{{ID: "all", Title: "Tất cả tin"}}
	for _, c := range s.cfg.Categories {
		t := c.Title
		if t == "" {
			t = c.ID
		}
		out = append(out, categoryView{ID: c.ID, Title: t, Description: c.Description})
	}
	return out
}

func (s *Server) handleFront(w http.ResponseWriter, r *http.Request) {
	cat := r.PathValue("category")
	if cat == "" {
		cat = "all"
	}
	title, desc := s.categoryTitle(cat)
	if title == "" {
		http.Error(w, "unknown category "+cat, http.StatusNotFound)
		return
	}
	page, err := s.st.Latest(cat, 30, r.URL.Query().Get("cursor"))
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, store.ErrBadCursor) {
			status = http.StatusBadRequest
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	v := frontView{
		Base:       strings.TrimRight(s.cfg.BaseURL, "/"),
		Category:   categoryView{ID: cat, Title: title, Description: desc},
		Categories: s.categories(),
		Next:       page.Next,
	}
	for _, st := range page.Stories {
		sv := storyView{Story: st}
		sv.Summary = sanitize.Text(st.Summary)
		for i, occ := range st.Sources {
			t := occ.Source
			if src, ok := s.cfg.Source(occ.Source); ok && src.Title != "" {
				t = src.Title
			}
			sv.Outlets = append(sv.Outlets, outletView{Title: t, Link: occ.Link, First: i == 0})
		}
		v.Stories = append(v.Stories, sv)
	}
	s.renderPage(w, "front.html", v)
}

func (s *Server) renderPage(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("rendering page", "page", name, "error", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: http:; style-src 'self' 'unsafe-inline'; script-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

// sourceStatus is one source's line on the status page and API.
type sourceStatus struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	URL          string    `json:"url"`
	Level        string    `json:"level"`
	State        string    `json:"state"`
	LastPoll     time.Time `json:"last_poll"`
	LastSuccess  time.Time `json:"last_success"`
	NextPoll     time.Time `json:"next_poll"`
	Interval     string    `json:"interval"`
	Error        string    `json:"error,omitempty"`
	FailingSince time.Time `json:"failing_since"`
	Warning      string    `json:"warning,omitempty"`
	LastItems    int       `json:"last_items"`
	LastNew      int       `json:"last_new"`
	TotalNew     int       `json:"total_new"`
}

type statusView struct {
	Generated time.Time      `json:"generated"`
	Stories   int            `json:"stories"`
	Sources   []sourceStatus `json:"sources"`
}

func (s *Server) status() (statusView, error) {
	states, err := s.st.Sources()
	if err != nil {
		return statusView{}, err
	}
	byID := make(map[string]store.SourceState, len(states))
	for _, st := range states {
		byID[st.ID] = st
	}
	v := statusView{Generated: time.Now().UTC()}
	if stats, err := s.st.Stats(); err == nil {
		v.Stories = stats.Stories
	}
	for _, src := range s.cfg.Sources {
		st, seen := byID[src.ID]
		ss := sourceStatus{ID: src.ID, Title: src.Title, URL: src.URL, Level: src.Level,
			LastPoll: st.LastPoll, LastSuccess: st.LastSuccess, NextPoll: st.NextPoll, Error: st.LastError,
			FailingSince: st.FailingSince, Warning: st.Warning, LastItems: st.LastItems, LastNew: st.LastNew,
			TotalNew: st.TotalNew}
		if st.Interval > 0 {
			ss.Interval = st.Interval.Round(time.Second).String()
		}
		switch {
		case src.Disabled:
			ss.State = "disabled"
		case !seen || st.LastPoll.IsZero():
			ss.State = "waiting"
		case st.LastResult == "error":
			ss.State = "failing"
		default:
			ss.State = st.LastResult
		}
		v.Sources = append(v.Sources, ss)
	}
	return v, nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	v, err := s.status()
	if err != nil {
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}
	s.renderPage(w, "status.html", v)
}

func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) {
	v, err := s.status()
	if err != nil {
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

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
