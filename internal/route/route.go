package route

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"newswire/feeds"
	"newswire/internal/config"
)

// Router routes items by the rules of one config. It is read-only once built
// and safe for concurrent use.
type Router struct {
	ids        []string       // category ids in config order
	index      map[string]int // category id to its position in ids
	keywords   phraseIndex    // targets: category positions
	labels     map[string][]int
	languages  map[string][]int
	sources    map[string][]int
	defaultCat string

	dropPrefixes []titlePrefix
	dropKeywords phraseIndex // targets: positions in filters.drop_keywords
	dropKeyNames []string
	dropLabels   map[string]string // normalised label to its config spelling
}

type titlePrefix struct {
	folded, config string
}

// Decision is where an item goes.
type Decision struct {
	Drop       bool
	Reason     string   // why dropped: `filters.drop_title_prefixes: "Quảng cáo"` etc.
	Categories []string // category ids, in config order, deduped; never empty unless dropped
}

// New builds a Router from cfg, which must be valid: with an empty
// default_category an item that matches nothing gets no category.
func New(cfg *config.Config) *Router {
	r := &Router{
		index:        make(map[string]int, len(cfg.Categories)),
		keywords:     phraseIndex{},
		labels:       map[string][]int{},
		languages:    map[string][]int{},
		sources:      map[string][]int{},
		defaultCat:   cfg.DefaultCategory,
		dropKeywords: phraseIndex{},
		dropKeyNames: cfg.Filters.DropKeywords,
		dropLabels:   map[string]string{},
	}
	for _, c := range cfg.Categories {
		if _, dup := r.index[c.ID]; dup {
			continue
		}
		i := len(r.ids)
		r.ids = append(r.ids, c.ID)
		r.index[c.ID] = i
		for _, k := range c.Keywords {
			r.keywords.add(k, i)
		}
		for _, l := range c.SourceCategories {
			addTarget(r.labels, label(l), i)
		}
		for _, l := range c.Languages {
			addTarget(r.languages, primaryLanguage(l), i)
		}
		for _, s := range c.Sources {
			addTarget(r.sources, s, i)
		}
	}
	for _, p := range cfg.Filters.DropTitlePrefixes {
		if f := normalizePrefix(p); f != "" {
			r.dropPrefixes = append(r.dropPrefixes, titlePrefix{folded: f, config: p})
		}
	}
	for i, k := range cfg.Filters.DropKeywords {
		r.dropKeywords.add(k, i)
	}
	for _, l := range cfg.Filters.DropSourceCategories {
		if n := label(l); n != "" {
			if _, dup := r.dropLabels[n]; !dup {
				r.dropLabels[n] = l
			}
		}
	}
	return r
}

// addTarget appends target to m[key] once; an empty key matches nothing.
func addTarget(m map[string][]int, key string, target int) {
	if key == "" {
		return
	}
	for _, t := range m[key] {
		if t == target {
			return
		}
	}
	m[key] = append(m[key], target)
}

// Route decides where it, an item of src, goes. Filters come first: the
// first of drop_title_prefixes, drop_keywords and drop_source_categories that
// matches drops the item. Otherwise the item goes to src's own categories
// and to every category whose keywords, source_categories, languages or
// sources match; to the default category when none does. The item is
// expected normalised (package sanitize), its Summary plain text.
func (r *Router) Route(src config.Source, it *feeds.Item) Decision {
	title := splitWords(fold(it.Title))
	summary := splitWords(fold(it.Summary))

	if p, ok := r.droppedByPrefix(it.Title); ok {
		return dropped("drop_title_prefixes", p)
	}
	if k, ok := r.droppedByKeyword(title, summary); ok {
		return dropped("drop_keywords", k)
	}
	for _, l := range it.Labels {
		if c, ok := r.dropLabels[label(l)]; ok {
			return dropped("drop_source_categories", c)
		}
	}

	hit := make([]bool, len(r.ids))
	mark := func(i int) { hit[i] = true }
	for _, id := range src.Categories {
		if i, ok := r.index[id]; ok {
			hit[i] = true
		}
	}
	r.keywords.match(title, mark)
	r.keywords.match(summary, mark)
	for _, l := range it.Labels {
		markAll(hit, r.labels[label(l)])
	}
	lang := it.Language
	if lang == "" {
		lang = src.Language
	}
	markAll(hit, r.languages[primaryLanguage(lang)])
	markAll(hit, r.sources[src.ID])

	var cats []string
	for i, h := range hit {
		if h {
			cats = append(cats, r.ids[i])
		}
	}
	if len(cats) == 0 && r.defaultCat != "" {
		cats = []string{r.defaultCat}
	}
	return Decision{Categories: cats}
}

func markAll(hit []bool, targets []int) {
	for _, t := range targets {
		hit[t] = true
	}
}

func dropped(filter, value string) Decision {
	return Decision{Drop: true, Reason: fmt.Sprintf("filters.%s: %q", filter, value)}
}

// droppedByKeyword returns the first drop keyword, in config order, found in
// the title or summary words.
func (r *Router) droppedByKeyword(title, summary []string) (string, bool) {
	first := -1
	hit := func(i int) {
		if first < 0 || i < first {
			first = i
		}
	}
	r.dropKeywords.match(title, hit)
	r.dropKeywords.match(summary, hit)
	if first < 0 {
		return "", false
	}
	return r.dropKeyNames[first], true
}

// Separators that end a title prefix: "Quảng cáo: …", "PR | …", "[PR] …".
// A hyphen counts only before a space or the end, so that a prefix "Covid"
// leaves "Covid-19 …" alone; en and em dashes never join words.
const prefixSeparators = ":|]–—-"

// normalizePrefix folds a configured prefix and strips what the title side
// strips, so "[PR]", "PR:" and "pr" configure the same filter.
func normalizePrefix(p string) string {
	p = label(p)
	p = strings.TrimSpace(strings.TrimPrefix(p, "["))
	return strings.TrimRight(p, " "+prefixSeparators)
}

// droppedByPrefix returns the configured prefix that title starts with,
// followed by optional spaces and a separator. A leading "[" of the title is
// skipped, so "[PR] …" matches the prefix "PR".
func (r *Router) droppedByPrefix(title string) (string, bool) {
	if len(r.dropPrefixes) == 0 {
		return "", false
	}
	t := label(title)
	t = strings.TrimSpace(strings.TrimPrefix(t, "["))
	for _, p := range r.dropPrefixes {
		rest, ok := strings.CutPrefix(t, p.folded)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " ")
		sep, size := utf8.DecodeRuneInString(rest)
		if !strings.ContainsRune(prefixSeparators, sep) {
			continue
		}
		if sep == '-' && len(rest) > size {
			if next, _ := utf8.DecodeRuneInString(rest[size:]); !unicode.IsSpace(next) {
				continue
			}
		}
		return p.config, true
	}
	return "", false
}
