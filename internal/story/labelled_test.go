package story

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// labelledStory is one story of the labelled set (testdata/identity/README.md).
type labelledStory struct {
	Story      string `yaml:"story"`
	NegativeOf string `yaml:"negative_of"`
	Items      []struct {
		Source    string    `yaml:"source"`
		Published time.Time `yaml:"published"`
		Language  string    `yaml:"language"`
		Title     string    `yaml:"title"`
		Text      string    `yaml:"text"`
	} `yaml:"items"`
}

type labelledItem struct {
	story, source string
	in            Input
	doc           *Doc
}

func loadLabelled(t testing.TB) ([]labelledStory, []labelledItem) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "identity", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled files: %v", err)
	}
	var stories []labelledStory
	var items []labelledItem
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var set []labelledStory
		if err := yaml.Unmarshal(b, &set); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range set {
			if seen[s.Story] {
				t.Fatalf("%s: story %q twice", f, s.Story)
			}
			seen[s.Story] = true
			for _, it := range s.Items {
				if it.Published.IsZero() {
					t.Fatalf("%s: story %q: an item without a published time", f, s.Story)
				}
				in := Input{Title: it.Title, Text: it.Text, Published: it.Published, Language: it.Language}
				items = append(items, labelledItem{story: s.Story, source: it.Source, in: in, doc: NewDoc(in)})
			}
		}
		stories = append(stories, set...)
	}
	for _, s := range stories {
		if s.NegativeOf != "" && !seen[s.NegativeOf] {
			t.Fatalf("story %q is a negative of unknown story %q", s.Story, s.NegativeOf)
		}
	}
	return stories, items
}

// memIndex is the store's candidate search in memory: band key to story
// numbers, newest last, searched newest first with the same caps.
type memIndex struct {
	bands   map[uint64][]int
	stories [][]labelledItem
}

// cluster joins items, in publication order, the way the store does, and
// returns each item's cluster number.
func cluster(items []labelledItem, window time.Duration) ([]int, []Verdict) {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return items[a].doc.Published.Compare(items[b].doc.Published) })
	x := memIndex{bands: map[uint64][]int{}}
	got := make([]int, len(items))
	why := make([]Verdict, len(items))
	for _, i := range order {
		it := items[i]
		target := -1
		for _, c := range Candidates(func(band uint64) []int { return newestFirst(x.bands[band]) }, it.doc) {
			// The store never joins an outlet to a story it already carries.
			if slices.ContainsFunc(x.stories[c], func(o labelledItem) bool { return o.source == it.source }) {
				continue
			}
			var occ []*Doc
			for _, o := range x.stories[c] {
				occ = append(occ, o.doc)
			}
			if v := Match(it.doc, occ, window); v.Same {
				target, why[i] = c, v
				break
			}
		}
		if target < 0 {
			target = len(x.stories)
			x.stories = append(x.stories, nil)
		}
		x.stories[target] = append(x.stories[target], it)
		got[i] = target
		for _, b := range it.doc.Bands() {
			if !slices.Contains(x.bands[b], target) {
				x.bands[b] = append(x.bands[b], target)
			}
		}
	}
	return got, why
}

func newestFirst(ids []int) []int {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

// TestLabelledSet measures pairwise precision and recall of joining on the
// labelled set, through the same candidate search and confirmation the store
// uses, and holds them to the targets.
func TestLabelledSet(t *testing.T) {
	stories, items := loadLabelled(t)
	got, why := cluster(items, DefaultWindow)

	var tp, fp, fn, negPairs, negJoined int
	negative := map[[2]string]bool{}
	for _, s := range stories {
		if s.NegativeOf != "" {
			negative[[2]string{s.Story, s.NegativeOf}] = true
			negative[[2]string{s.NegativeOf, s.Story}] = true
		}
	}
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			same := items[i].story == items[j].story
			joined := got[i] == got[j]
			switch {
			case same && joined:
				tp++
			case same:
				fn++
				t.Logf("missed: %q / %q", items[i].doc.Title, items[j].doc.Title)
				t.Logf("  %s", Match(items[i].doc, []*Doc{items[j].doc}, DefaultWindow))
			case joined:
				fp++
				t.Logf("wrongly joined: %q / %q: %s", items[i].doc.Title, items[j].doc.Title, why[j])
			}
			if negative[[2]string{items[i].story, items[j].story}] {
				negPairs++
				if joined {
					negJoined++
				}
			}
		}
	}
	clusters, negatives := 0, 0
	for _, s := range stories {
		if len(s.Items) > 1 {
			clusters++
		}
		if s.NegativeOf != "" {
			negatives++
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	t.Logf("%d items, %d stories of several outlets, %d hard negatives (%d pairs, %d joined)", len(items), clusters, negatives, negPairs, negJoined)
	t.Logf("pairs: %d joined rightly, %d wrongly, %d missed: precision %.3f, recall %.3f", tp, fp, fn, precision, recall)
	if clusters < 40 || negatives < 30 {
		t.Errorf("the set needs at least 40 stories of several outlets and 30 hard negatives, has %d and %d", clusters, negatives)
	}
	if precision < 0.99 || recall < 0.95 {
		t.Errorf("precision %.3f (want ≥ 0.99), recall %.3f (want ≥ 0.95)", precision, recall)
	}
}
