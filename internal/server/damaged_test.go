package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a log's output, read while the server writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDamagedPageWhileServing: a page of the store damaged under the
// running daemon (a failing disk) makes a request that reads it a 500,
// with a log line that names the damaged file, and the daemon serves on.
func TestDamagedPageWhileServing(t *testing.T) {
	fs := newFeedSite(t, "")
	for i := range 60 {
		fs.apply(t, "baohagiang", story("baohagiang", fmt.Sprintf("tin-%d", i),
			fmt.Sprintf("Tin số %d: mưa lớn ở vùng cao, đường lên Đồng Văn sạt lở", i), i%60, "thoi-su"))
	}
	var logs lockedBuffer
	srv := httptest.NewServer(New(fs.cfg, fs.st, slog.New(slog.NewTextHandler(&logs, nil))).Handler())
	defer srv.Close()

	// Every page past the two meta pages now says it is another page: the
	// mapping the store reads through shows the file as written here.
	path := fs.st.Path()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.LittleEndian.Uint32(b[16+8:]))
	for off := 2 * pageSize; off+8 <= len(b); off += pageSize {
		binary.LittleEndian.PutUint64(b[off:], 0x5a5a5a5a5a5a5a5a)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{"/feeds/thoi-su.rss", "/"} {
		resp, _ := request(t, http.MethodGet, srv.URL+p)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("GET %s: %s, want 500", p, resp.Status)
		}
	}
	if log := logs.String(); !strings.Contains(log, path+" is damaged") {
		t.Errorf("the log does not name the damaged store:\n%s", log)
	}
	if resp, _ := request(t, http.MethodGet, srv.URL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz after: %s", resp.Status)
	}
}
