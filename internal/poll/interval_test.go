package poll

import (
	"testing"
	"time"

	"newswire/feeds"
)

func TestPublishRhythm(t *testing.T) {
	at := func(minutesAgo ...int) []feeds.Item {
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		items := make([]feeds.Item, len(minutesAgo))
		for i, m := range minutesAgo {
			if m >= 0 {
				items[i].Published = now.Add(-time.Duration(m) * time.Minute)
			}
		}
		return items
	}
	tests := []struct {
		name    string
		items   []feeds.Item
		prevGap time.Duration
		wantGap time.Duration
	}{
		{"every 30 minutes", at(0, 30, 60, 90, 120), 0, 30 * time.Minute},
		{"document order does not matter", at(60, 0, 120, 30, 90), 0, 30 * time.Minute},
		{"median, not mean: one long silence", at(0, 10, 20, 30, 600), 0, 10 * time.Minute},
		{"too few dates keep the old gap", at(0, 30), time.Hour, time.Hour},
		{"undated items are ignored", at(0, -1, 20, -1, 40), 0, 20 * time.Minute},
		{"one timestamp for all tells nothing", at(5, 5, 5, 5), time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gap, _ := publishRhythm(tt.items, tt.prevGap, time.Time{})
			if gap != tt.wantGap {
				t.Fatalf("gap = %s, want %s", gap, tt.wantGap)
			}
		})
	}
}

func TestAdaptiveInterval(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		gap    time.Duration
		newest time.Time
		want   time.Duration
	}{
		{"half the gap", 30 * time.Minute, now.Add(-5 * time.Minute), 15 * time.Minute},
		{"a quiet source is asked less", 30 * time.Minute, now.Add(-4 * time.Hour), 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := adaptive(tt.gap, tt.newest, now); got != tt.want {
				t.Fatalf("adaptive = %s, want %s", got, tt.want)
			}
		})
	}
}
