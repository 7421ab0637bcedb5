package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreFigures is what /metrics tells of the store.
type StoreFigures struct {
	Stories    int
	Categories map[string]int // stories per category id
	FileSize   int64          // bytes on disk
	UsedBytes  int64          // what the pages in use take (store.Stats)
	Writes     StoreWrites    // since the store was opened
}

// StoreWrites counts the transactions that stored polled documents
// (store.WriteStats).
type StoreWrites struct {
	Commits, Documents, Items, Bytes int64
	CommitTime                       time.Duration
}

// Store reports the store's figures, read at each scrape from the function
// given to Watch; until then, and when that function fails, it reports none.
type Store struct {
	source                          atomic.Pointer[func() (StoreFigures, error)]
	stories, categories, size, used *prometheus.Desc
	// the writes, counters
	commits, documents, items, bytes, commitTime *prometheus.Desc
}

func newStore(reg prometheus.Registerer) *Store {
	s := &Store{
		stories: prometheus.NewDesc(namespace+"_store_stories", "Stories in the store.", nil, nil),
		categories: prometheus.NewDesc(namespace+"_store_category_stories", "Stories in the store per category.",
			[]string{"category"}, nil),
		size: prometheus.NewDesc(namespace+"_store_size_bytes", "Size of the store file on disk.", nil, nil),
		used: prometheus.NewDesc(namespace+"_store_used_bytes", "What the store's pages in use take, about what newswire compact would leave; the file grows in large steps and never shrinks.", nil, nil),
		commits: prometheus.NewDesc(namespace+"_store_commits_total",
			"Transactions that stored polled documents (several pollers' documents share one within poll.commit_delay).", nil, nil),
		documents: prometheus.NewDesc(namespace+"_store_committed_documents_total",
			"Polled documents those transactions stored.", nil, nil),
		items: prometheus.NewDesc(namespace+"_store_committed_items_total",
			"Items of those documents that went to the store: new or changed since the source's last document.", nil, nil),
		bytes: prometheus.NewDesc(namespace+"_store_written_bytes_total",
			"Bytes of the pages those transactions wrote to the store file.", nil, nil),
		commitTime: prometheus.NewDesc(namespace+"_store_commit_seconds_total",
			"Time spent committing those transactions: writing and syncing the file.", nil, nil),
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
	ch <- s.used
	ch <- s.commits
	ch <- s.documents
	ch <- s.items
	ch <- s.bytes
	ch <- s.commitTime
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
	ch <- prometheus.MustNewConstMetric(s.used, prometheus.GaugeValue, float64(f.UsedBytes))
	w := f.Writes
	ch <- prometheus.MustNewConstMetric(s.commits, prometheus.CounterValue, float64(w.Commits))
	ch <- prometheus.MustNewConstMetric(s.documents, prometheus.CounterValue, float64(w.Documents))
	ch <- prometheus.MustNewConstMetric(s.items, prometheus.CounterValue, float64(w.Items))
	ch <- prometheus.MustNewConstMetric(s.bytes, prometheus.CounterValue, float64(w.Bytes))
	ch <- prometheus.MustNewConstMetric(s.commitTime, prometheus.CounterValue, w.CommitTime.Seconds())
	for cat, n := range f.Categories {
		ch <- prometheus.MustNewConstMetric(s.categories, prometheus.GaugeValue, float64(n), cat)
	}
}
