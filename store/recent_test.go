package store

import (
	"encoding/json"
	"math"
	"testing"
	"time"
	"unsafe"
)

func TestRecent(t *testing.T) {
	base := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	type add struct {
		ago time.Duration
		n   int
	}
	tests := []struct {
		name          string
		adds          []add // in this order, each at base-ago
		readAfter     time.Duration
		want24, want7 int
	}{
		{"none", nil, 0, 0, 0},
		{"this hour", []add{{0, 3}}, 0, 3, 3},
		{"23 hours ago counts in the day", []add{{23 * time.Hour, 2}, {0, 1}}, 0, 3, 3},
		{"25 hours ago counts in the week only", []add{{25 * time.Hour, 2}, {0, 1}}, 0, 1, 3},
		{"six days ago counts, eight do not", []add{{8 * 24 * time.Hour, 9}, {6 * 24 * time.Hour, 4}, {0, 1}}, 0, 1, 5},
		{"read two days later", []add{{0, 5}}, 48 * time.Hour, 0, 5},
		{"read eight days later", []add{{0, 5}}, 8 * 24 * time.Hour, 0, 0},
		{"an older poll after a newer one", []add{{0, 1}, {2 * time.Hour, 2}}, 0, 3, 3},
		{"nothing new adds nothing", []add{{0, 0}, {time.Hour, -1}}, 0, 0, 0},
		{"counts stop at the largest", []add{{0, math.MaxInt32 - 1}, {0, 5}, {0, math.MaxInt}}, 0, math.MaxInt32, math.MaxInt32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Recent
			for _, a := range tt.adds {
				r.Add(base.Add(-a.ago), a.n)
			}
			// Through JSON, as the store keeps it.
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back Recent
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			now := base.Add(tt.readAfter)
			if got24, got7 := back.Last24h(now), back.Last7d(now); got24 != tt.want24 || got7 != tt.want7 {
				t.Errorf("Last24h, Last7d = %d, %d; want %d, %d", got24, got7, tt.want24, tt.want7)
			}
		})
	}
}

// Every source's state is held in memory: with 10,000 sources each step of
// the allocator's size classes past 896 bytes costs 1.3 MB. A field added to
// SourceState that crosses it should be a choice, not an accident.
func TestSourceStateSize(t *testing.T) {
	if n := unsafe.Sizeof(SourceState{}); n > 896 {
		t.Errorf("SourceState takes %d bytes, past the 896-byte size class", n)
	}
}
