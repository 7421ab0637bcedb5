// Package metrics holds newswire's Prometheus metrics, in a registry of its
// own (never the global default one), and serves them at /metrics.
//
// It owns the names, help texts and labels of every metric. It does not
// decide when they change: the package that does the work updates them.
// Metrics of one concern live in one file (poll.go); to add a concern, add a
// file with its struct and a constructor that registers on the registry, and
// a field for it in Metrics.
//
// Labels never carry a source id: with 10,000 sources that would be 10,000
// series per metric. Per-source detail belongs on /api/status.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric name.
const namespace = "newswire"

// Metrics is every metric newswire exports.
type Metrics struct {
	Registry *prometheus.Registry
	Poll     *Poll
	Feeds    *Feeds
	Store    *Store

	reloads *reloads // see Reload
}

// New returns the metrics registered on a fresh registry, with the Go
// runtime and process collectors beside them.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return &Metrics{
		Registry: reg,
		Poll:     newPoll(reg),
		Feeds:    newFeeds(reg),
		Store:    newStore(reg),
		reloads:  newReloads(reg),
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
