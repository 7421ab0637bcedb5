package config

import (
	"fmt"
	"time"
)

// Identity configures finding one story carried by several outlets under
// different links, by its text (package story). Links and GUIDs join items
// whatever it says.
type Identity struct {
	Join   bool     `yaml:"join"`   // join items of different outlets by their text
	Window Duration `yaml:"window"` // how far apart two outlets' publication times may be
}

const defaultJoinWindow = 72 * time.Hour

// Joins reports whether items of s are joined by their text to stories of
// other outlets, and found by theirs: identity.join and the source's join.
func (c *Config) Joins(s Source) bool { return c.Identity.Join && s.Join }

// applyIdentityDefaults turns joining on unless the file turns it off,
// globally or for a source.
func applyIdentityDefaults(c *Config, d *decoder) {
	absent := func(path string) bool { return !d.set[path] || d.isBad(path) }
	if absent("identity.join") {
		c.Identity.Join = true
	}
	if absent("identity.window") {
		c.Identity.Window = Duration(defaultJoinWindow)
	}
	for i := range c.Sources {
		if absent(fmt.Sprintf("sources[%d].join", i)) {
			c.Sources[i].Join = true
		}
	}
}

func validateIdentity(c *Config, d *decoder) {
	if c.Identity.Window <= 0 {
		d.problemAt("identity.window", "must be positive, got %s", c.Identity.Window)
	}
}
