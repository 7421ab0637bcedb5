package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimiterBurstAndRate: a client gets its burst at once, then one
// request per token's time, and is told how long until the next; another
// client has a bucket of its own.
func TestLimiterBurstAndRate(t *testing.T) {
	l := newLimiter(4, 3) // a token every 250 ms, 3 at most
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if wait, ok := l.allow("10.0.0.1", now); !ok {
			t.Fatalf("request %d of the burst refused, wait %s", i+1, wait)
		}
	}
	wait, ok := l.allow("10.0.0.1", now)
	if ok || wait != 250*time.Millisecond {
		t.Fatalf("request past the burst: allowed %v, wait %s; want refused, 250ms", ok, wait)
	}
	if wait, ok := l.allow("10.0.0.1", now.Add(100*time.Millisecond)); ok || wait != 150*time.Millisecond {
		t.Fatalf("100ms later: allowed %v, wait %s; want refused, 150ms", ok, wait)
	}
	if _, ok := l.allow("10.0.0.2", now); !ok {
		t.Fatalf("another client refused")
	}
	// At the sustained rate, every request is allowed and none more.
	for i := 1; i <= 20; i++ {
		at := now.Add(time.Duration(i) * 250 * time.Millisecond)
		if wait, ok := l.allow("10.0.0.1", at); !ok {
			t.Fatalf("request at the rate, %s in, refused (wait %s)", at.Sub(now), wait)
		}
		if _, ok := l.allow("10.0.0.1", at); ok {
			t.Fatalf("a second request at %s allowed with the bucket empty", at.Sub(now))
		}
	}
	// Idle for a bucket's time, it has its whole burst again.
	later := now.Add(5*time.Second + 750*time.Millisecond)
	for i := range 3 {
		if _, ok := l.allow("10.0.0.1", later); !ok {
			t.Fatalf("after idling, request %d of the burst refused", i+1)
		}
	}
	if _, ok := l.allow("10.0.0.1", later); ok {
		t.Fatalf("after idling, more than the burst allowed")
	}
}

// TestLimiterAtOnce: requests of one client from many goroutines at one
// instant get exactly the burst between them.
func TestLimiterAtOnce(t *testing.T) {
	l := newLimiter(1, 50)
	now := time.Now()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, ok := l.allow("10.0.0.1", now); ok {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 50 {
		t.Fatalf("%d of 800 requests at once allowed, want the burst of 50", n)
	}
}

// TestLimiterForgetsFullBuckets: buckets full again are dropped once more
// than 1024 clients are held, and buckets still filling are kept.
func TestLimiterForgetsFullBuckets(t *testing.T) {
	l := newLimiter(1, 2)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for i := range 1500 {
		l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
	}
	// A client that empties its bucket a moment later is still filling
	// when a newcomer sets off the sweep.
	l.allow("10.9.9.9", now.Add(1500*time.Millisecond))
	l.allow("10.9.9.9", now.Add(1500*time.Millisecond))
	later := now.Add(3 * time.Second)
	l.allow("10.10.0.1", later)
	l.mu.Lock()
	n := len(l.clients)
	l.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d clients held after the sweep, want 2 (the newcomer, the one whose bucket is not full)", n)
	}
	// Its bucket, kept, has one and a half tokens back, not two.
	if _, ok := l.allow("10.9.9.9", later); !ok {
		t.Fatalf("the client kept was refused its one token")
	}
	if _, ok := l.allow("10.9.9.9", later); ok {
		t.Fatalf("the client kept has a full bucket: it was forgotten")
	}
}
