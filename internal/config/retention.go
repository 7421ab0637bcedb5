package config

import (
	"fmt"
	"time"
)

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
	switch {
	case r.PerCategory < 0:
		d.problemAt("retention.per_category", "must be 0 (no limit) or at least items_per_feed (%d), got %d", c.ItemsPerFeed, r.PerCategory)
	case r.PerCategory > 0 && r.PerCategory < c.ItemsPerFeed:
		// Each feed shows the newest items_per_feed stories of its
		// category: it would never have that many.
		d.problemAt("retention.per_category", "keeps %d stories in each category, fewer than %s has each feed show, so its feeds could never show %d: set per_category to 0 (no limit) or at least %d, or lower items_per_feed to %d",
			r.PerCategory, d.setting("items_per_feed", c.ItemsPerFeed), c.ItemsPerFeed, c.ItemsPerFeed, r.PerCategory)
	}
	switch {
	case r.TombstoneAge < 0:
		d.problemAt("retention.tombstone_age", "must be 0 (the default) or at least max_age (%s), got %s", r.MaxAge, r.TombstoneAge)
	case r.TombstoneAge > 0 && r.TombstoneAge < r.MaxAge:
		d.problemAt("retention.tombstone_age", "remembers the GUIDs and links of deleted stories for %s, less than %s keeps the stories, so an outlet that still lists an item would bring it back: set tombstone_age to 0 (the default: twice max_age, at least 30d) or at least %s",
			r.TombstoneAge, d.setting("retention.max_age", r.MaxAge), r.MaxAge)
	}
	if r.Interval.D() < minRetentionInterval {
		d.problemAt("retention.interval", "must be at least %s, got %s", Duration(minRetentionInterval), r.Interval)
	}
	retentionNotes(c, d)
}

// retentionNotes notes the retention settings that a valid config makes
// say other than they seem to.
func retentionNotes(c *Config, d *decoder) {
	r := c.Retention
	note := func(path, format string, args ...any) {
		if d.isBad(path) {
			return
		}
		c.notes = append(c.notes, Problem{Path: path, Line: d.line(path), Message: fmt.Sprintf(format, args...)})
	}
	if !r.Enabled() {
		for _, path := range []string{"retention.tombstone_age", "retention.interval"} {
			if d.set[path] {
				note(path, "has no effect: retention is off (neither retention.max_age nor retention.per_category is set), and deletes nothing")
			}
		}
		return
	}
	if r.MaxAge > 0 && r.Interval > r.MaxAge {
		note("retention.interval", "%s is longer than %s: retention runs less often than stories come of age, and keeps a story for up to %s; run it at most every %s",
			r.Interval, d.setting("retention.max_age", r.MaxAge), r.MaxAge+r.Interval, r.MaxAge)
	}
	if r.MaxAge > 0 && c.Identity.Join && c.Identity.Window > r.MaxAge {
		note("retention.max_age", "%s is shorter than %s: a story is deleted while other outlets' items on it may still join it, and those are then stored as a new story; keep max_age at least %s, or shorten the window",
			r.MaxAge, d.setting("identity.window", c.Identity.Window), c.Identity.Window)
	}
}
