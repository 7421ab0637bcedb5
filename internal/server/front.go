package server

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/text/language"

	"newswire/feeds"
	"newswire/internal/sanitize"
	"newswire/store"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.In(hcm).Format("02/01/2006 15:04") },
}).ParseFS(templateFS, "templates/*.html"))

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}()

const (
	// frontPageSize is how many stories one front page shows.
	frontPageSize = 30
	// summaryRunes is the longest summary shown, cut at a word.
	summaryRunes = 220
	// filterScan bounds the stories read to fill one page filtered by story
	// language; a rare language then gets a shorter page and a link that
	// continues the search, rather than one request reading the whole store.
	filterScan = 1000
	filterRead = 100
)

// routeFront registers the pages for people and their static files.
func (s *Server) routeFront() {
	s.mux.HandleFunc("GET /{$}", s.handleFront)
	s.mux.HandleFunc("GET /c/{category}", s.handleFront)
	s.mux.HandleFunc("GET /static/{name}", handleStatic)
}

// frontQuery is what a front-page address asks for. Links between pages keep
// the reader's choices (an explicit interface language, a story language,
// images on) so that browsing does not undo them.
type frontQuery struct {
	category   string
	cursor     string
	ui         string
	uiExplicit bool
	storyLang  string // primary subtag; empty for every language
	images     bool
}

func parseFrontQuery(r *http.Request) (frontQuery, error) {
	q := r.URL.Query()
	fq := frontQuery{category: r.PathValue("category"), cursor: q.Get("cursor"), images: q.Get("images") == "1"}
	if fq.category == "" {
		fq.category = store.AllCategory
	}
	fq.ui, fq.uiExplicit = pickLanguage(r)
	if v := q.Get("story_lang"); v != "" {
		tag, err := language.Parse(v)
		if err != nil {
			return fq, fmt.Errorf("story_lang: %q is not a language tag", v)
		}
		base, _ := tag.Base()
		fq.storyLang = base.String()
	}
	return fq, nil
}

// link is the address of the front page for category at cursor, with the
// reader's other choices kept and then changed by edit, if given.
func (q frontQuery) link(category, cursor string, edit func(*frontQuery)) string {
	q.category, q.cursor = category, cursor
	if edit != nil {
		edit(&q)
	}
	p := "/"
	if q.category != store.AllCategory {
		p = "/c/" + url.PathEscape(q.category)
	}
	v := url.Values{}
	if q.uiExplicit {
		v.Set("lang", q.ui)
	}
	if q.storyLang != "" {
		v.Set("story_lang", q.storyLang)
	}
	if q.images {
		v.Set("images", "1")
	}
	if q.cursor != "" {
		v.Set("cursor", q.cursor)
	}
	if len(v) == 0 {
		return p
	}
	return p + "?" + v.Encode()
}

type categoryView struct {
	ID, Title, Description, URL string
	Current                     bool
}

type choiceView struct {
	Label, Lang, URL string
	Current          bool
}

type feedView struct {
	Format, URL string
}

type storyView struct {
	Title, Link, Summary, Image, Language string
	When, Datetime                        string
	Outlets                               []outletView
}

type outletView struct {
	Title, Link string
	First       bool
}

type frontView struct {
	Lang       string
	T          *messages
	CSS, JS    string
	Icon       string
	Category   categoryView
	Categories []categoryView
	StoryLangs []choiceView
	SwitchURL  string
	ImagesURL  string
	Images     bool
	Stories    []storyView
	NextURL    string
	NewestURL  string
	Feeds      []feedView
	FeedsOPML  string
}

func (s *Server) handleFront(w http.ResponseWriter, r *http.Request) {
	q, err := parseFrontQuery(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m := catalog[q.ui]
	title, desc := s.categoryTitle(q.category)
	// Partners-only categories have no public page: their feeds need a token.
	if title == "" || s.feedCats[q.category].private {
		http.Error(w, fmt.Sprintf("unknown category %q", q.category), http.StatusNotFound)
		return
	}

	// The page depends on the store, the request and, through "5 phút
	// trước", on the minute; a tag from those answers a revalidation
	// without reading the store.
	now := s.now()
	etag := fmt.Sprintf(`"p%016x"`, xxhash.Sum64String(fmt.Sprintf("%d|%d|%s|%t|%s|%t|%s|%s|%d",
		s.started.UnixNano(), s.st.Version(), q.ui, q.uiExplicit, q.storyLang, q.images, q.category, q.cursor,
		now.Unix()/60)))
	h := w.Header()
	cacheHeaders := func() {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=60")
		h.Set("Vary", "Accept-Language") // the page is not compressed
		h.Set("Content-Language", q.ui)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		cacheHeaders()
		w.WriteHeader(http.StatusNotModified)
		return
	}

	stories, next, err := s.frontStories(q)
	if err != nil {
		if errors.Is(err, store.ErrBadCursor) {
			http.Error(w, fmt.Sprintf("cursor: %q is not a cursor this server gave out", q.cursor), http.StatusBadRequest)
			return
		}
		s.log.Error("reading the front page", "category", q.category, "error", err)
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}

	if q.category == store.AllCategory {
		title, desc = m.AllStories, ""
	}
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	v := frontView{
		Lang:      q.ui,
		T:         m,
		CSS:       assetURL("site.css"),
		JS:        assetURL("copy.js"),
		Icon:      assetURL("icon.svg"),
		Category:  categoryView{ID: q.category, Title: title, Description: desc, URL: q.link(q.category, "", nil)},
		SwitchURL: q.link(q.category, q.cursor, func(q *frontQuery) { q.ui, q.uiExplicit = m.SwitchTo, true }),
		ImagesURL: q.link(q.category, q.cursor, func(q *frontQuery) { q.images = !q.images }),
		Images:    q.images,
		FeedsOPML: base + "/feeds.opml",
	}
	if next != "" {
		v.NextURL = q.link(q.category, next, nil)
	}
	if q.cursor != "" {
		v.NewestURL = v.Category.URL
	}
	// In this order: the template's autodiscovery links count on it.
	for _, f := range []struct{ format, ext string }{{"RSS", "rss"}, {"Atom", "atom"}, {"JSON Feed", "json"}} {
		v.Feeds = append(v.Feeds, feedView{Format: f.format, URL: base + "/feeds/" + q.category + "." + f.ext})
	}
	v.Categories = s.frontCategories(q, m)
	v.StoryLangs = s.storyLanguages(q, m)
	for _, st := range stories {
		v.Stories = append(v.Stories, s.storyView(st, m, now, q.images))
	}

	body, err := execute("front.html", v)
	if err != nil {
		s.log.Error("rendering page", "page", "front.html", "error", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	cacheHeaders()
	h.Set("Content-Security-Policy", frontCSP(v.Stories))
	writePage(w, r.Method, body)
}

// frontCSP allows scripts and styles only from newswire itself, and images
// from newswire and from the origins of the thumbnails on this very page.
func frontCSP(stories []storyView) string {
	img := []string{"'self'"}
	for _, st := range stories {
		if o := imageOrigin(st.Image); o != "" && !slices.Contains(img, o) {
			img = append(img, o)
		}
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + strings.Join(img, " ") +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// frontStories reads one page of the query's stories and the cursor of the
// next one. Filtered by story language, it reads on until the page is full,
// the stories run out or filterScan stories were read.
func (s *Server) frontStories(q frontQuery) ([]feeds.Story, string, error) {
	public := s.publicFilter(s.feedCats[q.category])
	if q.storyLang == "" && public == nil {
		page, err := s.st.Latest(q.category, frontPageSize, q.cursor)
		return page.Stories, page.Next, err
	}
	keep := func(st *feeds.Story) bool {
		return (public == nil || public(st)) && (q.storyLang == "" || primaryLanguage(st.Language) == q.storyLang)
	}
	var out []feeds.Story
	cursor := q.cursor
	for scanned := 0; scanned < filterScan; {
		page, err := s.st.Latest(q.category, filterRead, cursor)
		if err != nil {
			return nil, "", err
		}
		for i, st := range page.Stories {
			scanned++
			cursor = store.CursorAfter(st)
			if !keep(&st) {
				continue
			}
			out = append(out, st)
			if len(out) == frontPageSize {
				if i == len(page.Stories)-1 && page.Next == "" {
					return out, "", nil
				}
				return out, cursor, nil
			}
		}
		if page.Next == "" {
			return out, "", nil
		}
	}
	return out, cursor, nil
}

func primaryLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return base
}

// categories lists "all" and then every configured category, titled for
// readers of Vietnamese.
func (s *Server) categories() []categoryView {
	allTitle, _ := s.categoryTitle(store.AllCategory)
	out := []categoryView{{ID: store.AllCategory, Title: allTitle}}
	for _, c := range s.cfg.Categories {
		t := c.Title
		if t == "" {
			t = c.ID
		}
		out = append(out, categoryView{ID: c.ID, Title: t, Description: c.Description})
	}
	return out
}

func (s *Server) frontCategories(q frontQuery, m *messages) []categoryView {
	var out []categoryView
	for _, c := range s.categories() {
		if s.feedCats[c.ID].private {
			continue
		}
		if c.ID == store.AllCategory {
			c.Title = m.AllStories
		}
		c.URL = q.link(c.ID, "", nil)
		c.Current = c.ID == q.category
		out = append(out, c)
	}
	return out
}

// storyLanguages offers a choice between the story languages the config's
// sources and categories name, Vietnamese first; nothing when there is only
// one to choose.
func (s *Server) storyLanguages(q frontQuery, m *messages) []choiceView {
	var codes []string
	add := func(tag string) {
		if c := primaryLanguage(tag); c != "" && !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	for _, src := range s.cfg.Sources {
		add(src.Language)
	}
	for _, c := range s.cfg.Categories {
		for _, l := range c.Languages {
			add(l)
		}
	}
	if q.storyLang != "" {
		add(q.storyLang)
	}
	if len(codes) < 2 {
		return nil
	}
	slices.SortFunc(codes, func(a, b string) int {
		switch {
		case a == "vi":
			return -1
		case b == "vi":
			return 1
		}
		return strings.Compare(a, b)
	})
	out := []choiceView{{Label: m.AnyLanguage, Current: q.storyLang == ""}}
	for _, c := range codes {
		out = append(out, choiceView{Label: languageName(c, q.ui), Lang: c, Current: c == q.storyLang})
	}
	for i := range out {
		code := out[i].Lang
		out[i].URL = q.link(q.category, "", func(q *frontQuery) { q.storyLang = code })
	}
	return out
}

func (s *Server) storyView(st feeds.Story, m *messages, now time.Time, images bool) storyView {
	v := storyView{
		Title:    st.Title,
		Link:     httpURL(st.Link),
		Language: cmp.Or(st.Language, feeds.Undetermined), // not the page's
		When:     m.when(st.Published, now),
	}
	if !st.Published.IsZero() {
		v.Datetime = st.Published.UTC().Format(time.RFC3339)
	}
	if v.Title == "" {
		v.Title = st.Link
	}
	summary := sanitize.Text(st.Summary)
	if summary == "" {
		summary = sanitize.Text(st.ContentHTML)
	}
	v.Summary = cutWords(summary, summaryRunes)
	if images && imageOrigin(st.Image) != "" {
		v.Image = st.Image
	}
	outlets := *s.outlets.Load()
	for i, occ := range st.Sources {
		t := occ.Source
		if o, ok := outlets[occ.Source]; ok && o.Title != "" {
			t = o.Title // a source removed from the config too
		}
		v.Outlets = append(v.Outlets, outletView{Title: t, Link: httpURL(occ.Link), First: i == 0})
	}
	return v
}

// httpURL returns u when it is an absolute http(s) URL, else "": an outlet's
// link is shown as given or not at all.
func httpURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// imageOrigin is the origin of an http(s) image URL, or "" when the URL is
// not one or its host has characters that could break out of the CSP
// header the origin goes into; such an image is not shown.
func imageOrigin(u string) string {
	if httpURL(u) == "" {
		return ""
	}
	p, _ := url.Parse(u)
	for _, c := range p.Host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return ""
		}
	}
	return p.Scheme + "://" + p.Host
}

// cutWords shortens s to at most n runes, at a word boundary when one is near.
func cutWords(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := n
	for i := n; i > n*3/4; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,.;:–-") + "…"
}

// execute renders the page template name with data.
func execute(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("server: rendering %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func writePage(w http.ResponseWriter, method string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
