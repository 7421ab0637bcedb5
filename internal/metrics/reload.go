package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"newswire/internal/reload"
)

// reloads reports the last config reload attempt handed to Metrics.Reload;
// until the first, it reports nothing.
type reloads struct {
	last               atomic.Pointer[reload.Status]
	success, timestamp *prometheus.Desc
}

func newReloads(reg prometheus.Registerer) *reloads {
	r := &reloads{
		success: prometheus.NewDesc(namespace+"_config_reload_success",
			"1 when the last config reload (or the start) applied its file, 0 when it refused it and the running config stayed.", nil, nil),
		timestamp: prometheus.NewDesc(namespace+"_config_last_reload_timestamp_seconds",
			"Unix time of the last config reload attempt, good or bad.", nil, nil),
	}
	reg.MustRegister(r)
	return r
}

// Reload records the outcome of a config reload attempt (reload.Watcher's
// OnResult), and of the start.
func (m *Metrics) Reload(st reload.Status) { m.reloads.last.Store(&st) }

// Describe implements prometheus.Collector.
func (r *reloads) Describe(ch chan<- *prometheus.Desc) {
	ch <- r.success
	ch <- r.timestamp
}

// Collect implements prometheus.Collector.
func (r *reloads) Collect(ch chan<- prometheus.Metric) {
	st := r.last.Load()
	if st == nil {
		return
	}
	ok := 0.0
	if st.OK {
		ok = 1
	}
	ch <- prometheus.MustNewConstMetric(r.success, prometheus.GaugeValue, ok)
	if !st.At.IsZero() {
		ch <- prometheus.MustNewConstMetric(r.timestamp, prometheus.GaugeValue, float64(st.At.UnixNano())/1e9)
	}
}
