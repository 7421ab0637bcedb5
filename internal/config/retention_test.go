package config

import (
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
