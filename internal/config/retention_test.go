package config

import (
	"strings"
	"testing"
	"time"
)

func TestDurationDays(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"2160h", 2160 * time.Hour, true},
		{"15m", 15 * time.Minute, true},
		{"0d", 0, true},
		{"-1d", 0, false},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"90 days", 0, false},
		{"1d-2h", 0, false},
		{"65535d", 65535 * 24 * time.Hour, true},
		{"65536d", 0, false},
		{"60000d2000000h", 0, false},
	}
	for _, tt := range tests {
		var d Duration
		err := d.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok || (tt.ok && d.D() != tt.want) {
			t.Errorf("UnmarshalText(%q) = %s, %v; want %s, ok %v", tt.in, d, err, tt.want, tt.ok)
		}
	}
}

func TestRetentionKeys(t *testing.T) {
	c, err := Parse([]byte(`
retention: {max_age: 90d, per_category: 5000, interval: 30m}
categories: [{id: thoi-su}]
default_category: thoi-su
`), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Retention{MaxAge: Duration(90 * 24 * time.Hour), PerCategory: 5000, Interval: Duration(30 * time.Minute)}
	if c.Retention != want || !c.Retention.Enabled() {
		t.Errorf("retention = %+v, want %+v, enabled", c.Retention, want)
	}
}

// TestRetentionNotes: retention settings that a valid config makes say
// other than they seem to are notes, naming both settings and their lines.
func TestRetentionNotes(t *testing.T) {
	base := "categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
	for _, tc := range []struct {
		name, yaml string
		want       []Problem // Message: what it contains
	}{
		{"off, with its other settings", base + "retention:\n  tombstone_age: 60d\n  interval: 2h\n", []Problem{
			{Path: "retention.tombstone_age", Line: 4, Message: "has no effect: retention is off (neither retention.max_age nor retention.per_category is set)"},
			{Path: "retention.interval", Line: 5, Message: "has no effect: retention is off"},
		}},
		{"runs less often than stories age", base + "identity: {window: 24h}\nretention:\n  max_age: 7d\n  interval: 10d\n", []Problem{
			{Path: "retention.interval", Line: 6, Message: "10d is longer than retention.max_age (7d, line 5): retention runs less often than stories come of age, and keeps a story for up to 17d; run it at most every 7d"},
		}},
		{"deletes stories other outlets still join", base + "retention: {max_age: 2d}\n", []Problem{
			{Path: "retention.max_age", Line: 3, Message: "2d is shorter than identity.window (3d, the default): a story is deleted while other outlets' items on it may still join it, and those are then stored as a new story"},
		}},
		{"window written", base + "identity:\n  window: 5d\nretention: {max_age: 4d, per_category: 100}\n", []Problem{
			{Path: "retention.max_age", Line: 5, Message: "4d is shorter than identity.window (5d, line 4)"},
		}},
		{"no join, no window", base + "identity: {join: false}\nretention: {max_age: 1d}\n", nil},
		{"nothing to say", base + "retention: {max_age: 90d, per_category: 500, tombstone_age: 180d, interval: 30m}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "config.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := c.Notes()
			if len(got) != len(tc.want) {
				t.Fatalf("notes %v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if got[i].Path != w.Path || got[i].Line != w.Line || !strings.Contains(got[i].Message, w.Message) {
					t.Errorf("note %s, want %s @%d containing %q", got[i], w.Path, w.Line, w.Message)
				}
			}
		})
	}
}
