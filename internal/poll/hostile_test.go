package poll

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"newswire/store"
)

// hostile are outlets that misbehave, each with what its poll must say.
func hostile(t *testing.T) []struct {
	name    string
	handler http.Handler
	wantErr string // in the poll's error; empty: no error
	warning bool   // the poll succeeds with a warning
} {
	good, err := os.ReadFile(filepath.Join("testdata", "good.xml"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// bomb is 64 MiB of zeros in about 64 KiB of gzip.
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 64<<20))
	_ = zw.Close()
	bomb := zipped.Bytes()
	// once serves good.xml on the first request and then body, as an outlet
	// whose feed breaks after it was fine.
	once := func(body []byte) http.Handler {
		var n atomic.Int32
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			if n.Add(1) == 1 {
				_, _ = w.Write(good)
				return
			}
			_, _ = w.Write(body)
		})
	}
	return []struct {
		name    string
		handler http.Handler
		wantErr string
		warning bool
	}{
		{"trickle", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			for _, c := range good {
				if _, err := w.Write([]byte{c}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-time.After(100 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
			}
		}), "context deadline exceeded", false},
		{"endless body", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("<item><title>Tin</title></item>"), 1024)
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}), "body too large", false},
		{"gzip bomb", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb)
		}), "bytes once decompressed", false},
		{"redirect loop", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}), "stopped after 5 redirects", false},
		{"truncated feed", once(read("truncated.xml")), "feeds: parse", false},
		{"malformed feed", once(read("malformed.xml")), "feeds: parse", false},
		{"feed suddenly empty", once(read("empty.xml")), "", true},
	}
}

func TestHostileServers(t *testing.T) {
	for _, tt := range hostile(t) {
		t.Run(tt.name, func(t *testing.T) {
			url := serveOn(t, "127.0.0.2", tt.handler)
			cfg := testConfig(t, fastPoll+"\n  max_body_bytes: 1048576", "hostile "+url+"/rss.xml")
			p, st, _ := newPoller(t, cfg)
			src := source(t, cfg, "hostile")
			rep := p.Poll(context.Background(), src)
			stored := countStories(t, st)
			if rep.Err == nil && (tt.wantErr != "" || tt.warning) {
				// The first poll of a feed that breaks later succeeds.
				rep = p.Poll(context.Background(), src)
			}
			switch {
			case tt.wantErr != "" && (rep.Err == nil || !strings.Contains(rep.Err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one saying %q", rep.Err, tt.wantErr)
			case tt.wantErr == "" && rep.Err != nil:
				t.Fatalf("err = %v", rep.Err)
			}
			s := savedState(t, st, "hostile")
			if tt.wantErr != "" && (s.LastResult != ResultError || s.ConsecutiveFailures == 0 || s.LastError == "") {
				t.Fatalf("failure not recorded: %+v", s)
			}
			if tt.warning && (rep.Warning == "" || s.Warning == "") {
				t.Fatalf("an empty feed after %d items is not flagged: %+v", s.LastItems, rep)
			}
			if tt.warning {
				// Still flagged the next time, not taken as "nothing new".
				if rep := p.Poll(context.Background(), src); rep.Warning == "" {
					t.Fatalf("warning gone on the next poll: %+v", rep)
				}
			}
			if got := countStories(t, st); got != stored {
				t.Fatalf("stories %d → %d: a broken document changed the store", stored, got)
			}
		})
	}
}

// TestHostileHostDoesNotDelayOthers runs every hostile outlet, three
// sources each, on one host, beside a well-behaved outlet on another host
// polled every second, and checks the well-behaved one keeps its pace.
func TestHostileHostDoesNotDelayOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler for 8 seconds")
	}
	mux := http.NewServeMux()
	var sources []string
	for i, h := range hostile(t) {
		prefix := "/" + strings.ReplaceAll(h.name, " ", "-")
		mux.Handle(prefix+"/", h.handler)
		for k := range 3 {
			sources = append(sources, "hostile-"+string(rune('a'+i))+string(rune('a'+k))+" URL"+prefix+"/"+string(rune('a'+k))+".xml")
		}
	}
	bad := serveOn(t, "127.0.0.2", mux)
	for i := range sources {
		sources[i] = strings.Replace(sources[i], "URL", bad, 1)
	}
	var good hits
	goodURL := serveOn(t, "127.0.0.3", good.wrap(fixture(t, "good.xml")))
	sources = append(sources, "vungcao "+goodURL+"/rss.xml 1s")
	// Concurrency 3 with per_host 2: the hostile host can hold two workers,
	// never the third.
	cfg := testConfig(t, `  interval: 1s
  min_interval: 1s
  max_interval: 2s
  timeout: 2s
  concurrency: 3
  per_host: 2
  host_gap: 0s
  max_body_bytes: 1048576`, sources...)
	p, _, _ := newPoller(t, cfg)
	runFor(t, p, 8*time.Second)

	times := good.all()
	if len(times) < 5 {
		t.Fatalf("the well-behaved source was polled %d times in 8s at a 1s interval", len(times))
	}
	for i := 1; i < len(times); i++ {
		// The interval is 1s ±10%; more than a second beyond it is a delay.
		if gap := times[i].Sub(times[i-1]); gap > 2100*time.Millisecond {
			t.Fatalf("poll %d of the well-behaved source came %s after the previous one", i, gap)
		}
	}
}

func TestPerHostLimitAndGap(t *testing.T) {
	var running, peak atomic.Int32
	var h hits
	good := fixture(t, "good.xml")
	url := serveOn(t, "127.0.0.2", h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		good(w, r)
	})))
	var srcs []string
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		srcs = append(srcs, "nguon-"+id+" "+url+"/"+id+".xml 1m")
	}
	cfg := testConfig(t, "  interval: 1m\n  min_interval: 1s\n  max_interval: 1h\n  concurrency: 8\n  per_host: 2\n  host_gap: 200ms", srcs...)
	p, _, _ := newPoller(t, cfg)
	reports := p.PollAll(context.Background(), nil)
	for _, r := range reports {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if pk := peak.Load(); pk > 2 {
		t.Fatalf("%d requests at once to one host, per_host is 2", pk)
	}
	times := h.all()
	for i := 1; i < len(times); i++ {
		// Measured at the server, so allow for the network's own jitter.
		if gap := times[i].Sub(times[i-1]); gap < 180*time.Millisecond {
			t.Fatalf("requests %d and %d to one host %s apart, host_gap is 200ms", i-1, i, gap)
		}
	}
}

func countStories(t *testing.T, st *store.Store) int {
	t.Helper()
	stats, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return stats.Stories
}
