package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSourceCredentialsStayPrivate: a source polled with a password and an
// API key in its URL (the only place the config has for an outlet's
// credentials) is polled with them, and neither reaches the public feeds,
// OPML, status pages, story links or the admin's config; the feeds name
// the outlet's feed without them.
func TestSourceCredentialsStayPrivate(t *testing.T) {
	const password, key = "S3cretPassw0rd", "KEY12345"
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, ok := r.BasicAuth()
		if !ok || user != "editor" || pw != password || r.URL.Query().Get("api_key") != key {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo đối tác</title><link>/</link><description>Tin cho đối tác</description>
<item><title>Hợp tác xã chè Shan tuyết xuất khẩu lô hàng đầu tiên</title><link>/tin/che-shan-tuyet.html</link>
<description>Lô hàng hai tấn chè Shan tuyết của hợp tác xã ở Hoàng Su Phì được xuất sang châu Âu.</description>
<pubDate>%[1]s</pubDate></item>
<item><title>Thư viện số cho trường vùng cao</title><link>#thu-vien-so</link>
<description>Một fragment làm đường dẫn: nó được hiểu theo địa chỉ của nguồn.</description>
<pubDate>%[1]s</pubDate></item>
</channel></rss>`, time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z))
	}))
	defer outlet.Close()
	host := strings.TrimPrefix(outlet.URL, "http://")
	addr := freeAddr(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`listen: %[1]s
base_url: http://%[1]s
data_dir: ./data
poll: {min_interval: 1s, timeout: 5s}
sources:
  - {id: doitac, title: Báo đối tác, url: "http://editor:%[2]s@%[3]s/rss?api_key=%[4]s&cat=5", level: provincial, language: vi}
  - {id: hong, title: Báo hỏng, url: "http://bientapvien:%[2]s@%[3]s/missing?token=%[4]s", level: central, language: vi}
categories: [{id: thoi-su}]
default_category: thoi-su
`, addr, password, host, key)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _ := runCmd(t, "fetch", "-config", cfgPath); !strings.Contains(out, "1 ok, 1 failed") || strings.Contains(out, password) || strings.Contains(out, key) {
		t.Fatalf("fetch with the credentials: want one ok and one failed, no secret shown:\n%s", out)
	}
	serveDaemon(t, cfgPath, addr)
	get := func(path string, header ...string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		for _, h := range header {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return string(b)
	}
	public := "http://" + host + "/rss?cat=5"
	for _, path := range []string{"/feeds/thoi-su.rss", "/feeds/thoi-su.atom", "/feeds/thoi-su.json", "/sources.opml", "/feeds.opml", "/status", "/api/status", "/", "/api/config"} {
		body := get(path)
		if strings.Contains(body, password) || strings.Contains(body, key) {
			t.Errorf("%s shows the source's credentials", path)
		}
		if path != "/api/config" && strings.Contains(body, "bientapvien") {
			t.Errorf("%s names the failing source's user", path)
		}
		if path == "/feeds/thoi-su.rss" || path == "/feeds/thoi-su.atom" || path == "/sources.opml" {
			if !strings.Contains(body, public) {
				t.Errorf("%s does not name the outlet's feed as %s", path, public)
			}
		}
	}
	if body := get("/feeds/thoi-su.rss"); !strings.Contains(body, "<link>http://"+host+"/tin/che-shan-tuyet.html</link>") {
		t.Errorf("the story's relative link is not resolved against the feed without its credentials:\n%s", body)
	}
	out, err := runCmd(t, "export", "-config", cfgPath)
	if err != nil || strings.Contains(out, password) {
		t.Errorf("export: %v; shows the password: %v", err, strings.Contains(out, password))
	}
}
