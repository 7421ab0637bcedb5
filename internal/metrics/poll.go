package metrics

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// itemOutcomes label newswire_poll_items_total, in the order Items takes them.
var itemOutcomes = [...]string{"new", "updated", "joined", "dropped"}

// Poll counts what the poller does. A nil *Poll counts nothing, so a poller
// built without metrics (tests, `newswire fetch`) needs no special case.
type Poll struct {
	polls       *prometheus.CounterVec
	responses   *prometheus.CounterVec
	bytes       prometheus.Counter
	parseErrors prometheus.Counter
	duration    prometheus.Histogram
	items       *prometheus.CounterVec
	itemsBy     [len(itemOutcomes)]prometheus.Counter // resolved once, in itemOutcomes order
	redated     [2]prometheus.Counter                 // newswire_poll_redated_items_total: unreadable, future
	redatedUpd  [2]prometheus.Counter                 // newswire_poll_redated_updates_total: unreadable, future

	// For the 304 ratio: responses that carried a document or a 304.
	fresh, notModified atomic.Int64
}

func newPoll(reg prometheus.Registerer) *Poll {
	p := &Poll{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "poll", Name: "total",
			Help: "Polls of sources by result: ok, not-modified (304 or same body), error, gone (410).",
		}, []string{"result"}),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "fetch", Name: "responses_total",
			Help: "HTTP responses from outlets by status code.",
		}, []string{"code"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "fetch", Name: "bytes_total",
			Help: "Bytes of feed documents fetched, after decompression.",
		}),
		parseErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "poll", Name: "parse_errors_total",
			Help: "Fetched documents that could not be parsed as a feed.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "poll", Name: "duration_seconds",
			Help:    "Time of one poll, fetch to store.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "poll", Name: "items_total",
			Help: "Items polled by outcome: new (a story created), updated (an outlet's edit), joined (credited to a story another outlet carried first), dropped (by a filter).",
		}, []string{"outcome"}),
	}
	redated := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "poll", Name: "redated_items_total",
		Help: "Items taken in (new or changed) that newswire dated when it first saw them rather than as the outlet did: date unreadable, or in the future.",
	}, []string{"date"})
	p.redated = [2]prometheus.Counter{redated.WithLabelValues("unreadable"), redated.WithLabelValues("future")}
	redatedUpd := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "poll", Name: "redated_updates_total",
		Help: "Items taken in (new or changed) whose updated date newswire could not take as the outlet gave it: unreadable (dated by its publication instead), or in the future (the time it was first seen instead).",
	}, []string{"date"})
	p.redatedUpd = [2]prometheus.Counter{redatedUpd.WithLabelValues("unreadable"), redatedUpd.WithLabelValues("future")}
	ratio := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: "fetch", Name: "not_modified_ratio",
		Help: "Share of successful fetches answered 304 Not Modified since start.",
	}, p.notModifiedRatio)
	reg.MustRegister(p.polls, p.responses, p.bytes, p.parseErrors, p.duration, p.items, redated, redatedUpd, ratio)
	for i, o := range itemOutcomes {
		p.itemsBy[i] = p.items.WithLabelValues(o)
	}
	return p
}

// Polled records one poll: its result, the HTTP status (0 when no response
// came), the bytes of the document and how long it took.
func (p *Poll) Polled(result string, status int, bytes int, d time.Duration) {
	if p == nil {
		return
	}
	p.polls.WithLabelValues(result).Inc()
	if status > 0 {
		p.responses.WithLabelValues(strconv.Itoa(status)).Inc()
	}
	switch {
	case status == 304:
		p.notModified.Add(1)
	case status >= 200 && status < 300:
		p.fresh.Add(1)
	}
	p.bytes.Add(float64(bytes))
	p.duration.Observe(d.Seconds())
}

// Items records what became of one poll's items.
func (p *Poll) Items(created, updated, joined, dropped int) {
	if p == nil {
		return
	}
	for i, n := range [...]int{created, updated, joined, dropped} {
		if n > 0 {
			p.itemsBy[i].Add(float64(n))
		}
	}
}

// Redated records items taken in whose outlet's date was unreadable, and
// those whose date was in the future: each was dated when first seen.
func (p *Poll) Redated(unreadable, future int) {
	if p != nil {
		addDateCounts(&p.redated, unreadable, future)
	}
}

// RedatedUpdates records items taken in whose updated date was unreadable,
// and those whose updated date was in the future.
func (p *Poll) RedatedUpdates(unreadable, future int) {
	if p != nil {
		addDateCounts(&p.redatedUpd, unreadable, future)
	}
}

// addDateCounts adds to a pair of counters labelled date="unreadable" and
// date="future".
func addDateCounts(c *[2]prometheus.Counter, unreadable, future int) {
	for i, n := range [...]int{unreadable, future} {
		if n > 0 {
			c[i].Add(float64(n))
		}
	}
}

// ParseError records a document that did not parse.
func (p *Poll) ParseError() {
	if p == nil {
		return
	}
	p.parseErrors.Inc()
}

func (p *Poll) notModifiedRatio() float64 {
	nm, fresh := p.notModified.Load(), p.fresh.Load()
	if nm+fresh == 0 {
		return 0
	}
	return float64(nm) / float64(nm+fresh)
}
