package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"newswire/internal/config"
)

// TestSecretsDigestedWithTheInstallKey: the digests that stand for a
// source's password on /api/config and in check-config -diff are keyed
// with the install's own key (data_dir/newswire.key, mode 0600, kept across
// restarts), so that none can be checked against a guessed password, and a
// changed password still shows as a change.
func TestSecretsDigestedWithTheInstallKey(t *testing.T) {
	const password, next = "hunter2PW", "hunter3PW"
	addr := freeAddr(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	write := func(pw string) {
		t.Helper()
		cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
sources:
  - {id: doitac, title: Báo đối tác, url: "http://editor:%s@127.0.0.1:9/rss", level: provincial, language: vi}
categories: [{id: thoi-su}]
default_category: thoi-su
`, addr, pw)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(password)
	apiConfig := func() string {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/api/config")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	stop := startDaemon(t, cfgPath, addr)
	first := apiConfig()
	stop()

	keyPath := filepath.Join(dir, "data", "newswire.key")
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("the install's key: %v, %v", err, fi)
	}
	key, _ := os.ReadFile(keyPath)
	keyed := func(secret string) string {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(secret))
		return "redacted:" + hex.EncodeToString(mac.Sum(nil)[:6])
	}
	unkeyed := sha256.Sum256([]byte(password))
	// In a URL's user info, the colon is escaped.
	inURL := func(secret string) string { return strings.Replace(keyed(secret), ":", "%3A", 1) }
	if !strings.Contains(first, inURL(password)) || strings.Contains(first, hex.EncodeToString(unkeyed[:4])) || strings.Contains(first, password) {
		t.Fatalf("/api/config does not show the password as its keyed digest %s:\n%s", keyed(password), first)
	}

	stop = startDaemon(t, cfgPath, addr)
	defer stop()
	if again := apiConfig(); again != first {
		t.Errorf("after a restart the digests differ:\n%s\n%s", first, again)
	}
	write(next)
	out, err := runCmd(t, "check-config", "-diff", "-config", cfgPath)
	if err != nil || !strings.Contains(out, inURL(password)) || !strings.Contains(out, inURL(next)) || strings.Contains(out, next) {
		t.Errorf("check-config -diff of a changed password: %v\n%s", err, out)
	}
}

// TestDigestKeyReplacedSays: a key file that is not a key is replaced, and
// the daemon is told so (it logs it: earlier digests no longer compare);
// check-config -diff, which only reads, refuses it.
func TestDigestKeyReplacedSays(t *testing.T) {
	cfg := &config.Config{DataDir: t.TempDir()}
	if err := os.WriteFile(keyFile(cfg), []byte("ngan!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := digestKey(cfg, false); err == nil || !strings.Contains(err.Error(), "5 bytes") {
		t.Errorf("reading a key of 5 bytes: %v", err)
	}
	key, replaced, err := digestKey(cfg, true)
	if err != nil || len(key) != 32 || !strings.Contains(replaced, "held 5 bytes") {
		t.Fatalf("replacing it: %d bytes, %q, %v", len(key), replaced, err)
	}
	again, replaced, err := digestKey(cfg, true)
	if err != nil || replaced != "" || string(again) != string(key) {
		t.Errorf("the new key read again: replaced %q, %v, same %v", replaced, err, string(again) == string(key))
	}
}
