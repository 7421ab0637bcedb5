package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/store"
)

// fixtureStory is one item of testdata/front/stories.json. OUTLET in its
// URLs stands for the loopback outlet that serves the images.
type fixtureStory struct {
	Source     string   `json:"source"`
	GUID       string   `json:"guid"`
	Link       string   `json:"link"`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	MinutesAgo int      `json:"minutes_ago"`
	Language   string   `json:"language"`
	Categories []string `json:"categories"`
	Image      string   `json:"image"`
}

// frontSite is newswire serving a real store filled with the fixture
// stories, next to an outlet that serves their images, both on loopback.
type frontSite struct {
	srv    *httptest.Server
	outlet *httptest.Server
	st     *store.Store
	cfg    *config.Config
	now    time.Time
	// imageHits counts the outlet's image requests by path.
	imageHits chan string
}

// newFrontSite starts the site with the fixture stories and filler more
// stories from Báo Hà Giang in "thoi-su", older than all of them.
func newFrontSite(t testing.TB, filler int) *frontSite {
	t.Helper()
	// Noon in Hà Nội, today's or yesterday's, as the front page's clock: its
	// stories "2 giờ trước" and "hôm qua" are so only away from midnight.
	at := time.Now().In(hcm)
	noon := time.Date(at.Year(), at.Month(), at.Day(), 12, 0, 0, 0, hcm)
	if noon.After(at) {
		noon = noon.AddDate(0, 0, -1)
	}
	fs := &frontSite{now: noon.UTC(), imageHits: make(chan string, 100)}
	fs.outlet = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/img/") {
			http.NotFound(w, r)
			return
		}
		select {
		case fs.imageHits <- r.URL.Path:
		default:
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(testPNG(t))
	}))
	t.Cleanup(fs.outlet.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := "http://" + ln.Addr().String()
	raw, err := os.ReadFile(filepath.Join("testdata", "front", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(bytes.ReplaceAll(raw, []byte("BASE_URL"), []byte(base)), filepath.Join(t.TempDir(), "config.yaml"))
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	fs.cfg = cfg
	fs.st, err = store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	t.Cleanup(func() { _ = fs.st.Close() })
	fs.add(t, fs.fixture(t)...)
	var fill []fixtureStory
	for i := range filler {
		fill = append(fill, fixtureStory{
			Source: "baohagiang", GUID: fmt.Sprintf("bhg-fill-%d", i),
			Link:  fmt.Sprintf("http://%s/baohagiang/tin/ban-tin-%d.html", fs.outlet.Listener.Addr(), i),
			Title: fmt.Sprintf("Bản tin giao thông buổi sáng số %d", i), Summary: "Các tuyến quốc lộ thông suốt, đèo Mã Pí Lèng có sương mù nhẹ.",
			MinutesAgo: 3000 + 7*i, Language: "vi", Categories: []string{"thoi-su"},
		})
	}
	fs.add(t, fill...)

	srv := New(cfg, fs.st, slog.New(slog.DiscardHandler))
	srv.now = func() time.Time { return fs.now }
	fs.srv = httptest.NewUnstartedServer(srv.Handler())
	fs.srv.Listener.Close()
	fs.srv.Listener = ln
	fs.srv.Start()
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *frontSite) fixture(t testing.TB) []fixtureStory {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "front", "stories.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("OUTLET"), []byte(fs.outlet.Listener.Addr().String()))
	var out []fixtureStory
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("stories.json: %v", err)
	}
	return out
}

// add stores stories, each source's in one document, in order.
func (fs *frontSite) add(t testing.TB, stories ...fixtureStory) {
	t.Helper()
	for _, s := range stories {
		in := store.Incoming{
			Item: feeds.Item{
				GUID: s.GUID, Link: s.Link, Title: s.Title, Summary: s.Summary,
				Published: fs.now.Add(-time.Duration(s.MinutesAgo) * time.Minute),
				Language:  s.Language, Image: s.Image,
			},
			Key:        s.Link,
			Categories: s.Categories,
		}
		if _, err := fs.st.Apply(s.Source, []store.Incoming{in}, fs.now); err != nil {
			t.Fatalf("storing %s: %v", s.GUID, err)
		}
	}
}

// get fetches path from the site with the given request headers.
func (fs *frontSite) get(t testing.TB, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, fs.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := fs.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp, b.String()
}

func testPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		for y := range 6 {
			img.Set(x, y, color.RGBA{R: uint8(30 * x), G: 120, B: uint8(40 * y), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
