package server

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"newswire/feeds"
	"newswire/store"
)

// archiveNews stores n stories of baohagiang, numbered from first, in
// documents of 50: every third in du-lich too, every seventh for partners
// only, and every eleventh dated long before the rest (an outlet's late
// item, which still goes to the archive of the id it gets).
func archiveNews(t *testing.T, fs *feedSite, first, n int) {
	t.Helper()
	places := []string{"Đồng Văn", "Mèo Vạc", "Quản Bạ", "Yên Minh", "Bắc Mê", "Hoàng Su Phì", "Xín Mần", "Vị Xuyên"}
	events := []string{"khai trương chợ phiên", "sửa đường liên xã", "mở lớp dạy chữ Mông", "đón đoàn khách Pháp", "thu hoạch chè Shan tuyết", "diễn tập phòng cháy rừng"}
	var doc []store.Incoming
	for i := first; i < first+n; i++ {
		cats := []string{"thoi-su"}
		switch {
		case i%7 == 0:
			cats = []string{"noi-bo"}
		case i%3 == 0:
			cats = append(cats, "du-lich")
		}
		minutes := i
		if i%11 == 0 {
			minutes = -3000 + i
		}
		title := fmt.Sprintf("%s %s, số %d", places[i%len(places)], events[i%len(events)], i)
		doc = append(doc, story("baohagiang", fmt.Sprintf("tin-%d", i), title, minutes, cats...))
		if len(doc) == 50 || i == first+n-1 {
			fs.apply(t, "baohagiang", doc...)
			doc = nil
		}
	}
}

var linkHeader = regexp.MustCompile(`<([^>]*)>; rel="([^"]*)"`)

// links are a response's Link header fields, by rel.
func links(resp *http.Response) map[string]string {
	out := map[string]string{}
	for _, v := range resp.Header.Values("Link") {
		for _, m := range linkHeader.FindAllStringSubmatch(v, -1) {
			out[m[2]] = m[1]
		}
	}
	return out
}

// TestArchivedFeedsHoldEveryStory walks each feed's RFC 5005 archives from
// its newest document, in every format: the documents together hold every
// story of the category, each archive names itself an archive, its current
// document and its neighbours in its body as in its Link header, and no
// story is in two archives.
func TestArchivedFeedsHoldEveryStory(t *testing.T) {
	fs := newFeedSite(t, "")
	archiveNews(t, fs, 1, 700)
	want := map[string]map[string]bool{"all": {}, "thoi-su": {}, "du-lich": {}, "noi-bo": {}}
	err := fs.st.ForEach(func(st feeds.Story) error {
		id := st.Link
		for _, c := range st.Categories {
			want[c][id] = true
		}
		if !slices.Equal(st.Categories, []string{"noi-bo"}) {
			want["all"][id] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range []string{"all", "thoi-su", "du-lich", "noi-bo"} {
		for _, ext := range []string{"rss", "atom", "json"} {
			path, auth := "/feeds/"+cat+"."+ext, "X-None: 1"
			if cat == "noi-bo" {
				auth = "Authorization: Bearer " + tokenVTV
			}
			// A page shorter than the feed, which links its archives.
			resp, body := fs.get(t, "GET", path+"?limit=50", auth)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			got, inArchive := map[string]bool{}, map[string]string{}
			add := func(doc string, body []byte) {
				f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: %v", doc, err)
				}
				for _, it := range f.Items {
					got[it.Link] = true
				}
			}
			add(path, body)
			next, seen := links(resp)["prev-archive"], 0
			if next == "" {
				t.Fatalf("%s links no archive: %v", path, resp.Header.Values("Link"))
			}
			for next != "" {
				if seen++; seen > 10 {
					t.Fatalf("%s: more archives than the stories fill", path)
				}
				resp, body := request(t, "GET", next, auth)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
				}
				l := links(resp)
				if l["current"] != fs.srv.URL+path {
					t.Errorf("%s: current %q, want %q", next, l["current"], fs.srv.URL+path)
				}
				for _, rel := range []string{"current", "prev-archive", "next-archive"} {
					href := l[rel]
					if href == "" {
						continue
					}
					inBody := bytes.Contains(body, []byte(`href="`+html.EscapeString(href)+`" rel="`+rel+`"`)) ||
						bytes.Contains(body, []byte(fmt.Sprintf(`"%s":%q`, strings.ReplaceAll(rel, "-", "_"), href)))
					if !inBody {
						t.Errorf("%s: its %s link %s is not in its body", next, rel, href)
					}
				}
				if !bytes.Contains(body, []byte("<fh:archive></fh:archive>")) && !bytes.Contains(body, []byte(`"archive":true`)) {
					t.Errorf("%s does not say it is an archive", next)
				}
				f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: %v", next, err)
				}
				for _, it := range f.Items {
					if other, ok := inArchive[it.Link]; ok {
						t.Errorf("%s in two archives: %s and %s", it.Link, other, next)
					}
					inArchive[it.Link] = next
					got[it.Link] = true
				}
				next = l["prev-archive"]
			}
			t.Logf("%s: %d stories in its documents, %d archives", path, len(got), seen)
			if seen < 2 {
				t.Errorf("%s: %d archives for 700 stories of 250 ids each", path, seen)
			}
			for id := range want[cat] {
				if !got[id] {
					t.Errorf("%s: %s in no document", path, id)
				}
			}
			for id := range got {
				if !want[cat][id] {
					t.Errorf("%s: %s is not a story of the feed", path, id)
				}
			}
		}
	}
}

// TestArchivesKeepTheirStories checks that an archive's document stays what
// it was once its span of ids is handed out, and that the newest archive is
// linked as a snapshot whose URL names one set of stories, even when an
// outlet's late item dated long ago arrives.
func TestArchivesKeepTheirStories(t *testing.T) {
	fs := newFeedSite(t, "")
	archiveNews(t, fs, 1, 300)
	resp, _ := fs.get(t, "GET", "/feeds/thoi-su.atom")
	snapshot := links(resp)["prev-archive"]
	if !strings.HasSuffix(snapshot, "/feeds/thoi-su.atom?archive=1-300") {
		t.Fatalf("newest archive linked as %q, want archive=1-300 (ids 251-500, handed out up to 300)", snapshot)
	}
	_, full := fs.get(t, "GET", "/feeds/thoi-su.atom?archive=0")
	_, snap := request(t, "GET", snapshot)

	archiveNews(t, fs, 301, 100) // ids 301-400, some dated days before the rest
	if _, again := fs.get(t, "GET", "/feeds/thoi-su.atom?archive=0"); !bytes.Equal(again, full) {
		t.Errorf("full archive 0 changed when stories arrived:\n%s\nthen\n%s", full, again)
	}
	// A snapshot keeps its stories, and names the rest of its archive
	// once there is a rest.
	resp, again := request(t, "GET", snapshot)
	if !slices.Equal(itemLinks(t, again), itemLinks(t, snap)) {
		t.Errorf("snapshot %s changed its stories when stories arrived", snapshot)
	}
	if l := links(resp)["next-archive"]; !strings.HasSuffix(l, "/feeds/thoi-su.atom?archive=1") {
		t.Errorf("snapshot %s names %q as next, want the rest of its archive", snapshot, l)
	}
	resp, _ = fs.get(t, "GET", "/feeds/thoi-su.atom")
	if l := links(resp)["prev-archive"]; !strings.HasSuffix(l, "?archive=1-400") {
		t.Errorf("after 100 more stories the newest archive is linked as %q, want archive=1-400", l)
	}
	_, open := fs.get(t, "GET", "/feeds/thoi-su.atom?archive=1")
	if !bytes.Contains(open, []byte("/tin/tin-330<")) && !bytes.Contains(open, []byte("/tin/tin-330\"")) {
		t.Errorf("archive 1 lacks story 330, dated days before archive 0's:\n%s", open)
	}

	archiveNews(t, fs, 401, 100) // ids 401-500: archive 1 is full
	resp, _ = fs.get(t, "GET", "/feeds/thoi-su.atom")
	if l := links(resp)["prev-archive"]; !strings.HasSuffix(l, "?archive=1") {
		t.Errorf("a full newest archive is linked as %q, want archive=1", l)
	}
	archiveNews(t, fs, 501, 1)
	resp, _ = fs.get(t, "GET", "/feeds/thoi-su.atom")
	if l := links(resp)["prev-archive"]; !strings.HasSuffix(l, "?archive=2-501") {
		t.Errorf("the next archive begun is linked as %q, want archive=2-501", l)
	}
}

// itemLinks are the links of a feed document's items, in order.
func itemLinks(t *testing.T, body []byte) []string {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Link)
	}
	return out
}

func TestArchiveRequestsThatNameNone(t *testing.T) {
	fs := newFeedSite(t, "")
	archiveNews(t, fs, 1, 60)
	for _, tt := range []struct {
		query  string
		status int
		says   string
	}{
		{"archive=x", http.StatusBadRequest, "archive"},
		{"archive=1-", http.StatusBadRequest, "archive"},
		{"archive=0-0", http.StatusBadRequest, "archive"},
		{"archive=0&limit=5", http.StatusBadRequest, "limit"},
		{"archive=0&since=abc", http.StatusBadRequest, "since"},
		{"archive=7", http.StatusNotFound, "not an archive of this feed"},
		{"archive=0-251", http.StatusNotFound, "not an archive of this feed"},
		{"archive=0-61", http.StatusNotFound, "not an archive of this feed"},
		// The only archive holds every story: a complete document.
		{"archive=0-60", http.StatusOK, "<fh:complete></fh:complete>"},
		{"archive=0", http.StatusOK, "<fh:complete></fh:complete>"},
	} {
		resp, body := fs.get(t, "GET", "/feeds/thoi-su.rss?"+tt.query)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.says) {
			t.Errorf("?%s: %d %s, want %d saying %q", tt.query, resp.StatusCode, body, tt.status, tt.says)
		}
	}
	// A feed that has never held a story links no archive, nor one whose
	// document holds every story; a shorter page of it does.
	if resp, _ := fs.get(t, "GET", "/feeds/the-thao.rss"); links(resp)["prev-archive"] != "" {
		t.Errorf("an empty feed links an archive: %v", resp.Header.Values("Link"))
	}
	if resp, _ := fs.get(t, "GET", "/feeds/thoi-su.rss"); links(resp)["prev-archive"] != "" {
		t.Errorf("a feed of 60 stories in a document of 100 links an archive: %v", resp.Header.Values("Link"))
	}
	if resp, _ := fs.get(t, "GET", "/feeds/thoi-su.rss?limit=10"); !strings.HasSuffix(links(resp)["prev-archive"], "?archive=0-60") {
		t.Errorf("a page of 10 of 60 stories links no archive: %v", resp.Header.Values("Link"))
	}
}
