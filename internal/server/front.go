package server

import (
	"bytes"
	"embed"
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
