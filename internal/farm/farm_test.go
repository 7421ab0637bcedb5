package farm

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"newswire/internal/story"
)

// get fetches url with If-None-Match etag and returns the status, the ETag
// and the body.
func get(t *testing.T, url, etag string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("ETag"), string(body)
}

func TestConditionalGetAndChange(t *testing.T) {
	f, err := Start(Options{Feeds: 3, Items: 4, Hosts: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	url := f.URLs()[1]
	status, etag, body := get(t, url, "")
	if status != http.StatusOK || etag == "" || strings.Count(body, "<item>") != 4 {
		t.Fatalf("first GET: %d, ETag %q, %d items", status, etag, strings.Count(body, "<item>"))
	}
	if status, _, _ := get(t, url, etag); status != http.StatusNotModified {
		t.Fatalf("GET with the ETag: %d, want 304", status)
	}
	c := f.Change(1)
	status, etag2, body := get(t, url, etag)
	if status != http.StatusOK || etag2 == etag || !strings.Contains(body, c.Title) {
		t.Fatalf("GET after a change: %d, ETag %q (was %q), new title present %v", status, etag2, etag, strings.Contains(body, c.Title))
	}
	if st := f.Stats(); st.Requests != 3 || st.Fresh != 2 || st.Unchanged304 != 1 {
		t.Errorf("Stats() = %+v, want 3 requests, 2 fresh, 1 unchanged answered 304", st)
	}
}

func TestChangeEachRequest(t *testing.T) {
	f, err := Start(Options{Feeds: 1, Items: 4, Hosts: 1, ChangeEachRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	url := f.URLs()[0]
	_, etag, _ := get(t, url, "")
	for i := range 3 {
		status, next, body := get(t, url, etag)
		if status != http.StatusOK || next == etag {
			t.Fatalf("request %d with the last ETag: %d, ETag %q, want 200 with a new one", i, status, next)
		}
		if changes := f.Changes(); !strings.Contains(body, changes[len(changes)-1].Title) {
			t.Fatalf("request %d: the newest item %q is not in the document", i, changes[len(changes)-1].Title)
		}
		etag = next
	}
}

// TestDetailed reads a detailed farm's feed as a reader would: every item
// has its author, its section and an HTML description with the lead image,
// three paragraphs in its headline's language and a link to the story.
func TestDetailed(t *testing.T) {
	plain, err := Start(Options{Feeds: 1, Items: 8, Hosts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	f, err := Start(Options{Feeds: 1, Items: 8, Hosts: 1, Detailed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, _, short := get(t, plain.URLs()[0], "")
	_, _, body := get(t, f.URLs()[0], "")
	if len(body) < 3*len(short) {
		t.Errorf("a detailed document of 8 items is %d bytes, the plain one %d: want three times as long at least", len(body), len(short))
	}
	feed, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 8 {
		t.Fatalf("%d items, want 8", len(feed.Items))
	}
	for _, it := range feed.Items {
		d := it.Description
		english := strings.Contains(d, "Reporters at the scene")
		vietnamese := strings.Contains(d, "Theo ghi nhận của phóng viên")
		if it.Author == nil || it.Author.Name == "" || len(it.Categories) != 1 ||
			!strings.Contains(d, "<img src=") || strings.Count(d, "<p>") != 5 || !strings.Contains(d, `href="`+it.Link+`"`) ||
			english == vietnamese {
			t.Errorf("item %q: author %v, categories %q, description %q", it.Title, it.Author, it.Categories, d)
		}
		if want := slices.Index(topics, strings.SplitN(it.Title, " (", 2)[0]) >= firstEnglishTopic; english != want {
			t.Errorf("item %q: description in English %v, want %v", it.Title, english, want)
		}
	}
}

// TestStoriesKeptApart holds every pair of the farm's items apart under the
// identity rules the daemon joins stories by: a farm whose items joined
// would store fewer stories than it serves, and a benchmark that counts them
// would count wrong. Feed 2's item 0 and feed 0's item 2 share a headline
// and nearly all their text, so the numbers the headlines carry must tell
// them apart.
func TestStoriesKeptApart(t *testing.T) {
	f := &Farm{opt: Options{Items: 50, Start: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}}
	tags := regexp.MustCompile(`<[^>]*>`)
	doc := func(feedNo, itemNo int, detailed bool) *story.Doc {
		text := Summary(feedNo, itemNo)
		if detailed {
			text = tags.ReplaceAllString(Detail(feedNo, itemNo), " ")
		}
		return story.NewDoc(story.Input{Title: Title(feedNo, itemNo), Text: text, Published: f.published(itemNo), Language: "vi"})
	}
	for _, detailed := range []bool{false, true} {
		joined := 0
		for a := range 24 {
			for b := range 24 {
				// Every pair whose headlines share a topic: (a, b)
				// against its mirror (b, a), and against the same
				// feed's or item's neighbours a cycle of topics on.
				pairs := [][2][2]int{{{a, b}, {b, a}}, {{a, b}, {a + len(topics), b}}, {{a, b}, {a, b + len(topics)}}}
				for _, p := range pairs {
					if p[0] == p[1] {
						continue
					}
					if v := story.Confirm(doc(p[0][0], p[0][1], detailed), doc(p[1][0], p[1][1], detailed), 0); v.Same {
						if joined++; joined <= 3 {
							t.Errorf("detailed %v: feed %d item %d and feed %d item %d are one story: %s", detailed, p[0][0], p[0][1], p[1][0], p[1][1], v)
						}
					}
				}
			}
		}
		if joined > 3 {
			t.Errorf("detailed %v: %d pairs joined in all", detailed, joined)
		}
	}
}
