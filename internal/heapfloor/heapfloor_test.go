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
		floor, live, roots uint64
		want               int
	}{
		{16 * mib, 2 * mib, 2 * mib, 400},   // the scaled minimum, 4 MiB * 4, is the floor
		{16 * mib, 4 * mib, 5 * mib, 240},   // 4 + 5 * 2.4 = 16
		{16 * mib, 5 * mib, 5 * mib, 220},   // 5 + 5 * 2.2 = 16
		{16 * mib, 8 * mib, 8 * mib, 100},   // twice the live heap reaches the floor
		{16 * mib, 50 * mib, 51 * mib, 100}, // a large heap: GOGC's own goal
		{16 * mib, 0, 0, 100},               // nothing known yet
		{64 * mib, 1, 1, 1600},              // 4 MiB * 16
	} {
		if got := goal(tt.floor, tt.live, tt.roots); got != tt.want {
			t.Errorf("goal(%d, %d, %d) = %d, want %d", tt.floor, tt.live, tt.roots, got, tt.want)
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

	Start(64 << 20)
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
