package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newswire/store"
)

// damageStore flips bits in every seventh byte of the store's pages from
// 20000 to 40000, as a failing disk or a stray write would.
func damageStore(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 40000 {
		t.Fatalf("the store holds %d bytes, too few to damage its pages", len(b))
	}
	for i := 20000; i < 40000; i += 7 {
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedStoreIsNamed: with a page of the store damaged, every command
// says the store is damaged and what to do, where bbolt's assertions would
// end it with a panic and a stack trace; restore says how to go on.
func TestDamagedStoreIsNamed(t *testing.T) {
	bin := newswireBinary(t)
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	dir := filepath.Dir(cfgPath)
	_, _ = runCmd(t, "fetch", "-config", cfgPath) // two outlets fail, on purpose
	good := filepath.Join(t.TempDir(), "good.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, good); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "data", "newswire.db")
	damageStore(t, db)

	for _, args := range [][]string{
		{"serve"},
		{"export"},
		{"backup", filepath.Join(t.TempDir(), "x.db")},
		{"stories", "--explain", "1"},
		{"compact"},
		{"fetch"},
		{"restore", good},
	} {
		name := strings.Join(args, " ")
		cmd := exec.Command(bin, append([]string{args[0], "-config", cfgPath}, args[1:]...)...)
		done := make(chan struct{})
		timer := time.AfterFunc(20*time.Second, func() {
			select {
			case <-done:
			default:
				_ = cmd.Process.Kill()
			}
		})
		out, err := cmd.CombinedOutput()
		close(done)
		timer.Stop()
		text := string(out)
		t.Logf("%s:\n%s", name, text)
		if strings.Contains(text, "panic:") || strings.Contains(text, "goroutine ") {
			t.Errorf("%s panicked:\n%s", name, text)
			continue
		}
		if err == nil {
			t.Errorf("%s succeeded on a damaged store:\n%s", name, text)
			continue
		}
		if !strings.Contains(text, db+" is damaged") || !strings.Contains(text, "move it away") {
			t.Errorf("%s does not say the store is damaged and what to do:\n%s", name, text)
		}
	}

	// As restore said: the damaged store moved away, the backup goes in.
	if err := os.Rename(db, db+".damaged"); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "restore", "-config", cfgPath, good); err != nil {
		t.Fatalf("restore with the damaged store moved away: %v\n%s", err, out)
	}
	if recs := exportAll(t, cfgPath); len(recs) == 0 {
		t.Fatal("the restored store holds no stories")
	}
}

// TestStoreDeletedUnderTheDaemon: with the store file deleted under the
// running daemon (a wrong rm), the daemon holds the only copy; backup and
// export get it from the daemon rather than say there is no store.
func TestStoreDeletedUnderTheDaemon(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	want := exportAll(t, cfgPath)
	stop := startDaemon(t, cfgPath, addr)
	defer stop()
	db := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), db+" was deleted") || !strings.Contains(string(body), "newswire backup FILE") {
		t.Errorf("/readyz with the store deleted: %s\n%s", resp.Status, body)
	}
	resp, err = http.Get("http://" + addr + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	var status struct {
		StoreProblem string `json:"store_problem"`
	}
	err = json.NewDecoder(resp.Body).Decode(&status)
	resp.Body.Close()
	if err != nil || !strings.Contains(status.StoreProblem, "was deleted") {
		t.Errorf("/api/status with the store deleted: %v, store_problem %q", err, status.StoreProblem)
	}
	if got := exportAll(t, cfgPath); len(got) != len(want) {
		t.Errorf("export after the store was deleted: %d stories, want %d", len(got), len(want))
	}
	saved := filepath.Join(t.TempDir(), "saved.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, saved); err != nil {
		t.Fatalf("backup after the store was deleted: %v\n%s", err, out)
	}
	if err := store.CheckFile(saved); err != nil {
		t.Fatalf("the backup: %v", err)
	}
}
