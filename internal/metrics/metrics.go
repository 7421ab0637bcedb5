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
	dto "github.com/prometheus/client_model/go"
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
	return promhttp.HandlerFor(ownProcess{m.Registry}, promhttp.HandlerOpts{Registry: m.Registry})
}

// notTheProcess names the process collector's series that do not measure
// the process: its network byte counters read /proc/PID/net/netstat, which
// counts every socket of the network namespace, so that on a host network
// they report the whole machine's traffic. newswire_fetch_bytes_total counts
// what the poller fetched.
var notTheProcess = map[string]bool{
	"process_network_receive_bytes_total":  true,
	"process_network_transmit_bytes_total": true,
}

// ownProcess gathers what its Gatherer does, without notTheProcess.
type ownProcess struct{ prometheus.Gatherer }

func (g ownProcess) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := g.Gatherer.Gather()
	kept := mfs[:0]
	for _, mf := range mfs {
		if !notTheProcess[mf.GetName()] {
			kept = append(kept, mf)
		}
	}
	return kept, err
}
