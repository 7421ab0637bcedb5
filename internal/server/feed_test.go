package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/store"
)

// feedSite is newswire serving a real store on loopback.
type feedSite struct {
	srv *httptest.Server
	st  *store.Store
	cfg *config.Config
}

const (
	tokenVTV = "vtv-2026-doi-tac-thu-nghiem"
	tokenVOV = "vov-2026-doi-tac-thu-nghiem"
)

// newFeedSite starts newswire with the config extra appended to a base that
// has a public category "du-lich", an empty one "the-thao", the default
// "thoi-su" and a partners-only "noi-bo".
func newFeedSite(t testing.TB, extra string) *feedSite {
	t.Helper()
	return newFeedSiteAt(t, extra, time.Now)
}

// newFeedSiteAt is newFeedSite with the server's clock.
func newFeedSiteAt(t testing.TB, extra string, clock func() time.Time) *feedSite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	yaml := fmt.Sprintf(`
listen: %s
base_url: %s
data_dir: %s
items_per_feed: 100
cache_max_age: 2m
partners:
  - {name: vtv, token: %s}
  - {name: vov, token: %s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.example.vn/rss", level: provincial, language: vi}
  - {id: vov, title: Đài Tiếng nói Việt Nam, url: "https://vov.example.vn/rss", level: central, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: du-lich, title: Du lịch, description: Tin du lịch Hà Giang}
  - {id: the-thao, title: Thể thao}
  - {id: noi-bo, title: Tin nội bộ, partners_only: true}
default_category: thoi-su
%s`, ln.Addr(), base, filepath.Join(t.TempDir(), "data"), tokenVTV, tokenVOV, extra)
	cfg, err := config.Parse([]byte(yaml), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	web := New(cfg, st, slog.New(slog.DiscardHandler))
	web.now = clock
	srv := httptest.NewUnstartedServer(web.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	fs := &feedSite{srv: srv, st: st, cfg: cfg}
	// A test may restart the site over the same file (restart).
	t.Cleanup(func() {
		fs.srv.Close()
		if err := fs.st.Close(); err != nil {
			t.Error(err)
		}
	})
	return fs
}

// restart stops the site and starts it again over the same store file, as
// a daemon restarted does.
func (fs *feedSite) restart(t testing.TB) {
	t.Helper()
	fs.srv.Close()
	path := fs.st.Path()
	if err := fs.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs.st = st
	fs.srv = httptest.NewServer(New(fs.cfg, st, slog.New(slog.DiscardHandler)).Handler())
}

// story is one item of source routed to cats, published minutes after 8:00
// on 10 March 2026.
func story(source, slug, title string, minutes int, cats ...string) store.Incoming {
	link := fmt.Sprintf("https://%s.example.vn/tin/%s", source, slug)
	return store.Incoming{
		Item: feeds.Item{
			GUID:        link,
			Link:        link,
			Title:       title,
			Summary:     title + ". Tin của phóng viên thường trú tại Hà Giang.",
			ContentHTML: "<p>" + title + ".</p><p>Ảnh: <em>phóng viên</em> &amp; cộng tác viên.</p>",
			Published:   time.Date(2026, 3, 10, 8, minutes, 0, 0, time.UTC),
			Language:    "vi",
			Authors:     []feeds.Person{{Name: "Thu Hà"}},
		},
		Key:        link,
		Categories: cats,
	}
}

func (fs *feedSite) apply(t testing.TB, source string, items ...store.Incoming) {
	t.Helper()
	if _, err := fs.st.Apply(source, items, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// fill stores what the format tests need: Vietnamese text, HTML, an
// enclosure, several categories, a story carried by two outlets and a story
// for partners only.
func (fs *feedSite) fill(t testing.TB) {
	t.Helper()
	podcast := story("baohagiang", "ban-tin-tieng-mong", "Bản tin tiếng Mông: mùa hoa tam giác mạch", 5, "du-lich", "thoi-su")
	podcast.Item.Enclosures = []feeds.Enclosure{{URL: "https://baohagiang.example.vn/media/tieng-mong.mp3", Type: "audio/mpeg", Length: 7340032}}
	podcast.Item.Image = "https://baohagiang.example.vn/anh/tam-giac-mach.jpg"
	podcast.Item.Labels = []string{"Phát thanh", "Du lịch"}
	fs.apply(t, "baohagiang",
		story("baohagiang", "cau-treo-nam-lang", "Khánh thành cầu treo Nậm Lang", 0, "thoi-su"),
		podcast,
		story("baohagiang", "hop-giao-ban", "Lịch họp giao ban quý I", 10, "noi-bo"),
	)
	joined := story("vov", "ha-giang-cau-treo", "Hà Giang: cầu treo mới cho học sinh Nậm Lang", 30, "thoi-su")
	joined.Key = "https://baohagiang.example.vn/tin/cau-treo-nam-lang"
	fs.apply(t, "vov", joined)
}

// get requests path with the given header lines ("Name: value").
func (fs *feedSite) get(t testing.TB, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	return request(t, method, fs.srv.URL+path, header...)
}

// request sends a request with the header fields given ("Name: value") and
// returns the response and its body.
func request(t testing.TB, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	// The transport would otherwise ask for gzip and undo it unseen.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestFeedHTTP(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t)
	plain, plainBody := fs.get(t, "GET", "/feeds/du-lich.rss")
	etag := plain.Header.Get("ETag")
	lastMod := plain.Header.Get("Last-Modified")
	gz, gzBody := fs.get(t, "GET", "/feeds/du-lich.rss", "Accept-Encoding: br, gzip;q=0.8")

	tests := []struct {
		name    string
		method  string
		path    string
		header  []string
		status  int
		want    map[string]string // header values; "" = absent
		body    string            // substring of the body; "-" = empty body
		notBody string
	}{
		{
			name: "plain", method: "GET", path: "/feeds/du-lich.rss", status: 200,
			want: map[string]string{"Content-Type": feeds.ContentTypeRSS, "Cache-Control": "public, max-age=120",
				"Vary": "Accept-Encoding", "Content-Encoding": "", "Content-Length": fmt.Sprint(len(plainBody))},
			body: "Bản tin tiếng Mông",
		},
		{
			name: "if-none-match", method: "GET", path: "/feeds/du-lich.rss", header: []string{"If-None-Match: " + etag},
			status: 304, want: map[string]string{"ETag": etag, "Cache-Control": "public, max-age=120", "Content-Length": ""}, body: "-",
		},
		{
			name: "if-none-match among others", method: "GET", path: "/feeds/du-lich.rss", header: []string{`If-None-Match: "x", ` + etag},
			status: 304, body: "-",
		},
		{
			name: "stale if-none-match wins over if-modified-since", method: "GET", path: "/feeds/du-lich.rss",
			header: []string{`If-None-Match: "0000"`, "If-Modified-Since: " + lastMod}, status: 200, body: "<rss",
		},
		{
			name: "if-modified-since", method: "GET", path: "/feeds/du-lich.rss", header: []string{"If-Modified-Since: " + lastMod},
			status: 304, body: "-",
		},
		{
			name: "head", method: "HEAD", path: "/feeds/du-lich.rss", status: 200,
			want: map[string]string{"ETag": etag, "Content-Length": fmt.Sprint(len(plainBody))}, body: "-",
		},
		{
			name: "gzip 304 with the gzip etag", method: "GET", path: "/feeds/du-lich.rss",
			header: []string{"Accept-Encoding: gzip", "If-None-Match: " + gz.Header.Get("ETag")}, status: 304, body: "-",
		},
		{
			// The gzip variant is selected; the client holds the identity one.
			name: "gzip request with the identity etag", method: "GET", path: "/feeds/du-lich.rss",
			header: []string{"Accept-Encoding: gzip", "If-None-Match: " + etag}, status: 200,
			want: map[string]string{"Content-Encoding": "gzip", "ETag": gz.Header.Get("ETag")},
		},
		{
			name: "identity request with the gzip etag", method: "GET", path: "/feeds/du-lich.rss",
			header: []string{"If-None-Match: " + gz.Header.Get("ETag")}, status: 200,
			want: map[string]string{"Content-Encoding": "", "ETag": etag}, body: "<rss",
		},
		{
			name: "gzip refused by q=0", method: "GET", path: "/feeds/du-lich.rss", header: []string{"Accept-Encoding: gzip;q=0"},
			status: 200, want: map[string]string{"Content-Encoding": ""}, body: "<rss",
		},
		{
			name: "gzip refused by Q=0.", method: "GET", path: "/feeds/du-lich.rss", header: []string{"Accept-Encoding: gzip; Q=0."},
			status: 200, want: map[string]string{"Content-Encoding": ""}, body: "<rss",
		},
		{
			name: "if-modified-since in the future is ignored", method: "GET", path: "/feeds/du-lich.rss",
			header: []string{"If-Modified-Since: " + time.Now().Add(48*time.Hour).UTC().Format(http.TimeFormat)}, status: 200, body: "<rss",
		},
		{
			name: "private without token", method: "GET", path: "/feeds/noi-bo.atom", status: 401,
			want: map[string]string{"WWW-Authenticate": `Bearer realm="newswire partners"`}, notBody: "Lịch họp",
		},
		{
			name: "private with a wrong token", method: "GET", path: "/feeds/noi-bo.atom", header: []string{"Authorization: Bearer " + tokenVTV + "x"},
			status: 401, notBody: "nội bộ",
		},
		{
			name: "private with a bearer token", method: "GET", path: "/feeds/noi-bo.atom", header: []string{"Authorization: Bearer " + tokenVTV},
			// No shared cache may keep it and hand it to anyone.
			status: 200, want: map[string]string{"Cache-Control": "private, max-age=120"}, body: "Lịch họp giao ban",
		},
		{
			name: "private with ?token", method: "GET", path: "/feeds/noi-bo.json?token=" + tokenVOV,
			status: 200, body: "Lịch họp giao ban",
		},
		{
			name: "a bearer document names no token", method: "GET", path: "/feeds/noi-bo.json?limit=5", header: []string{"Authorization: Bearer " + tokenVOV},
			status: 200, body: "Lịch họp giao ban", notBody: tokenVOV,
		},
		{
			name: "all leaves out stories for partners only", method: "GET", path: "/feeds/all.json", status: 200,
			body: "Khánh thành", notBody: "Lịch họp",
		},
		{
			name: "empty category", method: "GET", path: "/feeds/the-thao.json", status: 200, body: `"items":[]`,
		},
		{name: "bad since", method: "GET", path: "/feeds/all.rss?since=nope", status: 400, body: "since"},
		{name: "cursor ahead of the store", method: "GET", path: "/feeds/all.rss?since=" + store.ChangeCursor(999), status: 400},
		{name: "bad limit", method: "GET", path: "/feeds/all.rss?limit=-1", status: 400},
		{name: "since and cursor", method: "GET", path: "/feeds/all.rss?since=x&cursor=y", status: 400},
		{name: "unknown category", method: "GET", path: "/feeds/bong-da.rss", status: 404},
		{name: "unknown format", method: "GET", path: "/feeds/du-lich.xml", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fs.get(t, tt.method, tt.path, tt.header...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			for k, want := range tt.want {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			switch {
			case tt.body == "-" && len(body) > 0:
				t.Errorf("body of %d bytes, want none", len(body))
			case tt.body != "-" && !bytes.Contains(body, []byte(tt.body)):
				t.Errorf("body lacks %q:\n%.400s", tt.body, body)
			}
			if tt.notBody != "" && bytes.Contains(body, []byte(tt.notBody)) {
				t.Errorf("body contains %q", tt.notBody)
			}
		})
	}

	t.Run("validators", func(t *testing.T) {
		if !strings.HasPrefix(etag, `"`) || len(etag) < 3 {
			t.Errorf("ETag %q is not a strong validator", etag)
		}
		if _, err := http.ParseTime(lastMod); err != nil {
			t.Errorf("Last-Modified %q: %v", lastMod, err)
		}
		if plain.Header.Get(headerCursor) == "" {
			t.Errorf("no %s header", headerCursor)
		}
	})
	t.Run("gzip once", func(t *testing.T) {
		if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == etag {
			t.Fatalf("Content-Encoding %q, ETag %q (identity %q)", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), etag)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gzBody))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plainBody) {
			t.Errorf("gunzipped body differs from the identity body (compressed twice?)")
		}
	})
	t.Run("partner pulls counted", func(t *testing.T) {
		var got []string
		for _, p := range fs.srvPartners(t) {
			got = append(got, fmt.Sprintf("%s:%d", p.Name, p.Pulls))
		}
		if want := "vtv:1 vov:2"; strings.Join(got, " ") != want {
			t.Errorf("pulls %q, want %q", got, want)
		}
	})
}

// srvPartners reads the partner lines of /api/status.
func (fs *feedSite) srvPartners(t testing.TB) []partnerStatus {
	t.Helper()
	_, body := fs.get(t, "GET", "/api/status")
	var v struct {
		Partners []partnerStatus `json:"partners"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("/api/status: %v", err)
	}
	return v.Partners
}

// TestPublicFeedDropsToken: a public feed asked for with a partner's
// ?token= names no token in its links or anywhere in its bytes, since its
// response may be kept by shared caches, and is the same document as
// without it; a partners-only feed keeps it in its links, for readers
// that cannot send headers, in a private response.
func TestPublicFeedDropsToken(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t)
	for _, ext := range []string{"rss", "atom", "json"} {
		plainResp, plain := fs.get(t, "GET", "/feeds/thoi-su."+ext+"?limit=2")
		resp, body := fs.get(t, "GET", "/feeds/thoi-su."+ext+"?limit=2&token="+tokenVTV)
		if resp.StatusCode != 200 || strings.Contains(string(body), tokenVTV) || strings.Contains(resp.Header.Get("Link"), tokenVTV) {
			t.Errorf("public %s with ?token=: status %d, the token in its body or Link header:\n%s", ext, resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
			t.Errorf("public %s: Cache-Control %q", ext, cc)
		}
		if !bytes.Equal(body, plain) || resp.Header.Get("ETag") != plainResp.Header.Get("ETag") {
			t.Errorf("public %s with ?token= differs from the document without it", ext)
		}
	}
	resp, body := fs.get(t, "GET", "/feeds/noi-bo.atom?token="+tokenVTV)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "token="+tokenVTV) || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("partners-only feed with ?token=: status %d, Cache-Control %q; want its self link to keep the token, privately", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

func TestFeedRateLimit(t *testing.T) {
	fs := newFeedSite(t, "rate_limit: {per_client: 1, burst: 2}\n")
	for i, want := range []int{200, 200, 429} {
		resp, _ := fs.get(t, "GET", "/feeds/all.atom")
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After = %q, want 1", resp.Header.Get("Retry-After"))
		}
	}
	// A partner has a bucket of its own.
	if resp, _ := fs.get(t, "GET", "/feeds/all.atom", "Authorization: Bearer "+tokenVTV); resp.StatusCode != 200 {
		t.Errorf("partner: status %d, want 200", resp.StatusCode)
	}
}

// TestFeedETagOnlyFollowsItsStories: a story stored in another category
// (or for partners only) leaves a feed's bytes and ETag as they were, in
// every format; only its X-Newswire-Cursor header moves on.
func TestFeedETagOnlyFollowsItsStories(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t)
	before := map[string][2]string{}
	for _, f := range []string{"/feeds/du-lich.json", "/feeds/du-lich.rss", "/feeds/du-lich.atom"} {
		resp, _ := fs.get(t, "GET", f)
		before[f] = [2]string{resp.Header.Get("ETag"), resp.Header.Get(headerCursor)}
	}
	fs.apply(t, "vov", story("vov", "hop-bao-chi", "Họp báo cung cấp thông tin định kỳ", 40, "noi-bo"),
		story("vov", "gia-lua", "Giá lúa tăng nhẹ đầu vụ", 45, "thoi-su"))
	for f, b := range before {
		resp, _ := fs.get(t, "GET", f)
		if etag := resp.Header.Get("ETag"); etag != b[0] {
			t.Errorf("%s: ETag %s became %s for stories of other categories", f, b[0], etag)
		}
		if cur := resp.Header.Get(headerCursor); cur == b[1] {
			t.Errorf("%s: the cursor header did not move on", f)
		}
	}
}

// TestEmptyFeedStableAcrossRestartAndReload: a category with no story keeps
// its feed's bytes, ETag and Last-Modified when the daemon reloads its
// config or restarts, so that readers and caches revalidate it with 304s.
func TestEmptyFeedStableAcrossRestartAndReload(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t) // "the-thao" stays empty
	type seen struct{ etag, modified, body string }
	files := []string{"/feeds/the-thao.rss", "/feeds/the-thao.atom", "/feeds/the-thao.json"}
	look := func(base string) map[string]seen {
		t.Helper()
		m := map[string]seen{}
		for _, f := range files {
			resp, body := request(t, "GET", base+f)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", f, resp.StatusCode)
			}
			m[f] = seen{resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), string(body)}
		}
		return m
	}
	first := look(fs.srv.URL)
	same := func(when, base string) {
		t.Helper()
		for f, got := range look(base) {
			want := first[f]
			if got.etag != want.etag || got.modified != want.modified {
				t.Errorf("%s after a %s: ETag %s, Last-Modified %q; want %s, %q", f, when, got.etag, got.modified, want.etag, want.modified)
			}
			if got.body != want.body {
				t.Errorf("%s after a %s: the document changed:\n%s\nwas\n%s", f, when, got.body, want.body)
			}
			for _, h := range []string{"If-None-Match: " + want.etag, "If-Modified-Since: " + want.modified} {
				if resp, _ := request(t, "GET", base+f, h); resp.StatusCode != http.StatusNotModified {
					t.Errorf("%s after a %s, %s: status %d, want 304", f, when, h, resp.StatusCode)
				}
			}
		}
	}

	// The clock moves on to the next second, as between two starts.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	reloaded := httptest.NewServer(New(fs.cfg, fs.st, slog.New(slog.DiscardHandler)).Handler())
	same("reload", reloaded.URL)
	reloaded.Close()

	fs.restart(t)
	same("restart", fs.srv.URL)
}

// TestFeedLanguage: a category that takes stories in one language declares
// that language in each format; a mixed one declares Vietnamese, and its
// English story says it is English, in RSS too (dc:language), and its
// story of no language known says so ("und"); one that takes stories in
// several languages declares none.
func TestFeedLanguage(t *testing.T) {
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
base_url: http://127.0.0.1:8080
data_dir: %s
sources:
  - {id: vov, url: "https://vov.example.vn/rss", language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: english, title: English, languages: [en]}
  - {id: dan-toc, title: Tiếng dân tộc, languages: [hmn, zh]}
default_category: thoi-su
`, t.TempDir())), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	en := story("vov", "bridge", "Ha Giang opens a suspension bridge for pupils", 5, "thoi-su", "english")
	en.Item.Language = "en"
	unknown := story("vov", "dem-nhac", "Đêm nhạc", 3, "thoi-su")
	unknown.Item.Language = ""
	hmn := story("vov", "txoj-kev", "Txoj kev tshiab mus rau lub zos", 4, "dan-toc")
	hmn.Item.Language = "hmn"
	if _, err := st.Apply("vov", []store.Incoming{story("vov", "cau-treo", "Khánh thành cầu treo Nậm Lang", 0, "thoi-su"), en, unknown, hmn},
		time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(cfg, st, slog.New(slog.DiscardHandler)).Handler())
	t.Cleanup(srv.Close)
	for _, tt := range []struct{ path, want string }{
		{"/feeds/english.rss", "<language>en</language>"},
		{"/feeds/english.atom", `xml:lang="en"`},
		{"/feeds/english.json", `"language":"en"`},
		{"/feeds/thoi-su.rss", "<language>vi</language>"},
		{"/feeds/thoi-su.atom", `xml:lang="vi"`},
		{"/feeds/thoi-su.json", `"language":"vi"`},
	} {
		_, body := request(t, "GET", srv.URL+tt.path)
		// The feed's own, before its first item.
		head, _, _ := strings.Cut(string(body), "<item>")
		head, _, _ = strings.Cut(head, "<entry")
		head, _, _ = strings.Cut(head, `"items"`)
		if !strings.Contains(head, tt.want) {
			t.Errorf("%s: the feed does not declare %s:\n%s", tt.path, tt.want, body)
		}
	}
	if _, body := request(t, "GET", srv.URL+"/feeds/thoi-su.rss"); strings.Count(string(body), "<dc:language>") != 2 ||
		!strings.Contains(string(body), "<dc:language>en</dc:language>") || !strings.Contains(string(body), "<dc:language>und</dc:language>") {
		t.Errorf("thoi-su.rss: want dc:language on the English story and on the one of no language known alone:\n%s", body)
	}
	for _, ext := range []string{"rss", "atom", "json"} {
		_, body := request(t, "GET", srv.URL+"/feeds/dan-toc."+ext)
		head, _, _ := strings.Cut(string(body), "<item>")
		head, _, _ = strings.Cut(head, "<entry")
		head, _, _ = strings.Cut(head, `"items"`)
		if strings.Contains(head, "<language>") || strings.Contains(head, "xml:lang") || strings.Contains(head, `"language"`) ||
			!strings.Contains(string(body), "hmn") {
			t.Errorf("dan-toc.%s: a feed of two languages declares one, or its story none:\n%s", ext, body)
		}
	}
}

// TestJunkQueriesShareARendering: a query newswire does not know, in any
// order or spelling, is served the rendering of the query it means, named
// in rel="self" in its one canonical form: junk parameters neither make
// cache entries of their own nor reach the document.
func TestJunkQueriesShareARendering(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t)
	web := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler))
	h := web.Handler()
	var first []byte
	for i, q := range []string{"limit=2", "limit=02", "limit=2&z=1", "z=2&limit=2", "limit=2&a=%3Cx%3E%22y%7B%7D", "limit=2&token=" + tokenVTV} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/feeds/thoi-su.atom?"+q, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("?%s: %d", q, rec.Code)
		}
		body := rec.Body.Bytes()
		if i == 0 {
			first = body
			if !bytes.Contains(body, []byte(`/feeds/thoi-su.atom?limit=2" rel="self"`)) {
				t.Errorf("?%s: rel=\"self\" is not the canonical query:\n%s", q, body)
			}
		} else if !bytes.Equal(body, first) {
			t.Errorf("?%s: another document than ?limit=2's", q)
		}
	}
	if n := len(web.cache.entries); n != 1 {
		t.Errorf("%d cache entries for one rendering", n)
	}
}

// TestPublicFeedsHideThePartnersCategories: a story that is also in a
// partners-only category is in the public feeds without that category, in
// every format; the partners' feed, read with a token, names it.
func TestPublicFeedsHideThePartnersCategories(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.apply(t, "baohagiang", story("baohagiang", "cau-treo-lung-cu", "Cầu treo Lũng Cú được sửa chữa trước mùa mưa", 0, "thoi-su", "noi-bo"))
	for _, path := range []string{"/feeds/thoi-su.rss", "/feeds/thoi-su.atom", "/feeds/thoi-su.json", "/feeds/all.rss", "/feeds/all.json", "/feeds/thoi-su.json?since=" + store.ChangeCursor(0)} {
		resp, body := fs.get(t, "GET", path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", path, resp.Status)
		}
		if bytes.Contains(body, []byte("noi-bo")) {
			t.Errorf("%s names the partners-only category", path)
		}
		if !bytes.Contains(body, []byte("Cầu treo Lũng Cú")) {
			t.Errorf("%s lacks the story", path)
		}
	}
	if _, body := fs.get(t, "GET", "/feeds/noi-bo.atom", "Authorization: Bearer "+tokenVTV); !bytes.Contains(body, []byte(`term="noi-bo"`)) {
		t.Errorf("the partners' feed does not name its category:\n%s", body)
	}
}

// TestHubAdvertisedWhereItIsPinged: the hub is pinged with the plain URL
// of each public feed, the topic. Every document of a feed names the hub and
// that topic in its Link headers, which WebSub subscribers read first; a
// document read with a query names itself in its body (rel="self") and
// advertises no hub there, so that a subscriber that reads only the body
// never subscribes to a URL that is never pinged.
func TestHubAdvertisedWhereItIsPinged(t *testing.T) {
	const hub = "https://hub.example.vn/"
	fs := newFeedSite(t, "websub: {hub: \""+hub+"\"}\n")
	fs.fill(t)
	base := fs.cfg.BaseURL
	resp, _ := fs.get(t, "GET", "/feeds/du-lich.atom")
	head := resp.Header.Get(headerCursor)
	for _, query := range []string{"", "?limit=1", "?since=" + head} {
		for _, ext := range []string{"rss", "atom", "json"} {
			feed := base + "/feeds/du-lich." + ext
			resp, body := fs.get(t, "GET", "/feeds/du-lich."+ext+query)
			links := resp.Header.Values("Link")
			if !slices.Contains(links, "<"+hub+`>; rel="hub"`) || !slices.Contains(links, "<"+feed+`>; rel="self"`) {
				t.Errorf("%s%s: Link %q, want the hub and %s as self", ext, query, links, feed)
			}
			if inBody := bytes.Contains(body, []byte(strings.ReplaceAll(hub, "/", `\/`))) || bytes.Contains(body, []byte(hub)); inBody != (query == "") {
				t.Errorf("%s%s: hub in the body: %v", ext, query, inBody)
			}
		}
	}
	resp, _ = fs.get(t, "GET", "/feeds/noi-bo.atom?limit=1", "Authorization: Bearer "+tokenVTV)
	if links := strings.Join(resp.Header.Values("Link"), ", "); strings.Contains(links, `rel="hub"`) || strings.Contains(links, `rel="self"`) {
		t.Errorf("a partners-only feed: Link %q", links)
	}
}

// TestEmptyChangesPageLinksNowhere: a page of changes with none (a
// partner up to date) gives the cursor to ask from next time, in its
// header and its body, but links no next page: that would be the page
// itself, which a client that follows rel="next" (JSON Feed's next_url,
// which must differ from feed_url) would read forever. A page with
// changes links the page after it.
func TestEmptyChangesPageLinksNowhere(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t)
	resp, _ := fs.get(t, "GET", "/feeds/du-lich.atom")
	head := resp.Header.Get(headerCursor)
	for _, ext := range []string{"rss", "atom", "json"} {
		path := "/feeds/du-lich." + ext + "?since=" + head
		resp, body := fs.get(t, "GET", path)
		if resp.StatusCode != 200 || resp.Header.Get(headerCursor) != head || !bytes.Contains(body, []byte(head)) {
			t.Errorf("%s: %d, cursor %q (want %s, in the body too)", path, resp.StatusCode, resp.Header.Get(headerCursor), head)
		}
		for _, l := range resp.Header.Values("Link") {
			if strings.Contains(l, `rel="next"`) {
				t.Errorf("%s: Link %s", path, l)
			}
		}
		if bytes.Contains(body, []byte(`rel="next"`)) || bytes.Contains(body, []byte(`"next_url"`)) {
			t.Errorf("%s links a next page:\n%s", path, body)
		}
		from := "/feeds/du-lich." + ext + "?since=" + store.ChangeCursor(0)
		if resp, body := fs.get(t, "GET", from); !strings.Contains(strings.Join(resp.Header.Values("Link"), " "), `rel="next"`) ||
			!bytes.Contains(body, []byte("since="+head)) {
			t.Errorf("%s: Link %q; want a next page from %s", from, resp.Header.Values("Link"), head)
		}
	}
}

// TestLimitUpToItemsPerFeed: ?limit is capped at 500, or at items_per_feed
// when the admin set more, so that asking for as many stories as a plain
// request gets never gives fewer.
func TestLimitUpToItemsPerFeed(t *testing.T) {
	for _, tt := range []struct {
		perFeed, asked, want int
	}{
		{50, 800, 500},
		{50, 120, 120},
		{1000, 800, 800},
		{1000, 5000, 1000},
	} {
		s := &Server{cfg: &config.Config{ItemsPerFeed: tt.perFeed}}
		q, err := s.parseFeedQuery(httptest.NewRequest("GET", fmt.Sprintf("/feeds/all.rss?limit=%d", tt.asked), nil))
		if err != nil || q.limit != tt.want {
			t.Errorf("items_per_feed %d, limit=%d: %d (%v), want %d", tt.perFeed, tt.asked, q.limit, err, tt.want)
		}
	}
}
