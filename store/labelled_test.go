package store

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"newswire/feeds"
	"newswire/internal/story"
)

// TestLabelledSetThroughStore stores the labelled set of package story
// (internal/story/testdata/identity) through Apply, each item from its own
// outlet in publication order, and measures pairwise precision and recall of
// the stories that result: the whole path, bbolt index included.
func TestLabelledSetThroughStore(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "internal", "story", "testdata", "identity", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled files: %v", err)
	}
	type item struct {
		story, source, language, title, text string
		published                            time.Time
	}
	var items []item
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var set []struct {
			Story string `yaml:"story"`
			Items []struct {
				Source    string    `yaml:"source"`
				Published time.Time `yaml:"published"`
				Language  string    `yaml:"language"`
				Title     string    `yaml:"title"`
				Text      string    `yaml:"text"`
			} `yaml:"items"`
		}
		if err := yaml.Unmarshal(b, &set); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range set {
			for _, it := range s.Items {
				items = append(items, item{s.Story, it.Source, it.Language, it.Title, it.Text, it.Published})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.published.Compare(b.published) })

	s := newTestStore(t)
	for i, it := range items {
		link := "https://" + it.source + ".example/" + it.story + ".html"
		in := Incoming{
			Item: feeds.Item{GUID: link, Link: link, Title: it.title, Summary: it.text, Published: it.published, Language: it.language},
			Key:  story.CanonicalLink(link), Categories: []string{"thoi-su"},
			Doc: story.NewDoc(story.Input{Title: it.title, Text: it.text, Published: it.published, Language: it.language}),
		}
		if _, err := s.Apply(it.source, []Incoming{in}, it.published.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	storyOf := map[string]uint64{} // source + link → stored story
	language := map[uint64]string{}
	err = s.ForEach(func(st feeds.Story) error {
		for _, o := range st.Sources {
			storyOf[o.Source+" "+o.Link] = st.ID
		}
		language[st.ID] = st.Language
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]uint64, len(items))
	for i, it := range items {
		got[i] = storyOf[it.source+" https://"+it.source+".example/"+it.story+".html"]
		// The set's languages reach the store as a feed's would, as they
		// reach package story's test.
		if it.language != "" && language[got[i]] != it.language {
			t.Errorf("%s of %s: stored in story %d of language %q, labelled %q", it.source, it.story, got[i], language[got[i]], it.language)
		}
	}
	var tp, fp, fn int
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			same, joined := items[i].story == items[j].story, got[i] == got[j]
			switch {
			case same && joined:
				tp++
			case same:
				fn++
			case joined:
				fp++
				t.Logf("wrongly joined: %q / %q", items[i].title, items[j].title)
			}
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	t.Logf("through the store: %d items; pairs %d joined rightly, %d wrongly, %d missed: precision %.3f, recall %.3f",
		len(items), tp, fp, fn, precision, recall)
	if precision < 0.99 || recall < 0.95 {
		t.Errorf("precision %.3f (want ≥ 0.99), recall %.3f (want ≥ 0.95)", precision, recall)
	}
	checkFingerprints(t, s)
}
