package config

import "time"

// Retention says how long stories are kept (store.Prune). With neither
// max_age nor per_category set nothing is ever deleted: removing stories is
// irreversible, so it is the admin's choice, never a default.
type Retention struct {
	MaxAge      Duration `yaml:"max_age"`      // delete stories older than this (by publication time); 0 = keep
	PerCategory int      `yaml:"per_category"` // keep the newest N of each category; 0 = no limit
	// TombstoneAge is how long the GUIDs and links of deleted stories are
	// remembered, so that an outlet still listing an old item does not
	// bring it back; 0 = twice max_age, at least 30 days.
	TombstoneAge Duration `yaml:"tombstone_age"`
	Interval     Duration `yaml:"interval"` // how often retention runs
}

const (
	defaultRetentionInterval = time.Hour
	// minMaxAge guards against a unit slip (max_age: 90m for 90d) deleting
	// the archive.
	minMaxAge            = 24 * time.Hour
	minRetentionInterval = time.Minute
)

// Enabled reports whether retention deletes anything.
func (r Retention) Enabled() bool { return r.MaxAge > 0 || r.PerCategory > 0 }

func applyRetentionDefaults(c *Config, d *decoder) {
	if !d.set["retention.interval"] || d.isBad("retention.interval") {
		c.Retention.Interval = Duration(defaultRetentionInterval)
	}
}

func validateRetention(c *Config, d *decoder) {
	r := c.Retention
	if r.MaxAge < 0 || (r.MaxAge > 0 && r.MaxAge.D() < minMaxAge) {
		d.problemAt("retention.max_age", "must be 0 (keep every story) or at least %s, got %s", Duration(minMaxAge), r.MaxAge)
	}
	if r.PerCategory < 0 || (r.PerCategory > 0 && r.PerCategory < c.ItemsPerFeed) {
		d.problemAt("retention.per_category", "must be 0 (no limit) or at least items_per_feed (%d), got %d", c.ItemsPerFeed, r.PerCategory)
	}
	if r.TombstoneAge < 0 || (r.TombstoneAge > 0 && r.TombstoneAge < r.MaxAge) {
		d.problemAt("retention.tombstone_age", "must be 0 (the default) or at least max_age (%s), got %s", r.MaxAge, r.TombstoneAge)
	}
	if r.Interval.D() < minRetentionInterval {
		d.problemAt("retention.interval", "must be at least %s, got %s", Duration(minRetentionInterval), r.Interval)
	}
}
