package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone names must load on hosts without a zoneinfo database

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
	"newswire/internal/urlsafe"
)

// Defaults for keys that are absent (README.md lists them all).
const (
	defaultListen       = "127.0.0.1:8080"
	defaultDataDir      = "./data"
	defaultItemsPerFeed = 50
	defaultInterval     = 15 * time.Minute
	defaultMinInterval  = 5 * time.Minute
	defaultMaxInterval  = 6 * time.Hour
	defaultTimeout      = 20 * time.Second
	defaultConcurrency  = 8
	defaultPerHost      = 2
	defaultHostGap      = time.Second
	defaultMaxBodyBytes = 10 << 20
	defaultMaxItems     = 200
	defaultCommitDelay  = 500 * time.Millisecond
	// maxCommitDelay bounds poll.commit_delay: each poll waiting holds one
	// of the poller's workers.
	maxCommitDelay   = time.Second
	defaultLogLevel  = "info"
	defaultLogFormat = "text"
)

// applyDefaults fills the keys the file leaves out. A key written with a zero
// value is left alone, so that "concurrency: 0" is refused rather than
// silently replaced. A key whose value could not be decoded gets the default
// too, so that the checks of other keys run against sensible values.
func applyDefaults(c *Config, d *decoder) {
	absent := func(path string) bool { return !d.set[path] || d.isBad(path) }
	setString := func(path string, v *string, def string) {
		if absent(path) {
			*v = def
		}
	}
	setInt := func(path string, v *int, def int) {
		if absent(path) {
			*v = def
		}
	}
	setDuration := func(path string, v *Duration, def time.Duration) {
		if absent(path) {
			*v = Duration(def)
		}
	}
	setString("listen", &c.Listen, defaultListen)
	setString("data_dir", &c.DataDir, defaultDataDir)
	setInt("items_per_feed", &c.ItemsPerFeed, defaultItemsPerFeed)
	setString("time_zone", &c.TimeZone, DefaultTimeZone)
	setDuration("poll.interval", &c.Poll.Interval, defaultInterval)
	setDuration("poll.min_interval", &c.Poll.MinInterval, defaultMinInterval)
	setDuration("poll.max_interval", &c.Poll.MaxInterval, defaultMaxInterval)
	setDuration("poll.timeout", &c.Poll.Timeout, defaultTimeout)
	setInt("poll.concurrency", &c.Poll.Concurrency, defaultConcurrency)
	setInt("poll.per_host", &c.Poll.PerHost, defaultPerHost)
	setDuration("poll.host_gap", &c.Poll.HostGap, defaultHostGap)
	if absent("poll.max_body_bytes") {
		c.Poll.MaxBodyBytes = defaultMaxBodyBytes
	}
	setInt("poll.max_items", &c.Poll.MaxItems, defaultMaxItems)
	setDuration("poll.commit_delay", &c.Poll.CommitDelay, defaultCommitDelay)
	setString("log.level", &c.Log.Level, defaultLogLevel)
	setString("log.format", &c.Log.Format, defaultLogFormat)
	applyPublishDefaults(c, d)
	applyIdentityDefaults(c, d)
	applyRetentionDefaults(c, d)
	if absent("base_url") {
		c.BaseURL = DefaultBaseURL(c.Listen)
	}
	for i := range c.Sources {
		if c.Sources[i].Title == "" {
			c.Sources[i].Title = c.Sources[i].ID
		}
	}
	for i := range c.Categories {
		if c.Categories[i].Title == "" {
			c.Categories[i].Title = c.Categories[i].ID
		}
	}
}

// DefaultBaseURL is the base_url a config without one has: the URL at which
// a server listening on listen is reached from the same machine; empty when
// listen is not a host:port (reported elsewhere).
func DefaultBaseURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// tagAuthority is a DNS name or an email address (RFC 4151).
	tagAuthority = regexp.MustCompile(`^([A-Za-z0-9._%+-]+@)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
)

// validate reports every rule the decoded config breaks, and normalises the
// values it checks (language tags, keyword lists, base_url).
// markup finds what looks like an HTML tag, a comment or a character
// reference.
var markup = regexp.MustCompile(`<[A-Za-z/!]|&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);`)

// plainText refuses markup in a title or description the feeds carry as
// text: readers would show the tags as written, and feed validators warn
// about HTML there.
func plainText(d *decoder, path, s string) {
	if m := markup.FindString(s); m != "" {
		d.problemAt(path, "plain text only, found markup %q: feeds carry it as text, and readers would show it as written", m)
	}
}

func validate(c *Config, d *decoder) {
	c.zones = map[string]*time.Location{}
	loadZone := func(path, name string) {
		if _, ok := c.zones[name]; ok {
			return
		}
		loc, err := time.LoadLocation(name)
		if err != nil || name == "" || name == "Local" {
			d.problemAt(path, "unknown time zone %q (want a name such as Asia/Ho_Chi_Minh)", name)
			return
		}
		c.zones[name] = loc
	}

	if _, port, err := net.SplitHostPort(c.Listen); err != nil || !validPort(port) {
		d.problemAt("listen", "not a host:port address such as 127.0.0.1:8080: %q", c.Listen)
	}
	if d.set["base_url"] || c.BaseURL != "" {
		if u, ok := httpURL(c.BaseURL); !ok || u.RawQuery != "" || u.Fragment != "" {
			d.problemAt("base_url", "not an absolute http(s) URL without query: %q", c.BaseURL)
		}
		// Links are built as base_url + "/feeds/…".
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if d.set["tag_authority"] && !tagAuthority.MatchString(c.TagAuthority) {
		d.problemAt("tag_authority", "not a domain name or email address: %q", c.TagAuthority)
	}
	if c.DataDir == "" {
		d.problemAt("data_dir", "must not be empty")
	}
	if c.ItemsPerFeed < 1 || c.ItemsPerFeed > MaxItemsPerFeed {
		d.problemAt("items_per_feed", "must be between 1 and %d, got %d", MaxItemsPerFeed, c.ItemsPerFeed)
	}
	if c.MemoryLimitBytes != 0 && c.MemoryLimitBytes < MinMemoryLimit {
		d.problemAt("memory_limit_bytes", "must be 0 (no limit) or at least %d (16 MiB), got %d", MinMemoryLimit, c.MemoryLimitBytes)
	}
	loadZone("time_zone", c.TimeZone)
	validatePoll(&c.Poll, d)
	validatePublish(c, d)
	validateIdentity(c, d)
	validateRetention(c, d)

	sourceLines := map[string]int{}
	feedURLs := map[string]int{} // a feed's URL → the index of the first source polling it
	for i := range c.Sources {
		s := &c.Sources[i]
		p := fmt.Sprintf("sources[%d]", i)
		checkID(d, p+".id", s.ID, "source", sourceLines)
		s.Title = norm.NFC.String(s.Title)
		plainText(d, p+".title", s.Title)
		if !d.set[p+".url"] {
			d.problemAt(p+".url", "required")
		} else if _, ok := httpURL(s.URL); !ok {
			d.problemAt(p+".url", "not an absolute http(s) URL: %q", urlsafe.Redacted(s.URL))
		} else if !s.IsHTML() && !s.Disabled {
			// A block copied for a new outlet, its url left as it was:
			// the outlet is polled twice, and every story of it credited
			// to both ids. (Sources scraping one page may differ in
			// their selectors.)
			if first, dup := feedURLs[s.URL]; dup {
				c.notes = append(c.notes, Problem{Path: p + ".url", Line: d.line(p + ".url"),
					Message: fmt.Sprintf("the same feed as sources[%d] (%s, line %d): it is polled twice, and each of its stories credited to both ids", first, c.Sources[first].ID, d.line(fmt.Sprintf("sources[%d].url", first)))})
			} else {
				feedURLs[s.URL] = i
			}
		}
		switch s.Level {
		case "", LevelProvincial, LevelCentral:
		default:
			d.problemAt(p+".level", "want %s or %s, got %q", LevelProvincial, LevelCentral, s.Level)
		}
		if d.set[p+".language"] {
			if tag, ok := languageTag(s.Language); ok {
				s.Language = tag.String()
			} else {
				d.problemAt(p+".language", "not a language tag such as vi, en or hmn: %q", s.Language)
			}
		}
		if d.set[p+".interval"] {
			checkInterval(d, p+".interval", s.Interval, c.Poll)
		}
		if d.set[p+".time_zone"] {
			loadZone(p+".time_zone", s.TimeZone)
		}
		validateHTML(d, p, s)
	}

	categoryLines := map[string]int{}
	for i := range c.Categories {
		cat := &c.Categories[i]
		p := fmt.Sprintf("categories[%d]", i)
		checkID(d, p+".id", cat.ID, "category", categoryLines)
		if cat.ID == "all" {
			d.problemAt(p+".id", `"all" is reserved for the feed of every category`)
		}
		cat.Title = norm.NFC.String(cat.Title)
		cat.Description = norm.NFC.String(cat.Description)
		plainText(d, p+".title", cat.Title)
		plainText(d, p+".description", cat.Description)
		normalizeList(d, p+".keywords", cat.Keywords)
		normalizeList(d, p+".source_categories", cat.SourceCategories)
		for j, l := range cat.Languages {
			lp := fmt.Sprintf("%s.languages[%d]", p, j)
			tag, ok := languageTag(l)
			if !ok {
				d.problemAt(lp, "not a language tag such as vi, en or hmn: %q", l)
				continue
			}
			base, _ := tag.Base()
			if tag != language.Make(base.String()) {
				d.problemAt(lp, "categories match the primary language subtag only: write %q, not %q", base.String(), l)
				continue
			}
			cat.Languages[j] = base.String()
		}
	}

	// References are checked against every id written, valid or not, so
	// that one bad id is reported once rather than again at each use.
	for i, s := range c.Sources {
		for j, id := range s.Categories {
			if _, ok := categoryLines[id]; !ok {
				d.problemAt(fmt.Sprintf("sources[%d].categories[%d]", i, j), "unknown category %q", id)
			}
		}
	}
	for i, cat := range c.Categories {
		for j, id := range cat.Sources {
			if _, ok := sourceLines[id]; !ok {
				d.problemAt(fmt.Sprintf("categories[%d].sources[%d]", i, j), "unknown source %q", id)
			}
		}
	}
	switch _, known := categoryLines[c.DefaultCategory]; {
	case !d.set["default_category"]:
		d.problemAt("default_category", "required: the category for items that match no other")
	case !known:
		d.problemAt("default_category", "unknown category %q", c.DefaultCategory)
	}

	normalizeList(d, "filters.drop_title_prefixes", c.Filters.DropTitlePrefixes)
	normalizeList(d, "filters.drop_keywords", c.Filters.DropKeywords)
	normalizeList(d, "filters.drop_source_categories", c.Filters.DropSourceCategories)

	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		d.problemAt("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		d.problemAt("log.format", "want text or json, got %q", c.Log.Format)
	}
}

func validatePoll(p *Poll, d *decoder) {
	positive := func(path string, v Duration) bool {
		if v <= 0 {
			d.problemAt(path, "must be positive, got %s", v)
			return false
		}
		return true
	}
	okMin := positive("poll.min_interval", p.MinInterval)
	okMax := positive("poll.max_interval", p.MaxInterval)
	okInterval := positive("poll.interval", p.Interval)
	positive("poll.timeout", p.Timeout)
	switch {
	case okMin && okMax && p.MinInterval > p.MaxInterval:
		d.problemAt("poll.min_interval", "must not exceed max_interval (%s), got %s", p.MaxInterval, p.MinInterval)
	case okMin && okMax && okInterval:
		checkInterval(d, "poll.interval", p.Interval, *p)
	}
	if p.Concurrency < 1 {
		d.problemAt("poll.concurrency", "must be at least 1, got %d", p.Concurrency)
	}
	if p.PerHost < 1 {
		d.problemAt("poll.per_host", "must be at least 1, got %d", p.PerHost)
	}
	if p.HostGap < 0 {
		d.problemAt("poll.host_gap", "must not be negative, got %s", p.HostGap)
	}
	if p.MaxBodyBytes < 1 {
		d.problemAt("poll.max_body_bytes", "must be at least 1, got %d", p.MaxBodyBytes)
	}
	if p.MaxItems < 1 {
		d.problemAt("poll.max_items", "must be at least 1, got %d", p.MaxItems)
	}
	if p.CommitDelay < 0 || time.Duration(p.CommitDelay) > maxCommitDelay {
		d.problemAt("poll.commit_delay", "must be between 0s and %s, got %s", maxCommitDelay, p.CommitDelay)
	}
}

// checkInterval keeps a polling interval within poll's bounds, so that no
// source is polled more often than min_interval allows.
func checkInterval(d *decoder, path string, v Duration, p Poll) {
	switch {
	case v <= 0:
		d.problemAt(path, "must be positive, got %s", v)
	case v < p.MinInterval || v > p.MaxInterval:
		d.problemAt(path, "must be between poll.min_interval (%s) and poll.max_interval (%s), got %s", p.MinInterval, p.MaxInterval, v)
	}
}

// checkID checks a source or category id, which appears in URLs, and records
// the line of its first use in seen.
func checkID(d *decoder, path, id, kind string, seen map[string]int) {
	switch {
	case !d.set[path]:
		d.problemAt(path, "required")
		return
	case !idPattern.MatchString(id):
		d.problemAt(path, "%s id %q must be lower-case letters, digits and '-', starting with a letter or digit", kind, id)
	}
	if first, dup := seen[id]; dup {
		// An alias repeats the lines of its anchor: the problem is the
		// alias, at its own line.
		switch at, a := d.aliasOf(path); {
		case a == nil:
			d.problemAt(path, "duplicate %s id %q, first used at line %d", kind, id, first)
		case d.isBad(path):
		case at == path:
			d.addProblem(path, a.Line, "the alias *%s (line %d) gives the %s id %q of line %d again; give each %s its own id", a.Value, a.Line, kind, id, first, kind)
		default:
			d.addProblem(at, a.Line, "the alias *%s (line %d) repeats %s %q of line %d; give each %s its own entry with its own id", a.Value, a.Line, kind, id, first, kind)
		}
		return
	}
	seen[id] = d.line(path)
}

// normalizeList trims and NFC-normalises list in place, since text is matched
// in NFC and an admin may type decomposed Vietnamese; an empty entry would
// match everything or nothing, so it is refused.
func normalizeList(d *decoder, path string, list []string) {
	for i, s := range list {
		s = norm.NFC.String(strings.TrimSpace(s))
		if s == "" {
			d.problemAt(fmt.Sprintf("%s[%d]", path, i), "must not be empty")
		}
		list[i] = s
	}
}

// httpURL parses s as an absolute http or https URL with a host.
func httpURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// languageTag parses a BCP 47 tag with a known language, which excludes "und"
// and private-use tags such as "x-foo".
func languageTag(s string) (language.Tag, bool) {
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		return language.Und, false
	}
	if _, conf := tag.Base(); conf == language.No {
		return language.Und, false
	}
	return tag, true
}
