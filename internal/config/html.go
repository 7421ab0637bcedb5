package config

import "newswire/internal/scrape"

// Source types: what the source's url serves.
const (
	SourceFeed = "feed" // an RSS, Atom or JSON feed (the default)
	SourceHTML = "html" // a web page listing news, read with the selectors in html
)

// HTML says where the items are on the listing page of a source of type
// html. Selectors are CSS; all but item select inside an item's block.
type HTML struct {
	Item       string `yaml:"item"`
	Title      string `yaml:"title"`
	Link       string `yaml:"link"`
	Date       string `yaml:"date"`
	DateLayout string `yaml:"date_layout"` // Go layout of the date in the date element's text
	Summary    string `yaml:"summary"`
	Image      string `yaml:"image"`
	Detail     bool   `yaml:"detail"` // fetch each item's page for its body
	Body       string `yaml:"body"`   // the article body on the item's page
}

// IsHTML tells whether s is read from a web page rather than a feed.
func (s Source) IsHTML() bool { return s.Type == SourceHTML }

// Rules are s's selectors as internal/scrape takes them.
func (h HTML) Rules() scrape.Rules {
	return scrape.Rules{Item: h.Item, Title: h.Title, Link: h.Link, Date: h.Date, DateLayout: h.DateLayout,
		Summary: h.Summary, Image: h.Image, Detail: h.Detail, Body: h.Body}
}

// validateHTML checks the type of source p and, for type html, the syntax of
// its selectors and date layout; whether they match is known only at a poll.
func validateHTML(d *decoder, p string, s *Source) {
	switch s.Type {
	case "", SourceFeed:
		if d.set[p+".html"] {
			d.problemAt(p+".html", "only for sources of type %s (this one is %s)", SourceHTML, SourceFeed)
		}
		return
	case SourceHTML:
	default:
		d.problemAt(p+".type", "want %s or %s, got %q", SourceFeed, SourceHTML, s.Type)
		return
	}
	h := &s.HTML
	if !d.set[p+".html"] {
		d.problemAt(p+".html", "required for type %s: selectors for item, title and link at least", SourceHTML)
		return
	}
	selectors := []struct {
		key      string
		sel      string
		required bool
	}{
		{"item", h.Item, true},
		{"title", h.Title, true},
		{"link", h.Link, true},
		{"date", h.Date, false},
		{"summary", h.Summary, false},
		{"image", h.Image, false},
		{"body", h.Body, h.Detail},
	}
	for _, sel := range selectors {
		path := p + ".html." + sel.key
		switch {
		case sel.sel == "" && sel.required && sel.key == "body":
			d.problemAt(path, "required when detail is true: the selector of the article body on the item's page")
		case sel.sel == "" && sel.required:
			d.problemAt(path, "required: a CSS selector")
		case sel.sel != "":
			if err := scrape.CheckSelector(sel.sel); err != nil {
				d.problemAt(path, "%v", err)
			}
		}
	}
	if h.DateLayout != "" {
		if err := scrape.CheckLayout(h.DateLayout); err != nil {
			d.problemAt(p+".html.date_layout", "%v", err)
		} else if h.Date == "" {
			d.problemAt(p+".html.date_layout", "needs html.date, the selector of the element that holds the date")
		}
	}
	if h.Body != "" && !h.Detail {
		d.problemAt(p+".html.body", "used only with detail: true (item pages are not fetched otherwise)")
	}
}
