package poll_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"newswire/internal/config"
	"newswire/internal/poll"
	"newswire/internal/server"
	"newswire/store"
)

// htmlOutlet serves a listing page that the test can redesign, and an
// article page at every other path, counting article requests.
type htmlOutlet struct {
	mu       sync.Mutex
	listing  []byte
	articles int
}

func (o *htmlOutlet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.URL.Path == "/tin-tuc/" {
		_, _ = w.Write(o.listing)
		return
	}
	o.articles++
	fmt.Fprintf(w, `<html><body><div class="noi-dung"><p>Toàn văn bài %s</p><script>alert(1)</script></div></body></html>`, r.URL.Path)
}

func (o *htmlOutlet) redesign(from, to string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.listing = []byte(strings.ReplaceAll(string(o.listing), from, to))
}

func (o *htmlOutlet) articleRequests() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.articles
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

type apiStatus struct {
	Sources []struct {
		ID        string `json:"id"`
		State     string `json:"state"`
		Error     string `json:"error"`
		Warning   string `json:"warning"`
		LastItems int    `json:"last_items"`
	} `json:"sources"`
}

// TestHTMLSourceEndToEnd polls an outlet that has no feed through the whole
// pipeline into the store and out of the merged feed, then redesigns its
// page: the status API must name the selector that stopped matching at the
// very next poll.
func TestHTMLSourceEndToEnd(t *testing.T) {
	listing, err := os.ReadFile("../scrape/testdata/card-grid.html")
	if err != nil {
		t.Fatal(err)
	}
	outlet := &htmlOutlet{listing: listing}
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Fatal(err)
	}
	outletSrv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: outlet}}
	outletSrv.Start()
	t.Cleanup(outletSrv.Close)

	yml := fmt.Sprintf(`data_dir: %s
poll: {interval: 1m, min_interval: 1m, max_interval: 1h, timeout: 5s, host_gap: 0s}
sources:
  - id: dai-tinh
    url: %s/tin-tuc/
    type: html
    html:
      item: article.card
      title: h3.card-title
      link: h3.card-title a
      date: time.pub
      summary: p.sapo
      image: a.thumb img
      detail: true
      body: div.noi-dung
categories:
  - {id: du-lich, keywords: [du lịch, du khách, lễ hội]}
  - {id: thoi-su}
default_category: thoi-su
`, t.TempDir(), outletSrv.URL)
	cfg, err := config.Parse([]byte(yml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	log := slog.New(slog.DiscardHandler)
	p := poll.New(cfg, st, log)
	web := httptest.NewServer(server.New(cfg, st, log).Handler())
	t.Cleanup(web.Close)
	src := cfg.Sources[0]
	ctx := context.Background()

	rep := p.Poll(ctx, src)
	if rep.Err != nil || rep.Result != poll.ResultOK || rep.New != 6 || rep.Warning != "" {
		t.Fatalf("first poll: %+v", rep)
	}
	if got := outlet.articleRequests(); got != 6 {
		t.Errorf("first poll fetched %d article pages, want 6", got)
	}
	var feed struct {
		Items []struct {
			ID          string   `json:"id"`
			URL         string   `json:"url"`
			Title       string   `json:"title"`
			ContentHTML string   `json:"content_html"`
			Published   string   `json:"date_published"`
			Image       string   `json:"image"`
			Tags        []string `json:"tags"`
		} `json:"items"`
	}
	getJSON(t, web.URL+"/feeds/du-lich.json", &feed)
	if len(feed.Items) != 2 {
		t.Fatalf("du-lich feed has %d items, want the 2 about tourism and festivals: %+v", len(feed.Items), feed.Items)
	}
	first := feed.Items[0]
	if first.Title != "Ruộng bậc thang vào mùa vàng, du khách đổ về các xã vùng cao" ||
		first.Published != "2021-12-13T08:22:00Z" ||
		!strings.Contains(first.ContentHTML, "Toàn văn bài /tin/ruong-bac-thang-mua-vang-1201.html") ||
		strings.Contains(first.ContentHTML, "<script") ||
		first.Image != outletSrv.URL+"/uploads/2021/12/ruong-bac-thang.jpg" {
		t.Errorf("first story in the merged feed: %+v", first)
	}

	// The same page again: nothing to do, and no article page fetched twice.
	if rep := p.Poll(ctx, src); rep.Err != nil || rep.Result != poll.ResultNotModified {
		t.Errorf("unchanged page: %+v", rep)
	}
	outlet.redesign(`<article class="card"`, `<article class="card" data-x="1"`)
	if rep := p.Poll(ctx, src); rep.Err != nil || rep.Result != poll.ResultOK || rep.New != 0 {
		t.Errorf("page changed, items not: %+v", rep)
	}
	if got := outlet.articleRequests(); got != 6 {
		t.Errorf("after three polls %d article pages were fetched, want still 6", got)
	}

	steps := []struct {
		from, to, wantErr, selector string
	}{
		{`<h3 class="card-title">`, `<h2 class="tieu-de">`, `title selector "h3.card-title" matched nothing in any of the 6 items`, "h3.card-title"},
		{`<article class="card`, `<div class="story`, `item selector "article.card" matched nothing`, "article.card"},
	}
	for _, s := range steps {
		outlet.redesign(s.from, s.to)
		rep := p.Poll(ctx, src)
		if rep.Err == nil || !strings.Contains(rep.Err.Error(), s.wantErr) {
			t.Errorf("after redesign %q → %q: poll err = %v, want %q", s.from, s.to, rep.Err, s.wantErr)
		}
		var status apiStatus
		getJSON(t, web.URL+"/api/status", &status)
		if len(status.Sources) != 1 {
			t.Fatalf("status lists %d sources", len(status.Sources))
		}
		got := status.Sources[0]
		if got.State != "failing" || !strings.Contains(got.Error, s.wantErr) || !strings.Contains(got.Error, outletSrv.URL+"/tin-tuc/") {
			t.Errorf("after redesign %q → %q: status = %+v, want failing with %q", s.from, s.to, got, s.wantErr)
		}
		resp, err := http.Get(web.URL + "/status")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "matched nothing") || !strings.Contains(string(page), s.selector) {
			t.Errorf("the status page does not show the error naming %q", s.selector)
		}
	}
}

// TestHTMLSourceNewSelectorsReadTheSamePage edits an html source's selectors
// to take the lead story the first ones missed, while the outlet's page stays
// as it was: the next poll reads it with the new ones, past the outlet's 304
// and the page's unchanged bytes, rather than report it not modified.
func TestHTMLSourceNewSelectorsReadTheSamePage(t *testing.T) {
	listing, err := os.ReadFile("../scrape/testdata/lead-grid.html")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	etag := `"v1"`
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Fatal(err)
	}
	outletSrv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(listing)
	})}}
	outletSrv.Start()
	t.Cleanup(outletSrv.Close)

	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	poller := func(item, title, link string) (*poll.Poller, config.Source) {
		cfg, err := config.Parse(fmt.Appendf(nil, `data_dir: %s
poll: {interval: 1m, min_interval: 1m, max_interval: 1h, timeout: 5s, host_gap: 0s}
sources:
  - id: mien-nui
    url: %s/chuyen-muc/xa-hoi
    type: html
    html: {item: %q, title: %q, link: %q, date: span.time}
categories: [{id: xa-hoi}]
default_category: xa-hoi
`, dir, outletSrv.URL, item, title, link), "test.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return poll.New(cfg, st, slog.New(slog.DiscardHandler)), cfg.Sources[0]
	}
	ctx := context.Background()

	p, src := poller("div.box-list > div.story", "h3.story__title", "h3.story__title > a")
	if rep := p.Poll(ctx, src); rep.Err != nil || rep.Result != poll.ResultOK || rep.New != 4 {
		t.Fatalf("first poll: %+v", rep)
	}
	if rep := p.Poll(ctx, src); rep.Err != nil || rep.Result != poll.ResultNotModified {
		t.Fatalf("second poll, same selectors: %+v", rep)
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}

	// The selectors edited (a reload, or the next newswire fetch): a 304,
	// then the same bytes once the validators are dropped.
	for _, step := range []string{"the outlet's 304", "the same bytes"} {
		p, src = poller("div.story", ".story__title", ".story__title a")
		if step == "the same bytes" {
			mu.Lock()
			etag = `"v2"`
			mu.Unlock()
			p, src = poller("div.story", ".story__title", ".story__title > a")
		}
		rep := p.Poll(ctx, src)
		if rep.Err != nil || rep.Result != poll.ResultOK || rep.Items != 5 {
			t.Errorf("new selectors past %s: %+v, want the page read again with 5 items", step, rep)
		}
		if want := btoi(step == "the outlet's 304"); rep.New != want {
			t.Errorf("new selectors past %s: %d new stories, want %d (the lead story, once): %+v", step, rep.New, want, rep)
		}
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
