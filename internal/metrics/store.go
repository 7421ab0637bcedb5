package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreFigures is what /metrics tells of the store.
type StoreFigures struct {
	Stories    int
	Categories map[string]int // stories per category id
	FileSize   int64          // bytes on disk
}

// Store reports the store's figures, read at each scrape from the function
// given to Watch; until then, and when that function fails, it reports none.
type Store struct {
	source                    atomic.Pointer[func() (StoreFigures, error)]
	stories, categories, size *prometheus.Desc
}

func newStore(reg prometheus.Registerer) *Store {
	s := &Store{
		stories: prometheus.NewDesc(namespace+"_store_stories", "Stories in the store.", nil, nil),
		categories: prometheus.NewDesc(namespace+"_store_category_stories", "Stories in the store per category.",
			[]string{"category"}, nil),
		size: prometheus.NewDesc(namespace+"_store_size_bytes", "Size of the store file on disk.", nil, nil),
	}
	reg.MustRegister(s)
	return s
}

// Watch makes the store's figures come from fn, which must be cheap enough
// to call at every scrape (cache it).
func (s *Store) Watch(fn func() (StoreFigures, error)) { s.source.Store(&fn) }

// Describe implements prometheus.Collector.
func (s *Store) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.stories
	ch <- s.categories
	ch <- s.size
}

// Collect implements prometheus.Collector.
func (s *Store) Collect(ch chan<- prometheus.Metric) {
	fn := s.source.Load()
	if fn == nil {
		return
	}
	f, err := (*fn)()
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(s.stories, prometheus.GaugeValue, float64(f.Stories))
	ch <- prometheus.MustNewConstMetric(s.size, prometheus.GaugeValue, float64(f.FileSize))
	for cat, n := range f.Categories {
		ch <- prometheus.MustNewConstMetric(s.categories, prometheus.GaugeValue, float64(n), cat)
	}
}
