package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/story"
)

// synth writes synthetic stories fast: varied words, so that band keys
// spread as real text does, and one story every 90 seconds, so that a 72-hour
// window holds some 2,900 of them however many are stored.
type synth struct {
	vocab []string
}

func newSynth() *synth {
	s := &synth{}
	onsets := []string{"b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "ph", "qu", "s", "t", "th", "tr", "v", "x"}
	nuclei := []string{"a", "à", "á", "ả", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "oa", "uy", "iê", "ươ"}
	codas := []string{"", "n", "ng", "m", "c", "t", "nh", "p"}
	for _, o := range onsets {
		for _, n := range nuclei {
			for _, c := range codas {
				s.vocab = append(s.vocab, o+n+c)
			}
		}
	}
	return s
}

func (s *synth) words(rng *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = s.vocab[rng.IntN(len(s.vocab))]
	}
	return strings.Join(w, " ")
}

var synthT0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// item is story number n of the synthetic archive, the same every time.
func (s *synth) item(n int) Incoming {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	title := s.words(rng, 12)
	text := s.words(rng, 60)
	pub := synthT0.Add(time.Duration(n) * 90 * time.Second)
	link := "https://tinh.example/tin/" + strconv.Itoa(n) + ".html"
	in := Incoming{
		Item: feeds.Item{GUID: link, Link: link, Title: title, Summary: text, Published: pub, Language: "vi"},
		Key:  link, Categories: []string{"thoi-su"},
	}
	in.Doc = story.NewDoc(story.Input{Title: title, Text: text, Published: pub, Language: "vi"})
	return in
}

// fill stores n synthetic stories in large transactions without fsync:
// filling is setup, not what is measured.
func fill(b *testing.B, st *testStore, s *synth, n int) {
	b.Helper()
	st.db.NoSync = true
	defer func() { st.db.NoSync = false }()
	const batch = 1000
	for done := 0; done < n; done += batch {
		items := make([]Incoming, 0, batch)
		for i := done; i < min(n, done+batch); i++ {
			items = append(items, s.item(i))
		}
		if _, err := st.Apply("archive", items, synthT0.Add(time.Duration(done+batch)*90*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdentify measures identify-and-store per item with 10,000 and
// with 1,000,000 stories stored: each operation stores one document of 50
// items from another outlet, half of them copies of recent stories under new
// links (a prefix added, the last sentence cut) that must be joined by text,
// half new stories. fsync is off while measuring, so that the figure is the
// lookup and write work, not the disk's flush latency. The 1,000,000 case
// fills for minutes; it runs only with NEWSWIRE_BENCH_1M=1.
func BenchmarkIdentify(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("NEWSWIRE_BENCH_1M") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			st := newTestStore(b)
			s := newSynth()
			fill(b, st, s, n)
			st.db.NoSync = true
			// The texts are made before measuring; fingerprinting them is
			// part of identifying, so it is measured.
			type text struct {
				title, body string
				pub         time.Time
			}
			var copies, fresh []text
			for i := range 2000 {
				orig := s.item(n - 1 - i) // recent: within the window
				body := orig.Item.Summary
				copies = append(copies, text{"Tỉnh Xa: " + orig.Item.Title, body[:strings.LastIndex(body, " ")], orig.Item.Published.Add(time.Hour)})
				f := s.item(n + i)
				fresh = append(fresh, text{f.Item.Title, f.Item.Summary, f.Item.Published})
			}
			round, joined := 0, 0
			for b.Loop() {
				doc := make([]Incoming, 0, 50)
				for i := range 50 {
					t := fresh[(round*25+i/2)%len(fresh)]
					if i%2 == 0 {
						t = copies[(round*25+i/2)%len(copies)]
					}
					link := fmt.Sprintf("https://trunguong.example/%d-%d.html", round, i)
					doc = append(doc, Incoming{
						Item: feeds.Item{GUID: link, Link: link, Title: t.title, Summary: t.body, Published: t.pub, Language: "vi"},
						Key:  link, Categories: []string{"thoi-su"},
						Doc: story.NewDoc(story.Input{Title: t.title, Text: t.body, Published: t.pub, Language: "vi"}),
					})
				}
				res, err := st.Apply("trunguong", doc, synthT0.Add(time.Duration(n)*90*time.Second))
				if err != nil {
					b.Fatal(err)
				}
				joined += res.Joined
				round++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(round*50), "ns/item")
			b.ReportMetric(float64(joined)/float64(round*25), "joined/copy")
		})
	}
}

// BenchmarkNewStory stores documents of one new story each, as a feed that
// gained an item brings them, into a store of 20,000 fingerprinted stories:
// with bbolt pages of 4 KiB (every store file made before pageSize) and of
// pageSize. Each story files 28 band keys at random places of the
// fingerprint index, so each commit rewrites 28 leaves and the branches above
// them. fsync is off, so that the figure is the store's work rather than the
// disk's. It stores at most 3,000 stories a run: use -benchtime 2000x.
func BenchmarkNewStory(b *testing.B) {
	const stored, most = 20_000, 3000
	s := newSynth()
	items := make([]Incoming, most)
	for i := range items {
		items[i] = s.item(stored + i)
	}
	for _, size := range []int{4096, pageSize} {
		b.Run(fmt.Sprintf("page=%d", size), func(b *testing.B) {
			st := openTestStore(b, filepath.Join(b.TempDir(), "newswire.db"), Options{pageSize: size})
			fill(b, st, s, stored)
			st.db.NoSync = true
			n := 0
			for b.Loop() {
				if n == most {
					b.Fatalf("more than %d stories: run with -benchtime 2000x", most)
				}
				in := items[n]
				res, err := st.Apply("tinh", []Incoming{in}, in.Item.Published)
				if err != nil {
					b.Fatal(err)
				}
				if res.New != 1 {
					b.Fatalf("document %d: %+v, want one new story", n, res)
				}
				n++
			}
		})
	}
}

// BenchmarkOpen opens and closes a store of 20,000 fingerprinted stories
// made with bbolt pages of 4 KiB and of pageSize: Open rebuilds bbolt's free
// list by visiting every page of the file (NoFreelistSync), so it takes
// longer with smaller pages.
func BenchmarkOpen(b *testing.B) {
	const stored = 20_000
	s := newSynth()
	for _, size := range []int{4096, pageSize} {
		b.Run(fmt.Sprintf("page=%d", size), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "newswire.db")
			st := openTestStore(b, path, Options{pageSize: size})
			fill(b, st, s, stored)
			st.close()
			for b.Loop() {
				st, err := Open(path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
