package farm

import (
	"io"
	"net/http"
	"strings"
	"testing"
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
