package poll

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/store"
)

// serveOn runs h on a loopback address of its own (127.0.0.2, .3, …), so
// that each test outlet is a separate host to the per-host limits.
func serveOn(t *testing.T, ip string, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// fixture returns a handler serving testdata/name as an RSS feed.
func fixture(t *testing.T, name string) http.HandlerFunc {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body)
	}
}

// testConfig parses a config with the given poll block (YAML mapping body,
// indented by two spaces) and sources "id url [interval]".
func testConfig(t testing.TB, pollBlock string, sources ...string) *config.Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\npoll:\n%s\nsources:\n", t.TempDir(), pollBlock)
	for _, s := range sources {
		f := strings.Fields(s)
		fmt.Fprintf(&b, "  - {id: %s, url: %q", f[0], f[1])
		if len(f) > 2 {
			fmt.Fprintf(&b, ", interval: %s", f[2])
		}
		b.WriteString("}\n")
	}
	b.WriteString("categories: [{id: thoi-su}]\ndefault_category: thoi-su\n")
	cfg, err := config.Parse([]byte(b.String()), "test.yaml")
	if err != nil {
		t.Fatalf("config:\n%s\n%v", b.String(), err)
	}
	return cfg
}

const fastPoll = `  interval: 1s
  min_interval: 1s
  max_interval: 4s
  timeout: 2s
  concurrency: 4
  per_host: 2
  host_gap: 0s`

// logBuffer is a concurrency-safe buffer for a test logger.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newPoller opens a real store in a temporary folder and returns a poller
// over it whose log is returned too.
func newPoller(t testing.TB, cfg *config.Config) (*Poller, *store.Store, *logBuffer) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return New(cfg, st, log), st, logs
}

// hits counts requests and remembers when each came.
type hits struct {
	mu    sync.Mutex
	times []time.Time
}

func (h *hits) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.times = append(h.times, time.Now())
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *hits) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.times)
}

func (h *hits) all() []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.times...)
}

func source(t *testing.T, cfg *config.Config, id string) config.Source {
	t.Helper()
	src, ok := cfg.Source(id)
	if !ok {
		t.Fatalf("no source %s", id)
	}
	return src
}

func savedState(t *testing.T, st *store.Store, id string) store.SourceState {
	t.Helper()
	s, ok, err := st.Source(id)
	if err != nil || !ok {
		t.Fatalf("state of %s: ok=%v err=%v", id, ok, err)
	}
	return s
}
