package poll

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/store"
)

// BenchmarkMemoAside sets aside and takes back the memo of 10,000 sources
// of 50 items, as a daemon does when it stops and starts, beside the
// writing of those sources' states that every stop already does ("states",
// in the poller's chunks of 500).
//
//	go test -run '^$' -bench MemoAside -benchtime 5x -count 3 ./internal/poll
func BenchmarkMemoAside(b *testing.B) {
	const sources, items = 10_000, 50
	rng := rand.New(rand.NewPCG(1, 2))
	var m Memo
	states := make([]store.SourceState, sources)
	encoded := 0
	for s := range sources {
		id := fmt.Sprintf("nguon-%05d", s)
		list := make([]memoItem, items)
		for i := range list {
			list[i] = memoItem{memoEntry: memoEntry{raw: rng.Uint64(), digest: rng.Uint64(), published: 1_790_000_000 + rng.Uint32N(1e7)}}
		}
		if s%10 == 0 {
			list[0].drop = `filters.drop_title_prefixes: "Quảng cáo"`
		}
		m.remember(id, rng.Uint64(), feeds.Layout{Context: rng.Uint64(), ItemContext: rng.Uint64()}, list)
		encoded += len(m.bySource[id].appendBinary(nil)) + len(id)
		states[s] = store.SourceState{ID: id, ETag: fmt.Sprintf(`"%x"`, rng.Uint64()), LastModified: "Sat, 28 Nov 2026 05:00:00 GMT",
			LastPoll: time.Now(), NextPoll: time.Now().Add(15 * time.Minute), LastStatus: 304, LastItems: items}
	}
	path := filepath.Join(b.TempDir(), "newswire.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	b.Run("states", func(b *testing.B) {
		for b.Loop() {
			for i := 0; i < sources; i += flushChunk {
				if err := st.SaveSources(states[i:min(i+flushChunk, sources)]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("save", func(b *testing.B) {
		for b.Loop() {
			if err := m.Save(st); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(encoded)/(1<<20), "MiB")
	})
	b.Run("load", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			if err := m.Save(st); err != nil {
				b.Fatal(err)
			}
			if err := st.Close(); err != nil {
				b.Fatal(err)
			}
			if st, err = store.Open(path, store.Options{}); err != nil {
				b.Fatal(err)
			}
			var loaded Memo
			b.StartTimer()
			n, err := loaded.Load(st)
			if err != nil || n != sources {
				b.Fatalf("loaded %d sources, %v", n, err)
			}
		}
	})
}
