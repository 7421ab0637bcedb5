package heapfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGoal(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		floor, headroom, live, roots uint64
		want                         int
	}{
		{16 * mib, 0, 2 * mib, 2 * mib, 400},           // the scaled minimum, 4 MiB * 4, is the floor
		{16 * mib, 0, 4 * mib, 5 * mib, 240},           // 4 + 5 * 2.4 = 16
		{16 * mib, 0, 5 * mib, 5 * mib, 220},           // 5 + 5 * 2.2 = 16
		{16 * mib, 0, 8 * mib, 8 * mib, 100},           // twice the live heap reaches the floor
		{16 * mib, 0, 50 * mib, 51 * mib, 100},         // a large heap: GOGC's own goal
		{16 * mib, 0, 0, 0, 100},                       // nothing known yet
		{64 * mib, 0, 1, 1, 1600},                      // 4 MiB * 16
		{16 * mib, 32 * mib, 2 * mib, 2 * mib, 400},    // a small heap: the floor, as without a headroom
		{16 * mib, 32 * mib, 20 * mib, 21 * mib, 100},  // doubling stays within the headroom
		{16 * mib, 32 * mib, 32 * mib, 32 * mib, 100},  // doubling reaches it
		{16 * mib, 32 * mib, 40 * mib, 41 * mib, 78},   // 40 + 41 * 0.78 = 72, the live heap and 32
		{16 * mib, 32 * mib, 200 * mib, 201 * mib, 50}, // a heap far past it: GOGC 50 at least
		{16 * mib, 32 * mib, 0, 0, 100},                // nothing known yet
	} {
		if got := goal(tt.floor, tt.headroom, tt.live, tt.roots); got != tt.want {
			t.Errorf("goal(%d, %d, %d, %d) = %d, want %d", tt.floor, tt.headroom, tt.live, tt.roots, got, tt.want)
		}
	}
}

var sink []byte

// collect runs a collection and waits for the hook that follows it: the
// cleanup goroutine runs hooks when it is scheduled, which under load can be
// well after runtime.GC returns.
func collect(t *testing.T) {
	t.Helper()
	n := hooks.Load()
	runtime.GC()
	for deadline := time.Now().Add(10 * time.Second); hooks.Load() == n; {
		if time.Now().After(deadline) {
			t.Fatal("no hook ran within 10 s of a collection")
		}
		time.Sleep(time.Millisecond)
	}
}

// churn allocates n bytes of short-lived garbage and returns the number of
// collections it caused.
func churn(n int) uint32 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i += 4 << 10 {
		sink = make([]byte, 4<<10)
	}
	runtime.ReadMemStats(&after)
	return after.NumGC - before.NumGC
}

// With a small live heap, the floor makes collections rarer by about the
// ratio of the floor to GOGC=100's goal, and a large live heap brings GOGC
// back to 100.
func TestFloor(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	without := churn(512 << 20)

	Start(64<<20, 0)
	defer Stop()
	collect(t) // the hook runs after this cycle and sets GOGC from the live heap
	if p := Percent(); p <= 100 {
		t.Fatalf("GOGC %d with a live heap of a few MiB, want far above 100", p)
	}
	with := churn(512 << 20)
	t.Logf("collections for 512 MiB of garbage: %d without the floor, %d with a 64 MiB floor (GOGC %d)", without, with, Percent())
	if with*4 > without || with < 512/64/2 {
		t.Errorf("%d collections with the floor against %d without: want at least 4 times fewer, and at least one per 128 MiB", with, without)
	}

	big := make([][]byte, 0, 48)
	for range 48 {
		big = append(big, make([]byte, 1<<20))
	}
	// The first hook may read the cycle before the big slices were all live
	// (one started while they were being made); the second reads a cycle
	// that began with all of them live.
	collect(t)
	collect(t)
	if p := Percent(); p != 100 {
		t.Errorf("GOGC %d with 48 MiB live and a 64 MiB floor, want 100", p)
	}
	runtime.KeepAlive(big)

	Stop()
	if p := Percent(); p != 0 {
		t.Errorf("Percent after Stop = %d", p)
	}
	if old := debug.SetGCPercent(100); old != 100 {
		t.Errorf("GOGC after Stop = %d, want 100", old)
	}
}

// A live heap past the headroom brings GOGC below 100, so that the heap
// grows by the headroom rather than doubles, and back once it is small.
func TestHeadroom(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	Start(16<<20, 32<<20)
	defer Stop()
	big := make([][]byte, 0, 64)
	for range 64 {
		big = append(big, make([]byte, 1<<20))
	}
	collect(t)
	collect(t)
	// 32 MiB over 64 MiB and some roots: a little under 50 %, so 50.
	if p := Percent(); p != leastPercent {
		t.Errorf("GOGC %d with 64 MiB live and a 32 MiB headroom, want %d", p, leastPercent)
	}
	clear(big[40:])
	big = big[:40]
	collect(t)
	collect(t)
	// 32 MiB over 40 MiB and some roots: 78 % or a little less.
	if p := Percent(); p < 70 || p > 80 {
		t.Errorf("GOGC %d with 40 MiB live and a 32 MiB headroom, want about 78", p)
	}
	runtime.KeepAlive(big)
	big = nil
	collect(t)
	collect(t)
	if p := Percent(); p < 100 {
		t.Errorf("GOGC %d with a few MiB live, want 100 or more (the floor)", p)
	}
}
