package websub

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestCoalescePushes: pushes for a source whose poll is running do not
// start another; they make it run once more when it ends, however many
// came. A push for another source runs beside it.
func TestCoalescePushes(t *testing.T) {
	var runs atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	push := Coalesce(func(id string) {
		if id != "baohagiang" {
			return
		}
		if runs.Add(1) == 1 {
			close(started)
			<-release // the first poll runs until nine more pushes came
		}
	})
	first := make(chan struct{})
	go func() { push("baohagiang"); close(first) }()
	<-started
	var wg sync.WaitGroup
	for range 9 {
		wg.Go(func() { push("baohagiang") }) // each returns at once
	}
	wg.Wait()
	push("vov") // not held by the other source's poll
	close(release)
	<-first
	if r := runs.Load(); r != 2 {
		t.Errorf("ten pushes ran the poll %d times, want 2 (the first, and once for the nine that came meanwhile)", r)
	}
}
