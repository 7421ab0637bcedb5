package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkGroupedApply stores one-item documents of new stories, as a
// poller finding a burst of changed feeds does: each operation is 8
// documents of 8 sources applied at once, into a store of 20,000
// fingerprinted stories, with fsync on. "alone" commits each document in a
// transaction of its own, as Apply did before groups; "grouped" lets those
// that wait share one. cpu-µs/doc is the process's CPU time (getrusage) per
// document; docs/commit how many documents a transaction held.
//
//	go test -run '^$' -bench GroupedApply -benchtime 200x -count 3 ./store
func BenchmarkGroupedApply(b *testing.B) {
	const stored, workers = 20_000, 8
	s := newSynth()
	for _, mode := range []struct {
		name  string
		limit int
	}{{"alone", 1}, {"grouped", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			st := openTestStore(b, filepath.Join(b.TempDir(), "newswire.db"), Options{})
			fill(b, st, s, stored)
			st.applies.limit = mode.limit
			tx0, cpu0 := st.txID(), processCPU()
			next, docs := stored, 0
			for b.Loop() {
				var wg sync.WaitGroup
				for w := range workers {
					in := s.item(next + w)
					wg.Go(func() {
						if res, err := st.Apply(fmt.Sprintf("tinh-%d", w), []Incoming{in}, in.Item.Published); err != nil || res.New+res.Joined != 1 {
							b.Errorf("Apply: %+v, %v", res, err)
						}
					})
				}
				wg.Wait()
				next += workers
				docs += workers
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(docs), "cpu-µs/doc")
			b.ReportMetric(float64(docs)/float64(st.txID()-tx0), "docs/commit")
		})
	}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
