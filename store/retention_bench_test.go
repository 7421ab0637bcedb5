package store

import (
	"bufio"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
	"newswire/internal/story"
)

// flowConfig describes a long ingest: stories arrive at perDay through
// Apply, in documents of one outlet each that also list items already seen,
// some of them deleted since; retention runs every simulated hour.
type flowConfig struct {
	stories      int
	perDay       int
	window       time.Duration // Policy.MaxAge
	tombstoneAge time.Duration // 0: DefaultTombstoneAge(window)
	sampleEvery  time.Duration
}

// flowSample is the store and the process at one point of simulated time.
type flowSample struct {
	day        float64
	ingested   int
	stored     int
	tombstones int
	fileBytes  int64
	usedBytes  int64 // bbolt's high-water mark: the pages in use or free for reuse
	freePages  int   // pages free for reuse, now or after the next write
	heapBytes  uint64
	rssBytes   int64
}

type flowResult struct {
	samples []flowSample
	totals  Result
	pruned  PruneResult
	pruneNs time.Duration // wall time spent in Prune
	applyNs time.Duration // wall time spent in Apply
}

// flowSources are the outlets of the flow; each document comes from one.
var flowSources = []string{"baohagiang", "vov", "ttxvn", "nhandan", "vtv", "vietnamplus", "dantoc", "tuoitre"}

var flowCategories = []string{"thoi-su", "du-lich", "kinh-te", "van-hoa", "the-thao", "giao-duc"}

// flowItem is story n of the flow: published at its arrival time, routed to
// one or two categories, one in ten with a text fingerprint.
func flowItem(sy *synth, n int, pub time.Time) Incoming {
	rng := rand.New(rand.NewPCG(uint64(n), 11))
	title := sy.words(rng, 12)
	summary := sy.words(rng, 40)
	src := flowSources[n%len(flowSources)]
	link := "https://" + src + ".example.vn/tin/" + strconv.Itoa(n) + ".html"
	cats := []string{flowCategories[n%len(flowCategories)]}
	if n%5 == 0 {
		cats = append(cats, flowCategories[(n/5)%len(flowCategories)])
	}
	in := Incoming{
		Item: feeds.Item{GUID: link, Link: link, Title: title, Summary: summary,
			ContentHTML: "<p>" + summary + "</p><p>" + sy.words(rng, 120) + "</p>", Published: pub, Language: "vi"},
		Key: link, Categories: cats,
	}
	if n%10 == 0 {
		in.Doc = story.NewDoc(story.Input{Title: title, Text: summary, Published: pub, Language: "vi"})
	}
	return in
}

// runFlow ingests cfg.stories new stories, in documents of 20 new items plus
// 10 the outlet listed before: 5 from the last hours and 5 from just past
// the window, which retention has deleted and which must stay deleted.
func runFlow(tb testing.TB, cfg flowConfig) flowResult {
	tb.Helper()
	ts := newTestStore(tb)
	// Measured here are sizes and memory, not latency: the disk's flushes
	// would only make the run longer.
	ts.db.NoSync = true
	sy := newSynth()
	gap := 24 * time.Hour / time.Duration(cfg.perDay)
	arrival := func(n int) time.Time { return synthT0.Add(time.Duration(n) * gap) }
	policy := Policy{MaxAge: cfg.window, TombstoneAge: cfg.tombstoneAge}
	const newPerDoc, recentPerDoc, oldPerDoc = 20, 5, 5
	backWindow := int((cfg.window + 6*time.Hour) / gap)

	var res flowResult
	nextPrune := synthT0.Add(time.Hour)
	nextSample := synthT0
	for n := 0; n < cfg.stories; n += newPerDoc {
		now := arrival(n + newPerDoc)
		doc := make([]Incoming, 0, newPerDoc+recentPerDoc+oldPerDoc)
		for i := n; i < min(cfg.stories, n+newPerDoc); i++ {
			doc = append(doc, flowItem(sy, i, arrival(i)))
		}
		for i := range recentPerDoc {
			if m := n - 1 - i*37; m >= 0 {
				doc = append(doc, flowItem(sy, m, arrival(m)))
			}
		}
		for i := range oldPerDoc {
			if m := n - backWindow - i*53; m >= 0 {
				doc = append(doc, flowItem(sy, m, arrival(m)))
			}
		}
		start := time.Now()
		r, err := ts.Apply(flowSources[(n/newPerDoc)%len(flowSources)], doc, now)
		res.applyNs += time.Since(start)
		if err != nil {
			tb.Fatal(err)
		}
		res.totals.New += r.New
		res.totals.Updated += r.Updated
		res.totals.Joined += r.Joined
		res.totals.Unchanged += r.Unchanged
		res.totals.Expired += r.Expired
		for !now.Before(nextPrune) {
			start := time.Now()
			p, err := ts.Prune(tb.Context(), nextPrune, policy)
			res.pruneNs += time.Since(start)
			if err != nil {
				tb.Fatal(err)
			}
			res.pruned.add(p)
			if err := ts.ReleaseMapped(); err != nil {
				tb.Fatal(err)
			}
			nextPrune = nextPrune.Add(time.Hour)
		}
		if !now.Before(nextSample) || n+newPerDoc >= cfg.stories {
			res.samples = append(res.samples, sampleFlow(tb, ts, now, n+newPerDoc))
			nextSample = nextSample.Add(cfg.sampleEvery)
		}
	}
	return res
}

func sampleFlow(tb testing.TB, ts *testStore, now time.Time, ingested int) flowSample {
	tb.Helper()
	st, err := ts.Stats()
	if err != nil {
		tb.Fatal(err)
	}
	rs, err := ts.RetentionStats()
	if err != nil {
		tb.Fatal(err)
	}
	var used int64
	if err := ts.db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil }); err != nil {
		tb.Fatal(err)
	}
	db := ts.db.Stats()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return flowSample{
		day:        now.Sub(synthT0).Hours() / 24,
		ingested:   ingested,
		stored:     st.Stories,
		tombstones: rs.Tombstones,
		fileBytes:  st.FileSize,
		usedBytes:  used,
		freePages:  db.FreePageN + db.PendingPageN,
		heapBytes:  ms.HeapAlloc,
		rssBytes:   vmRSS(),
	}
}

// vmRSS is this process's resident set in bytes, 0 where /proc is missing.
func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// dataBytes is what the store's pages hold: its high-water mark less the
// pages free for reuse. Which free pages a write reuses, and so how far the
// high-water mark creeps, follows the order of bbolt's free list, a map;
// the pages in use do not.
func (s flowSample) dataBytes() int64 { return s.usedBytes - int64(s.freePages)*pageSize }

// TestRetentionFlat is the long ingest at a small scale: 8,000 stories
// through a 1-day window with 2-day tombstones, over 20 simulated days. Once
// stories and tombstones have both reached their steady state (day 3) and
// the free pages theirs, the store must stop growing: the data its pages
// hold at the end within 10 % of their size at day 10, and its high-water
// mark within 25 %. With 1 KiB pages the free pages
// settle later than with 4 KiB (some 440 by day 12 of a 30-day run, used
// pages flat from day 18), so day 5, as before, still caught their growth.
// BenchmarkRetentionFlat runs the full size.
func TestRetentionFlat(t *testing.T) {
	const n, perDay = 8000, 400
	res := runFlow(t, flowConfig{stories: n, perDay: perDay, window: day, tombstoneAge: 2 * day, sampleEvery: day})
	if res.totals.New != n {
		t.Errorf("%d new stories, want %d: deleted stories came back or items were lost (%+v)", res.totals.New, n, res.totals)
	}
	if res.totals.Expired == 0 {
		t.Errorf("no re-listed deleted item was counted expired: %+v", res.totals)
	}
	var at10 flowSample
	for _, s := range res.samples {
		t.Logf("day %5.1f: %6d stored, %6d tombstones, file %6.1f MiB, used %6.2f MiB (data %5.2f), heap %5.1f MiB",
			s.day, s.stored, s.tombstones, mib(s.fileBytes), mib(s.usedBytes), mib(s.dataBytes()), mib(int64(s.heapBytes)))
		if s.day <= 10 {
			at10 = s
		}
	}
	last := res.samples[len(res.samples)-1]
	if last.stored > perDay+perDay/24*2 {
		t.Errorf("%d stories stored at the end, want about a day's worth (%d)", last.stored, perDay)
	}
	if float64(last.dataBytes()) > 1.1*float64(at10.dataBytes()) {
		t.Errorf("store's data grew from %.2f MiB at day %.0f to %.2f MiB at day %.0f with retention on",
			mib(at10.dataBytes()), at10.day, mib(last.dataBytes()), last.day)
	}
	// The high-water mark moves with the order in which free pages are
	// reused: from 1.74–1.94 MiB at day 10 to 1.76–2.01 at day 20 in ten
	// runs. A store that kept growing would pass both of these bounds only
	// by chance.
	if float64(last.usedBytes) > 1.25*float64(at10.usedBytes) {
		t.Errorf("store's pages grew from %.2f MiB at day %.0f to %.2f MiB at day %.0f with retention on",
			mib(at10.usedBytes), at10.day, mib(last.usedBytes), last.day)
	}
}

// BenchmarkRetentionFlat passes stories through a 7-day window with the
// default tombstone age (30 days), at a rate that makes the run last 62.5
// simulated days, and reports the store and the process at the end and at
// its steady state. By default 50,000 stories; NEWSWIRE_RETENTION_STORIES
// sets another number (the figure in BENCHMARKS.md is for 1,000,000). Run
// it with -benchtime 1x.
func BenchmarkRetentionFlat(b *testing.B) {
	n := 50_000
	if v := os.Getenv("NEWSWIRE_RETENTION_STORIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("NEWSWIRE_RETENTION_STORIES=%q: want a number of at least 1000", v)
		}
	}
	cfg := flowConfig{stories: n, perDay: n * 2 / 125, window: 7 * day, sampleEvery: 7 * day / 2}
	var res flowResult
	for b.Loop() {
		res = runFlow(b, cfg)
	}
	// Steady from the day the first tombstones expire (window + 30 days),
	// plus a margin.
	steadyDay := (cfg.window+DefaultTombstoneAge(cfg.window)).Hours()/24 + 2
	var steady flowSample
	b.Logf("%6s %9s %8s %10s %9s %9s %10s %9s %8s", "day", "ingested", "stored", "tombstones", "file MiB", "used MiB", "free pages", "heap MiB", "RSS MiB")
	for _, s := range res.samples {
		b.Logf("%6.1f %9d %8d %10d %9.1f %9.1f %10d %9.1f %8.1f", s.day, s.ingested, s.stored, s.tombstones,
			mib(s.fileBytes), mib(s.usedBytes), s.freePages, mib(int64(s.heapBytes)), mib(s.rssBytes))
		if steady.day == 0 && s.day >= steadyDay {
			steady = s
		}
	}
	last := res.samples[len(res.samples)-1]
	b.Logf("totals: %+v; pruned: %+v; Apply %s, Prune %s", res.totals, res.pruned,
		res.applyNs.Round(time.Millisecond), res.pruneNs.Round(time.Millisecond))
	b.ReportMetric(mib(last.fileBytes), "file-MiB")
	b.ReportMetric(mib(int64(last.heapBytes)), "heap-MiB")
	b.ReportMetric(mib(last.rssBytes), "RSS-MiB")
	if steady.usedBytes > 0 {
		b.ReportMetric(float64(last.usedBytes)/float64(steady.usedBytes), "used-end/steady")
		b.ReportMetric(float64(last.rssBytes)/float64(steady.rssBytes), "RSS-end/steady")
	}
	b.ReportMetric(float64(res.pruneNs.Nanoseconds())/float64(max(1, res.pruned.Removed)), "prune-ns/story")
	b.ReportMetric(float64(res.applyNs.Nanoseconds())/float64(n), "apply-ns/story")
}
