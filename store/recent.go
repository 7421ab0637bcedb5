package store

import (
	"math"
	"time"
)

// Recent counts a source's new items per hour over the last day and per day
// over the last week, so that the status page can say how many came in the
// last 24 hours and 7 days without reading a single story. It is a fixed 31
// numbers whatever the source publishes. Hours and days are UTC. The counts
// are 32 bits: every source's state is held in memory, and with 10,000
// sources 64-bit counts took its size past the allocator's 896-byte class,
// 1.3 MB more in all.
type Recent struct {
	Hour  int64     `json:"hour"`  // unix hour of Hours[0], the newest
	Hours [24]int32 `json:"hours"` // Hours[i] counts the items of hour Hour-i
	Day   int64     `json:"day"`   // unix day of Days[0], the newest
	Days  [7]int32  `json:"days"`  // Days[i] counts the items of day Day-i
}

// Add counts n items that came in at t. A t older than the counters' newest
// hour or day still counts in the bucket it falls in, if that is kept.
func (r *Recent) Add(t time.Time, n int) {
	if n <= 0 {
		return
	}
	c := int32(min(n, math.MaxInt32))
	h, d := unixHour(t), unixHour(t)/24
	r.Hour = shift(r.Hours[:], r.Hour, h)
	r.Day = shift(r.Days[:], r.Day, d)
	if i := r.Hour - h; i >= 0 && i < int64(len(r.Hours)) {
		r.Hours[i] = addSaturated(r.Hours[i], c)
	}
	if i := r.Day - d; i >= 0 && i < int64(len(r.Days)) {
		r.Days[i] = addSaturated(r.Days[i], c)
	}
}

// Last24h counts the items of the hour of now and the 23 before it.
func (r Recent) Last24h(now time.Time) int { return sumSince(r.Hours[:], r.Hour, unixHour(now)) }

// Last7d counts the items of the day of now and the 6 before it.
func (r Recent) Last7d(now time.Time) int { return sumSince(r.Days[:], r.Day, unixHour(now)/24) }

func unixHour(t time.Time) int64 { return t.Unix() / 3600 }

// shift moves the buckets of a ring whose newest is at 'at' so that the
// newest is at 'to', clearing the ones that come free; it never moves back.
func shift(b []int32, at, to int64) int64 {
	if to <= at {
		return at
	}
	n := to - at
	if n >= int64(len(b)) {
		clear(b)
		return to
	}
	copy(b[n:], b[:int64(len(b))-n])
	clear(b[:n])
	return to
}

// sumSince sums the buckets that still fall in the window ending at now.
func sumSince(b []int32, at, now int64) int {
	skip := now - at
	if skip < 0 {
		skip = 0 // counted ahead of now (a clock set back): count it all
	}
	total := 0
	for i := int64(0); i+skip < int64(len(b)); i++ {
		total += int(b[i])
	}
	return total
}

// addSaturated is a+c, stopping at the largest count rather than wrapping.
func addSaturated(a, c int32) int32 {
	if a > math.MaxInt32-c {
		return math.MaxInt32
	}
	return a + c
}
