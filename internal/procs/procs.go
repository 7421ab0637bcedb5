// Package procs runs the process on fewer Go processors (GOMAXPROCS) while
// it is mostly idle, and gives it the machine's back as soon as it is busy.
//
// An idle newswire polls thousands of feeds a minute, each a request and an
// answer of a few hundred bytes: short bursts of work, one goroutine at a
// time, with waits on the network between them. With two processors, each
// goroutine the network wakes finds the other processor idle, and the
// scheduler wakes a thread for it, which looks for work, finds little and
// sleeps again. On the outlet farm (BENCHMARKS.md, Polling) that was a
// quarter of the CPU of 10,000 conditional GETs a minute: one processor does
// the same work with fewer wake-ups. A busy newswire (a first round of
// polling, readers in numbers) needs every processor, so the low setting
// lasts only while the process uses a small part of one CPU.
package procs

import (
	"context"
	"log/slog"
	"runtime"
	"time"
)

// Options shape the controller. Zero values take the defaults in brackets.
type Options struct {
	// Idle is GOMAXPROCS while the process is idle [1].
	Idle int
	// Busy is GOMAXPROCS while it is busy [the runtime's default, which
	// follows the CPUs and the cgroup quota the process may use].
	Busy int
	// Every is how often the process's CPU time is read [1s].
	Every time.Duration
	// RaiseAt is the CPU, in cores over one period, at which an idle
	// process gets Busy back [half of Idle].
	RaiseAt float64
	// LowerAt is the CPU below which a period counts as calm [a fifth of
	// a core].
	LowerAt float64
	// Calm is how many calm periods in a row bring Busy down to Idle [30].
	Calm int
}

func (o Options) withDefaults() Options {
	if o.Idle <= 0 {
		o.Idle = 1
	}
	if o.Every <= 0 {
		o.Every = time.Second
	}
	if o.RaiseAt <= 0 {
		o.RaiseAt = 0.5 * float64(o.Idle)
	}
	if o.LowerAt <= 0 {
		o.LowerAt = 0.2
	}
	if o.Calm <= 0 {
		o.Calm = 30
	}
	return o
}

// Run keeps GOMAXPROCS at opt.Idle while the process is calm and at
// opt.Busy while it is not, until ctx ends, when it leaves GOMAXPROCS at
// opt.Busy. It starts busy. It does nothing when the process may use no more
// processors than opt.Idle, or where the process's CPU time cannot be read.
func Run(ctx context.Context, opt Options, log *slog.Logger) {
	opt = opt.withDefaults()
	busy := opt.Busy
	if busy <= 0 {
		busy = runtime.GOMAXPROCS(0)
	}
	if busy <= opt.Idle {
		return
	}
	before, ok := cpuTime()
	if !ok {
		return
	}
	raise := func() {
		if opt.Busy > 0 {
			runtime.GOMAXPROCS(opt.Busy)
		} else {
			// Back to the runtime's own setting, which follows changes
			// of the CPUs and quota the process may use.
			runtime.SetDefaultGOMAXPROCS()
		}
	}
	var c controller
	tick := time.NewTicker(opt.Every)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			if c.idle {
				raise()
			}
			return
		case now := <-tick.C:
			t, ok := cpuTime()
			if !ok {
				continue
			}
			cores := t.Seconds() - before.Seconds()
			if wall := now.Sub(last).Seconds(); wall > 0 {
				cores /= wall
			}
			before, last = t, now
			switch c.next(cores, opt) {
			case lower:
				runtime.GOMAXPROCS(opt.Idle)
				log.Debug("procs: calm, running on fewer processors", "gomaxprocs", opt.Idle, "cpu_cores", cores)
			case raiseTo:
				raise()
				log.Debug("procs: busy, running on every processor", "gomaxprocs", runtime.GOMAXPROCS(0), "cpu_cores", cores)
			}
		}
	}
}

type move int

const (
	stay move = iota
	lower
	raiseTo
)

// controller decides, period by period, from the CPU the process used.
type controller struct {
	idle bool // running on opt.Idle processors
	calm int  // calm periods in a row
}

// next takes the CPU of one period, in cores, and says what to do.
func (c *controller) next(cores float64, opt Options) move {
	if c.idle {
		if cores >= opt.RaiseAt {
			c.idle, c.calm = false, 0
			return raiseTo
		}
		return stay
	}
	if cores >= opt.LowerAt {
		c.calm = 0
		return stay
	}
	if c.calm++; c.calm >= opt.Calm {
		c.idle, c.calm = true, 0
		return lower
	}
	return stay
}
