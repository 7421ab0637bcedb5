package farm

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
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
