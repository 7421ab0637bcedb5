// Package config loads, validates and describes newswire's config.yaml.
//
// It owns the file format and every rule about what a valid config is; it does
// not watch the file or apply a config to the running daemon. A Config is a
// plain value, loaded once and passed down.
//
// Load and Parse report every problem of a config at once, each with its field
// path and line (see Error), so that an admin can fix a bad edit in one pass.
// A Config they return has its defaults filled in, its keyword lists NFC
// normalised and its data_dir made absolute against the config file's folder.
// README.md lists every key.
package config

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is a validated config.yaml.
type Config struct {
	Listen          string     `yaml:"listen"`
	BaseURL         string     `yaml:"base_url"`
	DataDir         string     `yaml:"data_dir"`
	TagAuthority    string     `yaml:"tag_authority"` // authority of story tag: URIs; defaults to the store's (Authority)
	ItemsPerFeed    int        `yaml:"items_per_feed"`
	TimeZone        string     `yaml:"time_zone"` // default zone for outlet dates without one
	Poll            Poll       `yaml:"poll"`
	Sources         []Source   `yaml:"sources"`
	Categories      []Category `yaml:"categories"`
	DefaultCategory string     `yaml:"default_category"`
	Filters         Filters    `yaml:"filters"`
	Log             Log        `yaml:"log"`
	Identity        Identity   `yaml:"identity"` // one story across outlets (identity.go)
	// Republishing: HTTP caching, WebSub, partners (publish.go).
	CacheMaxAge Duration  `yaml:"cache_max_age"`
	WebSub      WebSub    `yaml:"websub"`
	Partners    []Partner `yaml:"partners"`
	// AdminToken lets admin endpoints (/api/backup, /api/export, …) answer
	// beyond loopback, to "Authorization: Bearer TOKEN"; empty: loopback only.
	AdminToken string    `yaml:"admin_token"`
	RateLimit  RateLimit `yaml:"rate_limit"`
	Retention  Retention `yaml:"retention"` // how long stories are kept (retention.go)
	// MemoryLimitBytes is the Go runtime's soft memory limit (0: none): near
	// it, the garbage collector works harder instead of growing the heap.
	// The GOMEMLIMIT environment variable, when set, wins.
	MemoryLimitBytes int64 `yaml:"memory_limit_bytes"`

	// PublishedAuthority is not a key of the file: it is the authority the
	// store records its story ids were published under, which the daemon
	// and the commands set from the store. Without tag_authority, it names
	// the stories whatever base_url becomes (Authority).
	PublishedAuthority string
	// DigestKey is not a key of the file either: the install's own key
	// (data_dir/newswire.key) that the digests of secrets in Redacted are
	// keyed with, so that a digest in a log line or on /api/config cannot
	// be matched against guessed passwords without it; and the keys in
	// the WebSub callbacks.
	DigestKey []byte `json:"-"`

	listenLine int       // the line of listen in the file, for ListenProblem
	notes      []Problem // see Notes
	// file, dataDirLine and dataDirWritten say where data_dir is set and
	// how, for DataDirAt.
	file           string
	dataDirLine    int
	dataDirWritten string

	// zones holds every time zone the config names, loaded once by Parse.
	zones map[string]*time.Location
}

// Poll holds the polling defaults.
type Poll struct {
	Interval     Duration `yaml:"interval"`
	MinInterval  Duration `yaml:"min_interval"`
	MaxInterval  Duration `yaml:"max_interval"`
	Timeout      Duration `yaml:"timeout"`
	Concurrency  int      `yaml:"concurrency"`
	PerHost      int      `yaml:"per_host"`
	HostGap      Duration `yaml:"host_gap"` // least time between two requests to one host
	MaxBodyBytes int64    `yaml:"max_body_bytes"`
	MaxItems     int      `yaml:"max_items"` // items taken from one document per poll
	// CommitDelay is how long a poll that brought a small document waits
	// for others to store theirs in the same transaction (store.SetCommitDelay).
	CommitDelay Duration `yaml:"commit_delay"`
}

// Source is one outlet feed.
type Source struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	URL        string   `yaml:"url"`
	Level      string   `yaml:"level"` // LevelProvincial | LevelCentral, or empty
	Language   string   `yaml:"language"`
	Categories []string `yaml:"categories"`
	Interval   Duration `yaml:"interval"`  // overrides poll.interval when set
	TimeZone   string   `yaml:"time_zone"` // overrides time_zone when set
	Disabled   bool     `yaml:"disabled"`
	Join       bool     `yaml:"join"` // its items may join other outlets' stories by text; default true
	Type       string   `yaml:"type"` // SourceFeed (also when empty) | SourceHTML
	HTML       HTML     `yaml:"html"` // where the items are on the page, for type html
}

// Category is one merged feed and the rules that route items into it.
type Category struct {
	ID               string   `yaml:"id"`
	Title            string   `yaml:"title"`
	Description      string   `yaml:"description"`
	Keywords         []string `yaml:"keywords"`
	SourceCategories []string `yaml:"source_categories"`
	Languages        []string `yaml:"languages"`
	Sources          []string `yaml:"sources"`
	PartnersOnly     bool     `yaml:"partners_only"` // its feeds need a partner's token
}

// Filters drop items before they are stored.
type Filters struct {
	DropTitlePrefixes    []string `yaml:"drop_title_prefixes"`
	DropKeywords         []string `yaml:"drop_keywords"`
	DropSourceCategories []string `yaml:"drop_source_categories"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // text | json
}

// Duration is a time.Duration written as "15m", "6h", "90s" in YAML.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Source levels: who publishes the outlet.
const (
	LevelProvincial = "provincial"
	LevelCentral    = "central"
)

// MinMemoryLimit is the smallest memory_limit_bytes a config may set: below
// it the collector would run without pause.
const MinMemoryLimit = 16 << 20

// MaxItemsPerFeed is the largest items_per_feed a config may ask for.
const MaxItemsPerFeed = 1000

// DefaultTimeZone is the zone of outlet dates when neither the source nor the
// config names one.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// Source returns the source with the given id.
func (c *Config) Source(id string) (Source, bool) {
	for _, s := range c.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return Source{}, false
}

// Category returns the category with the given id.
func (c *Config) Category(id string) (Category, bool) {
	for _, cat := range c.Categories {
		if cat.ID == id {
			return cat, true
		}
	}
	return Category{}, false
}

// Location is the zone in which s writes dates that carry none: the source's
// time_zone, else the config's, else Asia/Ho_Chi_Minh.
func (c *Config) Location(s Source) *time.Location {
	for _, name := range []string{s.TimeZone, c.TimeZone, DefaultTimeZone} {
		if name == "" {
			continue
		}
		if loc, ok := c.zones[name]; ok {
			return loc
		}
		// A Config built in code rather than parsed has no zone cache.
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	// Vietnam has kept UTC+7 without daylight saving since 1975.
	return time.FixedZone("ICT", 7*60*60)
}

// Authority is the authority of story tag: URIs: tag_authority, else the
// one the store published its ids under (PublishedAuthority), else, for a
// store that has published none, the host of base_url without its port.
func (c *Config) Authority() string {
	if c.TagAuthority != "" {
		return c.TagAuthority
	}
	if c.PublishedAuthority != "" {
		return c.PublishedAuthority
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Notes are what looks like a mistake in a valid config without being one
// for certain: two sources polling the same feed (a block copied for a new
// outlet with its url left as it was; sources scraping one page with other
// selectors are not counted). check-config prints them, and the daemon logs
// them at its start and at each reload.
func (c *Config) Notes() []Problem { return c.notes }

// CarryOver makes c, a config about to replace running in a reload, keep
// what a reload keeps: a base_url derived from a new listen follows it only
// at the restart (the feeds' links would point where nothing listens yet),
// and story ids go on under the authority running published them under,
// unless tag_authority says otherwise. The reload and check-config -diff
// both call it, so that -diff lists what a reload does.
func (c *Config) CarryOver(running *Config) {
	if c.Listen != running.Listen && c.BaseURL == DefaultBaseURL(c.Listen) {
		c.BaseURL = running.BaseURL
	}
	c.PublishedAuthority = running.PublishedAuthority
}

// AuthorityChange says that every story id changes from authority from to
// authority to.
func AuthorityChange(from, to string) string {
	return fmt.Sprintf("story ids change from tag:%s,2026:story/… to tag:%s,2026:story/…: partners will get every story again", from, to)
}

// DataDirAt names data_dir and where the config sets it, for a message
// about the folder: `data_dir "/srv/newswire" (config.yaml line 3)`; a
// relative one with the folder it stands for, the default as such.
func (c *Config) DataDirAt() string {
	file := c.file
	if file == "" {
		file = "the config"
	}
	switch {
	case c.dataDirLine == 0 && c.dataDirWritten != "":
		return fmt.Sprintf("data_dir %q (the default %s: %s does not set it)", c.DataDir, c.dataDirWritten, file)
	case c.dataDirLine == 0:
		return fmt.Sprintf("data_dir %q", c.DataDir)
	case c.dataDirWritten != c.DataDir:
		return fmt.Sprintf("data_dir %q (%s line %d: %q)", c.DataDir, file, c.dataDirLine, c.dataDirWritten)
	}
	return fmt.Sprintf("data_dir %q (%s line %d)", c.DataDir, file, c.dataDirLine)
}

// DataDirLine is the line that sets data_dir; 0 when the file does not.
func (c *Config) DataDirLine() int { return c.dataDirLine }

// SourceInterval is how often s is polled when all is well: its own interval,
// else poll.interval.
func (c *Config) SourceInterval(s Source) time.Duration {
	if s.Interval > 0 {
		return s.Interval.D()
	}
	return c.Poll.Interval.D()
}

// String writes d the way config.yaml does: "15m", "6h", "1h30m", "90s".
func (d Duration) String() string {
	const day = 24 * time.Hour
	if days := time.Duration(d) / day; days > 0 && days <= math.MaxUint16 {
		// (Longer ones, which UnmarshalText reads in hours only, are
		// written in hours.)
		// As the admin writes it: "30d", "1d12h".
		if rest := time.Duration(d) % day; rest != 0 {
			return fmt.Sprintf("%dd%s", days, Duration(rest))
		}
		return fmt.Sprintf("%dd", days)
	}
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2] // "15m0s" → "15m", "6h0m0s" → "6h0m"
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2] // "6h0m" → "6h"
	}
	return s
}

// MarshalText writes d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration ("15m", "6h", "1h30m", "90s"), which may
// start with whole days: "90d", "1d12h". A day is 24 hours.
func (d *Duration) UnmarshalText(text []byte) error {
	s := string(text)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		// At most 65,535 days (179 years) keeps the sum within time.Duration.
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return fmt.Errorf("want a duration such as 90s, 15m, 6h or 90d, got %q", text)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			*d = Duration(days)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || (days > 0 && v < 0) || v > math.MaxInt64-days {
		return fmt.Errorf("want a duration such as 90s, 15m, 6h or 90d, got %q", text)
	}
	*d = Duration(days + v)
	return nil
}
