package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"newswire/internal/testmount"
	"newswire/store"
)

// TestFailedStoreAsksAgainWhole: a document whose items could not be
// stored (a full disk) is asked for again without its validators, so that
// the retry brings it and stores its items; with them, it would get a 304,
// and the items would never be stored.
func TestFailedStoreAsksAgainWhole(t *testing.T) {
	dir := t.TempDir()
	testmount.Tmpfs(t, dir, 512<<10)
	st, err := store.Open(filepath.Join(dir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://baohagiang.test/</link><description>Tin tỉnh</description>`)
	for i := range 40 {
		fmt.Fprintf(&b, `<item><title>Xã vùng cao số %d khánh thành điểm trường mới</title><link>http://baohagiang.test/tin/%d</link><guid>hg-%d</guid><pubDate>Tue, 10 Mar 2026 08:%02d:00 +0700</pubDate><description>Điểm trường số %d có bốn phòng học, đón hơn một trăm học sinh người Mông và Dao từ đầu năm học. %s</description></item>`,
			i, i, i, i, i, strings.Repeat("Bà con góp công, góp đất dựng trường. ", 20))
	}
	b.WriteString(`</channel></rss>`)
	body := b.String()
	var mu sync.Mutex
	var asked []string // the If-None-Match of each request
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Header.Get("If-None-Match"))
		mu.Unlock()
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	cfg := testConfig(t, fastPoll, "baohagiang "+url+"/rss")
	p := New(cfg, st, slog.New(slog.DiscardHandler))
	src := source(t, cfg, "baohagiang")

	// Fill the disk.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()
	rep := p.Poll(context.Background(), src)
	if rep.Result != ResultError || rep.Err == nil || !strings.Contains(rep.Err.Error(), "no space left on device") {
		t.Fatalf("poll on a full disk: %+v", rep)
	}

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	rep = p.Poll(context.Background(), src)
	if rep.Result != ResultOK || rep.New != 40 {
		t.Errorf("poll once there is room: result %s, %d new, err %v; want the 40 items stored", rep.Result, rep.New, rep.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || asked[1] != "" {
		t.Errorf("If-None-Match of the requests: %q; want the retry to ask for the document whole", asked)
	}
}
