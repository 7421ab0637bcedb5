// Package heapfloor keeps the Go collector's heap goal from falling below a
// floor.
//
// With GOGC=100 a collection starts when the heap has grown to twice what
// the last one left live, and never below 4 MiB. A daemon whose live heap
// is a few MiB of tables and templates, serving cached bytes at tens of
// thousands of requests a second, then collects a thousand times a minute
// and marks the same few MiB each time: on newswire's busiest path that was
// several per cent of the CPU, for a heap that never grew. Past a floor of
// some MiB the goal is GOGC=100's own, so a large heap (10,000 sources) is
// collected exactly as before, and a memory limit (GOMEMLIMIT,
// memory_limit_bytes) still bounds everything.
//
// After each collection, Start's hook sets GOGC so that the next collection
// starts when the heap reaches the larger of the floor and twice the live
// heap. The hook is the cleanup of a sentinel object, which the runtime runs
// after each cycle that found the sentinel unreachable.
package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultFloor is the heap goal newswire keeps at least.
const DefaultFloor = 16 << 20

// basePercent is GOGC's default, which the floor never goes below.
const basePercent = 100

var (
	mu      sync.Mutex
	floor   atomic.Uint64 // 0: stopped
	percent atomic.Int64  // GOGC as last set; 0 before Start
	round   atomic.Uint64 // Start's call count: a hook of an earlier Start stops
	hooks   atomic.Uint64 // hooks run, for tests to wait on
)

// sentinel is garbage whose cleanup runs once a collection has found it
// unreachable, that is after each cycle. It is larger than the tiny
// allocator's blocks, whose cleanups may never run.
type sentinel struct{ _ [32]byte }

// Start keeps the heap goal at least bytes, until Stop. It replaces a floor
// set before.
func Start(bytes uint64) {
	mu.Lock()
	defer mu.Unlock()
	floor.Store(bytes)
	r := round.Add(1)
	adjust()
	arm(r)
}

// Stop ends the floor and sets GOGC back to 100.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	floor.Store(0)
	round.Add(1)
	percent.Store(0)
	debug.SetGCPercent(basePercent)
}

// Percent is the GOGC the floor last set, 0 when it is not running.
func Percent() int { return int(percent.Load()) }

func arm(r uint64) {
	runtime.AddCleanup(new(sentinel), onCollected, r)
}

// onCollected runs in the cleanup goroutine after a collection.
func onCollected(r uint64) {
	mu.Lock()
	defer mu.Unlock()
	if r != round.Load() || floor.Load() == 0 {
		return
	}
	adjust()
	arm(r)
	hooks.Add(1)
}

var samples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/gc/scan/globals:bytes"},
	{Name: "/gc/scan/stack:bytes"},
}

// adjust sets GOGC from what the last collection left. The caller holds mu.
func adjust() {
	metrics.Read(samples)
	var v [3]uint64
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	p := goal(floor.Load(), v[0], v[0]+v[1]+v[2])
	if int64(p) != percent.Load() {
		debug.SetGCPercent(p)
		percent.Store(int64(p))
	}
}

// heapMinimum is the runtime's least heap goal at GOGC=100, which it scales
// with GOGC.
const heapMinimum = 4 << 20

// goal is the GOGC at which the collector's heap goal reaches floor; never
// less than GOGC's default. The runtime's goal is the larger of
// live + roots*GOGC/100 (roots: the live heap, globals and stacks) and
// heapMinimum*GOGC/100.
func goal(floor, live, roots uint64) int {
	if roots == 0 || floor <= live+roots*basePercent/100 {
		return basePercent
	}
	p := min((floor-live)*100/roots, floor*100/heapMinimum)
	return int(max(p, basePercent))
}
