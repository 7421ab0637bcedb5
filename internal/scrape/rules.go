package scrape

import (
	"errors"
	"fmt"
	"time"

	"github.com/andybalholm/cascadia"
)

// Rules say where the parts of a news item are on a listing page. Item
// selects each item's block; the others select inside a block (the first
// match counts). Only Item, Title and Link are required.
type Rules struct {
	Item       string
	Title      string // text of the first match
	Link       string // href of the first match, or of the first a[href] inside it
	Date       string // datetime attribute of the first match, else its text
	DateLayout string // Go layout of the date inside that text; empty: any common form
	Summary    string // inner HTML of the first match
	Image      string // src (or data-src, srcset…) of the first match, or of the first img inside it
	Detail     bool   // fetch each item's page and take Body from it
	Body       string // on the item's page: the article body, every match in order
}

// compiled holds Rules with their selectors parsed.
type compiled struct {
	Rules
	item, title, link, date, summary, image cascadia.Selector
	layout                                  *layoutPattern
}

// CheckSelector reports whether sel is a CSS selector cascadia can match.
// goquery itself treats a bad selector as one that matches nothing, which
// would look like a redesign at every poll instead of a typo at load.
func CheckSelector(sel string) error {
	if _, err := cascadia.Compile(sel); err != nil {
		return fmt.Errorf("not a CSS selector: %q: %w", sel, err)
	}
	return nil
}

// CheckLayout reports whether layout is a Go time layout holding at least a
// day, a month or a time of day, such as "15:04, 02/01/2006".
func CheckLayout(layout string) error {
	_, err := compileLayout(layout)
	return err
}

// compile parses every selector of r. The error names the first field that is
// wrong.
func compile(r Rules) (*compiled, error) {
	c := &compiled{Rules: r}
	var body cascadia.Selector // used on item pages, by Scraper; checked here with the rest
	fields := []struct {
		name     string
		sel      string
		required bool
		dst      *cascadia.Selector
	}{
		{"item", r.Item, true, &c.item},
		{"title", r.Title, true, &c.title},
		{"link", r.Link, true, &c.link},
		{"date", r.Date, false, &c.date},
		{"summary", r.Summary, false, &c.summary},
		{"image", r.Image, false, &c.image},
		{"body", r.Body, r.Detail, &body},
	}
	var errs []error
	for _, f := range fields {
		if f.sel == "" {
			if f.required {
				errs = append(errs, fmt.Errorf("%s selector is required", f.name))
			}
			continue
		}
		s, err := cascadia.Compile(f.sel)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s selector %q: %w", f.name, f.sel, err))
			continue
		}
		*f.dst = s
	}
	if r.DateLayout != "" {
		lp, err := compileLayout(r.DateLayout)
		if err != nil {
			errs = append(errs, fmt.Errorf("date_layout: %w", err))
		}
		c.layout = lp
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// Options tell Extract where a page came from.
type Options struct {
	Location *time.Location // zone of dates that carry none; nil = UTC
	MaxItems int            // keep at most this many items, first on the page first; 0 = all
	Now      time.Time      // dates later than this are clamped to it; zero = time.Now()
}
