package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/store"
)

// TestChangedDocumentCostsOnlyItsChanges: after a document is stored, the
// next version of it goes through the pipeline only with its new and edited
// items; what the poll reports, and what is stored, stays exact.
func TestChangedDocumentCostsOnlyItsChanges(t *testing.T) {
	var version atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := version.Load()
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Vùng Cao</title><link>https://vungcao.test/</link><description>tin</description>`)
		fmt.Fprintf(&b, `<lastBuildDate>Mon, 09 Nov 2026 %02d:00:00 +0700</lastBuildDate>`, 8+v)
		item := func(guid, title string) {
			fmt.Fprintf(&b, `<item><title>%s</title><link>https://vungcao.test/%s.html</link><guid isPermaLink="false">%s</guid><pubDate>Mon, 09 Nov 2026 08:00:00 +0700</pubDate><description>Tin ngắn về %s.</description></item>`, title, guid, guid, title)
		}
		if v >= 1 {
			item("vc-4", "Mở thêm tuyến xe buýt lên Mèo Vạc")
		}
		item("vc-1", "Đồng Văn khai mạc chợ phiên cuối tuần")
		title2 := "Mèo Vạc trồng mới 200 ha chè shan tuyết"
		if v >= 1 {
			title2 = "Mèo Vạc trồng mới 250 ha chè shan tuyết"
		}
		item("vc-2", title2)
		item("vc-3", "Quảng cáo: Tour săn mây giá rẻ")
		item("vc-0", "Yên Minh sửa xong cầu treo bản Lùng")
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(b.String()))
	}))
	cfg := memoTestConfig(t, t.TempDir(), "1s", fmt.Sprintf("{id: vungcao, url: %q, language: vi}", url), adFilter)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "vungcao")

	first := p.Poll(context.Background(), src)
	if first.Err != nil || first.New != 3 || first.Dropped != 1 {
		t.Fatalf("first poll: %+v", first)
	}
	version.Store(1)
	second := p.Poll(context.Background(), src)
	if second.Err != nil || second.New != 1 || second.Updated != 1 || second.Dropped != 1 || second.Items != 5 {
		t.Fatalf("second poll: %+v", second)
	}
	if second.Repeated != 3 {
		t.Errorf("second poll: %d items taken unparsed from the last document, want the 3 whose bytes are the same", second.Repeated)
	}
	if n := len(p.memo.bySource["vungcao"].raws); n != 5 {
		t.Fatalf("memo holds %d items, want the 5 of the last document", n)
	}
	state := savedState(t, st, "vungcao")
	if state.Dropped[`filters.drop_title_prefixes: "Quảng cáo"`] != 1 {
		t.Errorf("drops of the last document: %v", state.Dropped)
	}

	// The next document differs only in its build date: every item is
	// known, and the poll does not wait for the store's writer, let alone
	// write. Holding the writer with a retention run would take a large
	// store; a closed store fails any write at once.
	version.Store(2)
	p.batching = true // states saved later, by the flush
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	third := p.Poll(context.Background(), src)
	if third.Err != nil || third.Result != ResultOK || third.New != 0 || third.Updated != 0 || third.Items != 5 || third.Repeated != 5 || third.Dropped != 1 {
		t.Fatalf("poll of a document with only a new build date: %+v", third)
	}
	st, err := store.Open(st.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	page, err := st.Latest("all", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, s := range page.Stories {
		titles = append(titles, s.Title)
	}
	if len(titles) != 4 || !strings.Contains(strings.Join(titles, "|"), "250 ha chè") {
		t.Fatalf("stored: %q", titles)
	}
}

// versionedOutlet serves, on 127.0.0.2, the RSS of an outlet named channel
// at host with items (guid, title): its build date moves with the version
// it returns, and from version 1 on it carries added first.
func versionedOutlet(t *testing.T, channel, host string, added [2]string, items ...[2]string) (string, *atomic.Int32) {
	t.Helper()
	version := new(atomic.Int32)
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := version.Load()
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title><link>https://%s/</link><description>tin</description>`, channel, host)
		fmt.Fprintf(&b, `<lastBuildDate>Sat, 28 Nov 2026 %02d:00:00 +0700</lastBuildDate>`, 6+v)
		list := items
		if v >= 1 {
			list = append([][2]string{added}, items...)
		}
		for _, it := range list {
			fmt.Fprintf(&b, `<item><title>%s</title><link>https://%s/%s.html</link><guid isPermaLink="false">%s</guid><pubDate>Sat, 28 Nov 2026 06:00:00 +0700</pubDate><description>Tin ngắn: %s.</description></item>`,
				it[1], host, it[0], it[0], it[1])
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(b.String()))
	}))
	return url, version
}

// adFilter drops the advertisements the memo tests' outlets carry.
const adFilter = `filters: {drop_title_prefixes: ["Quảng cáo"]}`

// memoTestConfig is the memo tests' config: sources (a YAML flow list's
// entries) polled every interval into one category, then rest.
func memoTestConfig(t *testing.T, dir, interval, sources, rest string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir: %s
poll: {interval: %s, min_interval: 1s, max_interval: 4s, timeout: 2s, host_gap: 0s}
sources: [%s]
categories: [{id: thoi-su}]
default_category: thoi-su
%s
`, dir, interval, sources, rest)), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestRhythmCountsRepeatedItems: the publication rhythm of a document whose
// old items were not parsed again is measured over all its items, with the
// dates the memo kept for those.
func TestRhythmCountsRepeatedItems(t *testing.T) {
	var version atomic.Int32
	base := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Đài Lai Châu</title><link>https://laichau.test/</link><description>tin</description>`)
		minutes := []int{0, -10, -20, -200, -400}
		if version.Load() == 1 {
			minutes = append([]int{20, 10}, minutes...)
		}
		for _, m := range minutes {
			fmt.Fprintf(&b, `<item><title>Bản tin lúc %d</title><link>https://laichau.test/%d.html</link><pubDate>%s</pubDate></item>`,
				m, m+1000, base.Add(time.Duration(m)*time.Minute).Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(b.String()))
	}))
	cfg := testConfig(t, fastPoll, "laichau "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "laichau")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 5 {
		t.Fatalf("first poll: %+v", rep)
	}
	if gap := savedState(t, st, "laichau").PublishGap; gap != 180*time.Minute {
		t.Fatalf("first rhythm: %s, want the median gap 3h0m0s", gap)
	}
	version.Store(1)
	rep := p.Poll(context.Background(), src)
	if rep.Err != nil || rep.New != 2 || rep.Repeated != 5 {
		t.Fatalf("second poll: %+v; want 2 new items and 5 not parsed again", rep)
	}
	// Over all seven items the median gap is 10 minutes; the two new ones
	// alone are too few to tell, and would have kept 3 hours.
	if s := savedState(t, st, "laichau"); s.PublishGap != 10*time.Minute || !s.NewestItem.Equal(base.Add(20*time.Minute)) {
		t.Fatalf("second rhythm: gap %s, newest %s; want 10m0s and %s", s.PublishGap, s.NewestItem, base.Add(20*time.Minute))
	}
}

// TestMemoOutlivesReload: the pollers of successive configs share one Memo.
// A reload that leaves a source's settings alone keeps what is known of its
// last document; one that changes a filter makes its next document go
// through whole, so that the new filter reaches items already seen; a source
// the config no longer has is forgotten.
func TestMemoOutlivesReload(t *testing.T) {
	url, version := versionedOutlet(t, "Đài Điện Biên", "dienbien.test",
		[2]string{"db-5", "Mường Nhé mở lớp xoá mù chữ cho 40 học viên"},
		[2]string{"db-1", "Tuần Giáo thu hoạch lúa nương sớm hơn mọi năm"},
		[2]string{"db-2", "Quảng cáo: Homestay bản Mường Phăng giảm giá"},
		[2]string{"db-3", "Điện Biên Đông nâng cấp 12 km đường liên xã"})
	dir := t.TempDir()
	dienbien := fmt.Sprintf("{id: dienbien, url: %q, language: vi}", url)
	configWith := func(interval, extra, filters string) *config.Config {
		t.Helper()
		return memoTestConfig(t, dir, interval, dienbien+extra, filters)
	}
	cfg := configWith("1s", "", adFilter)
	first, st, logs := newPoller(t, cfg)
	log := slog.New(slog.NewTextHandler(logs, nil))
	if rep := first.Poll(context.Background(), source(t, cfg, "dienbien")); rep.Err != nil || rep.New != 2 || rep.Dropped != 1 {
		t.Fatalf("first poll: %+v", rep)
	}

	// A reload that adds a source and changes the interval: nothing that
	// reaches dienbien's items.
	cfg = configWith("2s", ", {id: muonglay, url: \"http://127.0.0.3:1/rss\", language: vi}", adFilter)
	second := New(cfg, st, log)
	if kept, changed := second.UseMemo(first.memo); kept != 1 || changed != 0 {
		t.Fatalf("a reload that left the source alone kept %d and forgot %d sources' documents, want 1 and 0", kept, changed)
	}
	version.Store(1)
	rep := second.Poll(context.Background(), source(t, cfg, "dienbien"))
	if rep.Err != nil || rep.New != 1 || rep.Dropped != 1 || rep.Items != 4 {
		t.Fatalf("poll after a reload that left the source alone: %+v", rep)
	}
	if rep.Repeated != 3 {
		t.Errorf("poll after a reload that left the source alone: %d items taken unparsed, want the 3 seen before it", rep.Repeated)
	}

	// A reload that lifts the filter: the next document, which differs
	// only in its build date, goes through whole, and the item the old
	// filter dropped is stored now.
	cfg = configWith("2s", "", "")
	third := New(cfg, st, log)
	if kept, changed := third.UseMemo(second.memo); kept != 0 || changed != 1 {
		t.Fatalf("a reload that changed the filters kept %d and forgot %d sources' documents, want 0 and 1", kept, changed)
	}
	version.Store(2)
	rep = third.Poll(context.Background(), source(t, cfg, "dienbien"))
	if rep.Err != nil || rep.Repeated != 0 || rep.New != 1 || rep.Dropped != 0 || rep.Items != 4 {
		t.Fatalf("poll after a reload that lifted the filter: %+v; want all 4 items parsed and the one dropped before stored", rep)
	}
	if n := third.memo.Len(); n != 1 {
		t.Fatalf("memo knows %d sources, want dienbien", n)
	}

	// A reload without the source forgets it.
	cfg = configWith("2s", "", "")
	cfg.Sources = nil
	if kept, changed := New(cfg, st, log).UseMemo(third.memo); kept != 0 || changed != 0 || third.memo.Len() != 0 {
		t.Fatalf("a reload that removed the source kept %d and counted %d as changed, want 0 and 0: it is gone, not changed", kept, changed)
	}
}

// TestMemoKey: the settings that decide what the pipeline makes of an item
// change a source's key; the others, and the source's interval, do not.
func TestMemoKey(t *testing.T) {
	const base = `data_dir: /tmp/nw
poll: {interval: 5m}
sources:
  - {id: laocai, url: "http://127.0.0.2/rss", language: vi}
categories: [{id: thoi-su}, {id: kinh-te, keywords: [giá]}]
default_category: thoi-su
`
	key := func(t *testing.T, text string) uint64 {
		t.Helper()
		cfg, err := config.Parse([]byte(text), "test.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return memoKey(memoSettings(cfg), source(t, cfg, "laocai"))
	}
	want := key(t, base)
	same := map[string]string{
		"another interval":   strings.Replace(base, "interval: 5m", "interval: 7m, concurrency: 3, per_host: 1, host_gap: 1s", 1),
		"the source's own":   strings.Replace(base, "language: vi}", "language: vi, interval: 20m}", 1),
		"another source":     strings.Replace(base, "categories:", "  - {id: yenbai, url: \"http://127.0.0.3/rss\"}\ncategories:", 1),
		"cache and partners": base + "cache_max_age: 2m\npartners: [{name: ttxvn, token: \"0123456789abcdef0123\"}]\n",
		"log":                base + "log: {level: debug}\n",
	}
	for what, text := range same {
		if got := key(t, text); got != want {
			t.Errorf("%s changed the key", what)
		}
	}
	other := map[string]string{
		"a filter":          base + "filters: {drop_keywords: [xổ số]}\n",
		"a category's rule": strings.Replace(base, "keywords: [giá]", "keywords: [giá, lãi suất]", 1),
		"joining by text":   base + "identity: {join: false}\n",
		"the time zone":     base + "time_zone: UTC\n",
		"max_items":         strings.Replace(base, "interval: 5m", "interval: 5m, max_items: 20", 1),
		"the source's url":  strings.Replace(base, "127.0.0.2", "127.0.0.4", 1),
		"its language":      strings.Replace(base, "language: vi", "language: en", 1),
		// Where the newswire is reached tells its own stories coming
		// back through another (ownAddresses).
		"listen":   base + "listen: 127.0.0.1:9090\n",
		"base_url": base + "base_url: https://newswire.example/\n",
	}
	for what, text := range other {
		if got := key(t, text); got == want {
			t.Errorf("%s left the key as it was", what)
		}
	}
}

// TestMemoOutlivesRestart: a memo set aside in the store at shutdown serves
// the next process's poller as if it had run all along; one the store was
// written to after is not used.
func TestMemoOutlivesRestart(t *testing.T) {
	url, version := versionedOutlet(t, "Đài Hòa Bình", "hoabinh.test",
		[2]string{"hb-40", "Mai Châu đón đoàn khảo sát du lịch cộng đồng"},
		[2]string{"hb-30", "Quảng cáo: Khu nghỉ dưỡng hồ Hòa Bình"},
		[2]string{"hb-20", "Lạc Sơn thu 1.200 tấn cam đầu vụ"},
		[2]string{"hb-10", "Kim Bôi khởi công trường mầm non xã Nật Sơn"})
	cfg := memoTestConfig(t, t.TempDir(), "1s", fmt.Sprintf("{id: hoabinh, url: %q, language: vi}", url), adFilter)
	src := source(t, cfg, "hoabinh")
	first, _, logs := newPoller(t, cfg)
	log := slog.New(slog.NewTextHandler(logs, nil))
	if rep := first.Poll(context.Background(), src); rep.Err != nil || rep.New != 2 || rep.Dropped != 1 {
		t.Fatalf("first poll: %+v", rep)
	}
	// restart sets first's memo aside, closes the store, runs between (if
	// any) on the closed file's next opening, and reopens it for a poller
	// that takes over the memo.
	restart := func(from *Poller, between func(*store.Store)) (*Poller, int, error) {
		t.Helper()
		if err := from.memo.Save(from.store); err != nil {
			t.Fatal(err)
		}
		path := from.store.Path()
		if err := from.store.Close(); err != nil {
			t.Fatal(err)
		}
		if between != nil {
			other, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			between(other)
			if err := other.Close(); err != nil {
				t.Fatal(err)
			}
		}
		next, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = next.Close() })
		p := New(cfg, next, log)
		m := &Memo{}
		n, err := m.Load(next)
		p.UseMemo(m)
		return p, n, err
	}

	second, n, err := restart(first, nil)
	if err != nil || n != 1 {
		t.Fatalf("memo taken over after a restart: %d sources, %v; want 1", n, err)
	}
	version.Store(1)
	rep := second.Poll(context.Background(), src)
	if rep.Err != nil || rep.New != 1 || rep.Dropped != 1 || rep.Items != 4 {
		t.Fatalf("poll after a restart: %+v", rep)
	}
	if rep.Repeated != 3 {
		t.Errorf("poll after a restart: %d items taken unparsed, want the 3 stored before it", rep.Repeated)
	}

	// Something else wrote to the store while the daemon was stopped: the
	// memo is not used, and the next document goes through whole.
	third, n, err := restart(second, func(other *store.Store) {
		if err := other.SaveSource(store.SourceState{ID: "hoabinh"}); err != nil {
			t.Fatal(err)
		}
	})
	if !errors.Is(err, store.ErrAsideStale) || n != 0 || third.memo.Len() != 0 {
		t.Fatalf("memo after a write between runs: %d sources, %v; want none and ErrAsideStale", n, err)
	}
	version.Store(2)
	if rep := third.Poll(context.Background(), src); rep.Err != nil || rep.Repeated != 0 || rep.New != 0 || rep.Dropped != 1 || rep.Items != 4 {
		t.Fatalf("poll after a stale memo: %+v; want all 4 items parsed, none new", rep)
	}
}

// TestMemoDocEncoding: a document set aside reads back as it was, and no
// cut or corrupted one is taken for a document.
func TestMemoDocEncoding(t *testing.T) {
	var m Memo
	m.remember("caobang", 0xfeed, feeds.Layout{Context: 7, ItemContext: 9}, []memoItem{
		{memoEntry: memoEntry{raw: 30, digest: 300, published: 1_795_000_000}},
		{memoEntry: memoEntry{raw: 10, digest: 100, published: 1_795_000_100}, drop: `filters.drop_keywords: "xổ số"`},
		{memoEntry: memoEntry{raw: 20, digest: 200}, date: feeds.DateIssue{Raw: "29 tháng 11, 2026 8 giờ"}},
		{memoEntry: memoEntry{raw: 40, digest: 400, published: 1_795_000_200}, date: feeds.DateIssue{Raw: "2026-12-03 08:00 +07:00", Future: true}},
		{memoEntry: memoEntry{raw: 50, digest: 500, published: 1_795_000_300}, updated: feeds.DateIssue{Raw: "thứ Hai, 31/13/2026"}},
		{memoEntry: memoEntry{raw: 60, digest: 600}, date: feeds.DateIssue{Raw: "sáng nay"}, updated: feeds.DateIssue{Raw: "2099-06-01T08:00:00+07:00", Future: true}},
	})
	doc := m.doc("caobang", 0xfeed)
	if len(doc.updated) != 2 {
		t.Fatalf("remembered the updated dates' issues %+v, want 2", doc.updated)
	}
	b := doc.appendBinary(nil)
	got, err := decodeMemoDoc(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, doc) {
		t.Fatalf("read back %+v, want %+v", got, doc)
	}
	for i := range len(b) {
		if _, err := decodeMemoDoc(b[:i]); err == nil {
			t.Errorf("the first %d of %d bytes read as a document", i, len(b))
		}
	}
	swapped := slices.Clone(b)
	copy(swapped[26:34], b[46:54]) // the first raw hash and the second
	copy(swapped[46:54], b[26:34])
	if _, err := decodeMemoDoc(swapped); err == nil {
		t.Error("a document with its raw hashes out of order was read")
	}

	// A document of format 3, without the updated dates' issues, reads.
	published := doc
	published.updated = nil
	three := published.appendBinary(nil)
	three[0] = 3
	if got, err := decodeMemoDoc(three); err != nil || !reflect.DeepEqual(got, published) {
		t.Errorf("a document of format 3 read as %+v, %v; want %+v", got, err, published)
	}
	if _, err := decodeMemoDoc(append([]byte{3}, b[1:]...)); err == nil {
		t.Error("a document of format 3 with an updated date's issue was read")
	}

	// A document of format 2, without date issues, reads.
	undated := doc
	undated.dates, undated.updated = nil, nil
	old := undated.appendBinary(nil)
	old = old[:len(old)-1] // the count of date issues, none
	old[0] = 2
	if got, err := decodeMemoDoc(old); err != nil || !reflect.DeepEqual(got, undated) {
		t.Errorf("a document of format 2 read as %+v, %v; want %+v", got, err, undated)
	}
}

// FuzzMemoDoc: no bytes in the store make decodeMemoDoc panic, and what it
// takes for a document encodes to a document it reads the same.
func FuzzMemoDoc(f *testing.F) {
	var m Memo
	m.remember("bacgiang", 42, feeds.Layout{Context: 1}, []memoItem{
		{memoEntry: memoEntry{raw: 5, digest: 6, published: 7}, drop: "filters.drop_title_prefixes"},
		{memoEntry: memoEntry{raw: 8, digest: 9}, date: feeds.DateIssue{Raw: "hôm qua"}},
		{memoEntry: memoEntry{raw: 10, digest: 11}, updated: feeds.DateIssue{Raw: "2099-06-01", Future: true}},
	})
	f.Add(m.doc("bacgiang", 42).appendBinary(nil))
	f.Add([]byte{memoFormat})
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := decodeMemoDoc(b)
		if err != nil {
			return
		}
		again, err := decodeMemoDoc(doc.appendBinary(nil))
		if err != nil || !reflect.DeepEqual(again, doc) {
			t.Fatalf("%x read as %+v, which reads back as %+v, %v", b, doc, again, err)
		}
	})
}

// TestMemoSaveLoad: a memo of many sources, of documents of every size,
// reads back from the store exactly as it was set aside.
func TestMemoSaveLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var m Memo
	for s := range 300 {
		items := make([]memoItem, rng.IntN(60))
		for i := range items {
			items[i] = memoItem{memoEntry: memoEntry{raw: rng.Uint64(), digest: rng.Uint64(), published: rng.Uint32()}}
			if rng.IntN(8) == 0 {
				items[i].drop = strings.Repeat("lọc ", rng.IntN(20))
			}
			if rng.IntN(10) == 0 {
				items[i].date = feeds.DateIssue{Raw: strings.Repeat("tháng ", rng.IntN(5)), Future: rng.IntN(2) == 0}
			}
			if rng.IntN(10) == 0 {
				items[i].updated = feeds.DateIssue{Raw: strings.Repeat("năm ", rng.IntN(5)), Future: rng.IntN(2) == 0}
			}
		}
		m.remember(fmt.Sprintf("nguon-%03d", s), rng.Uint64(), feeds.Layout{Context: rng.Uint64()}, items)
	}
	_, st, _ := newPoller(t, testConfig(t, fastPoll))
	if err := m.Save(st); err != nil {
		t.Fatal(err)
	}
	path := st.Path()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var loaded Memo
	if n, err := loaded.Load(st); err != nil || n != 300 {
		t.Fatalf("loaded %d sources, %v; want 300", n, err)
	}
	if !reflect.DeepEqual(loaded.bySource, m.bySource) {
		for id, doc := range m.bySource {
			if !reflect.DeepEqual(loaded.bySource[id], doc) {
				t.Fatalf("%s read back as %+v, want %+v", id, loaded.bySource[id], doc)
			}
		}
	}
}
