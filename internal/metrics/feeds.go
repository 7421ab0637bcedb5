package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Feeds counts merged-feed requests. A nil *Feeds counts nothing.
type Feeds struct {
	requests *prometheus.CounterVec
}

func newFeeds(reg prometheus.Registerer) *Feeds {
	f := &Feeds{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "feed", Name: "requests_total",
		Help: "Requests for merged feeds by format (rss, atom, json, other) and HTTP status.",
	}, []string{"format", "code"})}
	reg.MustRegister(f.requests)
	return f
}

// Counter is the counter of one format and status, resolved once so that
// counting a request costs one atomic add.
func (f *Feeds) Counter(format string, status int) prometheus.Counter {
	if f == nil {
		return nil
	}
	return f.requests.WithLabelValues(format, strconv.Itoa(status))
}
