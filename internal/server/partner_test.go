package server

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"newswire/store"
)

// TestPartnerSimulation is a partner pulling a category with ?since= while
// stories arrive and are edited at random times: the union of what it got
// is what was stored, each version of a story exactly once, and the last
// version it got of each story is the stored one. PARTNER_ROUNDS sets the
// number of pulls (default 300).
func TestPartnerSimulation(t *testing.T) {
	rounds := 300
	if v, err := strconv.Atoi(os.Getenv("PARTNER_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	fs := newFeedSite(t, "")
	// The partner starts as a reader would: a plain pull, then the cursor.
	resp, _ := fs.get(t, "GET", "/feeds/thoi-su.json")
	cursor := resp.Header.Get(headerCursor)
	if cursor == "" {
		t.Fatalf("no %s header on a plain pull", headerCursor)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		r := rand.New(rand.NewPCG(5, 2026))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(r.IntN(15)) * time.Millisecond):
			}
			src := []string{"baohagiang", "vov"}[r.IntN(2)]
			var items []store.Incoming
			for j := range 1 + r.IntN(3) {
				items = append(items, story(src, fmt.Sprintf("tin-%d-%d", i, j), fmt.Sprintf("Tin số %d-%d từ %s", i, j, src), r.IntN(600), "thoi-su"))
			}
			if i > 0 && r.IntN(4) == 0 {
				// An edit of an earlier story of this writer: a corrected title.
				k := r.IntN(i)
				edit := story(src, fmt.Sprintf("tin-%d-0", k), fmt.Sprintf("Tin số %d-0 từ %s (đính chính lần %d)", k, src, i), 0, "thoi-su")
				items = append(items, edit)
			}
			if _, err := fs.st.Apply(src, items, time.Now()); err != nil {
				t.Errorf("Apply: %v", err)
				return
			}
		}
	})

	seen := map[feedItem]bool{} // a story's id with one of its titles
	last := map[string]string{}
	formats := []string{"json", "rss", "atom"}
	pull := func(round int) {
		ext := formats[round%len(formats)]
		path := "/feeds/thoi-su." + ext + "?limit=7&since=" + url.QueryEscape(cursor)
		resp, body := fs.get(t, "GET", path)
		if resp.StatusCode != 200 {
			t.Fatalf("round %d: GET %s: %d %s", round, path, resp.StatusCode, body)
		}
		for _, it := range parseItems(t, ext, body) {
			if seen[it] {
				t.Errorf("round %d: %s %q delivered twice", round, it.id, it.title)
			}
			seen[it] = true
			last[it.id] = it.title
		}
		cursor = resp.Header.Get(headerCursor)
	}
	for round := range rounds {
		pull(round)
		time.Sleep(time.Duration(5+rand.IntN(15)) * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	// Drain: pull until the cursor stops moving.
	for round := rounds; ; round++ {
		before := cursor
		pull(round)
		if cursor == before {
			break
		}
	}

	stored := map[string]string{}
	cur := ""
	for {
		page, err := fs.st.Latest("thoi-su", 500, cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.Stories {
			stored[storyID(fs, st.ID)] = st.Title
		}
		if page.Next == "" {
			break
		}
		cur = page.Next
	}
	if len(stored) < rounds/2 {
		t.Fatalf("only %d stories stored in %d rounds: the simulation did not run", len(stored), rounds)
	}
	if len(last) != len(stored) {
		t.Errorf("partner got %d stories, %d stored", len(last), len(stored))
	}
	for id, title := range stored {
		if last[id] != title {
			t.Errorf("%s: partner's last version %q, stored %q", id, last[id], title)
		}
	}
	t.Logf("%d rounds, %d stories stored, %d versions delivered", rounds, len(stored), len(seen))
}

func storyID(fs *feedSite, id uint64) string {
	return fmt.Sprintf("tag:%s,2026:story/%d", fs.cfg.Authority(), id)
}

// feedItem is what the simulation compares of an item, in any format.
type feedItem struct{ id, title string }

func parseItems(t testing.TB, ext string, body []byte) []feedItem {
	t.Helper()
	var out []feedItem
	switch ext {
	case "json":
		var doc struct {
			Items []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("json feed: %v", err)
		}
		for _, it := range doc.Items {
			out = append(out, feedItem{it.ID, it.Title})
		}
	default:
		var doc struct {
			Items []struct {
				GUID  string `xml:"guid"`
				Title string `xml:"title"`
			} `xml:"channel>item"`
			Entries []struct {
				ID    string `xml:"id"`
				Title string `xml:"title"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s feed: %v", ext, err)
		}
		for _, it := range doc.Items {
			out = append(out, feedItem{it.GUID, it.Title})
		}
		for _, e := range doc.Entries {
			out = append(out, feedItem{e.ID, e.Title})
		}
	}
	return out
}

// TestFrontPageHidesPartnersOnly: stories only in a partners-only category
// stay off the public front page, its category has no public page, and the
// navigation does not name it.
func TestFrontPageHidesPartnersOnly(t *testing.T) {
	fs := newFeedSite(t, "")
	if _, err := fs.st.Apply("baohagiang", []store.Incoming{
		story("baohagiang", "hop-noi-bo", "Lịch họp giao ban nội bộ tuần này", 10, "noi-bo"),
		story("baohagiang", "le-hoi", "Lễ hội hoa tam giác mạch khai mạc", 20, "du-lich"),
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, raw := fs.get(t, "GET", "/")
	body := string(raw)
	if !strings.Contains(body, "Lễ hội hoa tam giác mạch") {
		t.Fatalf("public story missing from the front page")
	}
	for _, leak := range []string{"Lịch họp giao ban nội bộ", "Tin nội bộ", "/c/noi-bo"} {
		if strings.Contains(body, leak) {
			t.Errorf("front page shows %q", leak)
		}
	}
	if resp, _ := fs.get(t, "GET", "/c/noi-bo"); resp.StatusCode != 404 {
		t.Errorf("/c/noi-bo: %d, want 404", resp.StatusCode)
	}
}

// TestStatusShowsRetention: once retention has run, the status page and API
// say what it removed.
func TestStatusShowsRetention(t *testing.T) {
	fs := newFeedSite(t, "")
	if _, err := fs.st.Apply("baohagiang", []store.Incoming{
		story("baohagiang", "cu", "Tin cũ từ tháng ba", 10, "thoi-su"),
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.st.Prune(context.Background(), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), store.Policy{MaxAge: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	_, raw := fs.get(t, "GET", "/api/status")
	var st struct {
		Retention *store.RetentionStats `json:"retention"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.Retention == nil || st.Retention.Removed != 1 || st.Retention.Runs != 1 {
		t.Fatalf("retention in /api/status: %+v", st.Retention)
	}
	if _, page := fs.get(t, "GET", "/status"); !strings.Contains(string(page), "đã xoá 1 tin cũ") {
		t.Fatalf("status page does not show retention")
	}
}

// TestPartnersOnlyFeedsLinkHomeWithoutHub: a partners-only category's
// feeds link to the front page, since the category has no page of its
// own, and advertise no WebSub hub, which is never pinged for them and
// could not read them; public feeds keep both.
func TestPartnersOnlyFeedsLinkHomeWithoutHub(t *testing.T) {
	const hub = "https://hub.example.vn/"
	fs := newFeedSite(t, "websub: {hub: \""+hub+"\"}\n")
	fs.fill(t)
	type links struct {
		home string
		hub  bool
	}
	read := func(cat, ext string) links {
		t.Helper()
		resp, body := fs.get(t, "GET", "/feeds/"+cat+"."+ext, "Authorization: Bearer "+tokenVTV)
		if resp.StatusCode != 200 {
			t.Fatalf("%s.%s: %d", cat, ext, resp.StatusCode)
		}
		var l links
		switch ext {
		case "json":
			var doc struct {
				Home string `json:"home_page_url"`
				Hubs []struct {
					URL string `json:"url"`
				} `json:"hubs"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			l.home, l.hub = doc.Home, len(doc.Hubs) > 0
		default:
			// RSS <link> and atom:link in the channel; Atom <link>.
			type link struct {
				XMLName xml.Name
				Href    string `xml:"href,attr"`
				Rel     string `xml:"rel,attr"`
				Text    string `xml:",chardata"`
			}
			var doc struct {
				Channel []link `xml:"channel>link"`
				Feed    []link `xml:"link"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range append(doc.Channel, doc.Feed...) {
				switch {
				case k.XMLName.Space == "" && k.Text != "":
					l.home = k.Text
				case k.Rel == "alternate":
					l.home = k.Href
				case k.Rel == "hub":
					l.hub = k.Href == hub
				}
			}
		}
		return l
	}
	for _, ext := range []string{"rss", "atom", "json"} {
		if got, want := read("noi-bo", ext), (links{home: fs.srv.URL + "/"}); got != want {
			t.Errorf("noi-bo.%s: links %+v, want %+v", ext, got, want)
		}
		if got, want := read("du-lich", ext), (links{home: fs.srv.URL + "/c/du-lich", hub: true}); got != want {
			t.Errorf("du-lich.%s: links %+v, want %+v", ext, got, want)
		}
	}
	if resp, _ := fs.get(t, "GET", "/"); resp.StatusCode != 200 {
		t.Errorf("the front page a partners-only feed links to: %d", resp.StatusCode)
	}
}
