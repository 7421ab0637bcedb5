package procs

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestControllerDecides(t *testing.T) {
	opt := Options{Calm: 3}.withDefaults()
	var c controller
	steps := []struct {
		cores float64
		want  move
	}{
		{1.4, stay}, // busy from the start
		{0.1, stay},
		{0.1, stay},
		{0.3, stay}, // not calm: the count starts over
		{0.1, stay},
		{0.0, stay},
		{0.19, lower}, // three calm periods in a row
		{0.3, stay},   // idle, but below RaiseAt (0.5 of one processor)
		{0.49, stay},
		{0.5, raiseTo},
		{0.1, stay},
		{0.1, stay},
		{0.1, lower},
		{2.0, raiseTo},
	}
	for i, s := range steps {
		if got := c.next(s.cores, opt); got != s.want {
			t.Fatalf("period %d (%.2f cores): %v, want %v", i, s.cores, got, s.want)
		}
	}
}

// The live controller lowers GOMAXPROCS in a calm process and raises it
// within a period or two of a goroutine spinning on a CPU.
func TestRunFollowsTheLoad(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	opt := Options{Idle: 1, Busy: 2, Every: 50 * time.Millisecond, Calm: 3}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { Run(ctx, opt, slog.New(slog.NewTextHandler(io.Discard, nil))) })

	waitFor(t, "GOMAXPROCS 1 in a calm process", func() bool { return runtime.GOMAXPROCS(0) == 1 })
	var stop atomic.Bool
	var spin sync.WaitGroup
	spin.Go(func() {
		for x := 0; !stop.Load(); x++ {
			_ = x * x
		}
	})
	waitFor(t, "GOMAXPROCS 2 with a goroutine spinning", func() bool { return runtime.GOMAXPROCS(0) == 2 })
	stop.Store(true)
	spin.Wait()
	waitFor(t, "GOMAXPROCS 1 once the spinning stopped", func() bool { return runtime.GOMAXPROCS(0) == 1 })
	cancel()
	wg.Wait()
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Errorf("GOMAXPROCS %d after Run returned, want Busy (2)", n)
	}
}

func TestRunLeavesOneProcessorAlone(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	done := make(chan struct{})
	go func() {
		Run(context.Background(), Options{Idle: 1, Every: time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept running with nothing to lower")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 20 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
