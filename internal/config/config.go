// Package config loads, validates and describes newswire's config.yaml.
//
// It owns the file format and every rule about what a valid config is; it does
// not watch the file or apply a config to the running daemon. A Config is a
// plain value, loaded once and passed down.
package config

import "time"

// Config is a validated config.yaml.
type Config struct {
	Listen          string     `yaml:"listen"`
	BaseURL         string     `yaml:"base_url"`
	DataDir         string     `yaml:"data_dir"`
	TagAuthority    string     `yaml:"tag_authority"` // authority of story tag: URIs; defaults to base_url's host
	ItemsPerFeed    int        `yaml:"items_per_feed"`
	TimeZone        string     `yaml:"time_zone"` // default zone for outlet dates without one
	Poll            Poll       `yaml:"poll"`
	Sources         []Source   `yaml:"sources"`
	Categories      []Category `yaml:"categories"`
	DefaultCategory string     `yaml:"default_category"`
	Filters         Filters    `yaml:"filters"`
	Log             Log        `yaml:"log"`
}

// Poll holds the polling defaults.
type Poll struct {
	Interval     Duration `yaml:"interval"`
	MinInterval  Duration `yaml:"min_interval"`
	MaxInterval  Duration `yaml:"max_interval"`
	Timeout      Duration `yaml:"timeout"`
	Concurrency  int      `yaml:"concurrency"`
	PerHost      int      `yaml:"per_host"`
	MaxBodyBytes int64    `yaml:"max_body_bytes"`
	MaxItems     int      `yaml:"max_items"` // items taken from one document per poll
}

// Source is one outlet feed.
type Source struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	URL        string   `yaml:"url"`
	Level      string   `yaml:"level"` // provincial | central
	Language   string   `yaml:"language"`
	Categories []string `yaml:"categories"`
	Interval   Duration `yaml:"interval"`  // overrides poll.interval when set
	TimeZone   string   `yaml:"time_zone"` // overrides time_zone when set
	Disabled   bool     `yaml:"disabled"`
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
