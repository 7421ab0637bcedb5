package config

import (
	"strings"
	"testing"
	"time"
)

func TestIdentity(t *testing.T) {
	base := `default_category: thoi-su
categories: [{id: thoi-su}]
sources:
  - {id: a, url: "https://a.example/rss"}
  - {id: b, url: "https://b.example/rss", join: false}
`
	tests := []struct {
		name, extra string
		join        bool
		window      time.Duration
		joinsA      bool
		problem     string
	}{
		{"defaults", "", true, 72 * time.Hour, true, ""},
		{"off globally", "identity: {join: false}\n", false, 72 * time.Hour, false, ""},
		{"window", "identity: {window: 24h}\n", true, 24 * time.Hour, true, ""},
		{"zero window", "identity: {window: 0s}\n", true, 0, true, "identity.window: must be positive"},
		{"unknown key", "identity: {joins: true}\n", true, 72 * time.Hour, true, `identity.joins: unknown key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(base+tt.extra), "config.yaml")
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("err = %v, want %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Identity.Join != tt.join || c.Identity.Window.D() != tt.window {
				t.Errorf("identity = %+v", c.Identity)
			}
			a, _ := c.Source("a")
			b, _ := c.Source("b")
			if c.Joins(a) != tt.joinsA || c.Joins(b) {
				t.Errorf("Joins(a) = %v, Joins(b) = %v; want %v, false", c.Joins(a), c.Joins(b), tt.joinsA)
			}
		})
	}
}
