package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestDataDirRefused: a data_dir the user newswire runs as cannot make,
// reach or write in, or a store of another user's, is named with its line
// in the config, said as such, with what to do, by serve, fetch, export,
// backup and compact; check-config says it in a note and still takes the
// config. Run as root, the real binary runs as nobody (root may write
// anywhere).
func TestDataDirRefused(t *testing.T) {
	outlet, _ := recordingOutlet(t)
	root := t.TempDir()
	var cred *syscall.Credential
	runAs := runningUser()
	if os.Getuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Skipf("no user nobody to run as: %v", err)
		}
		uid, _ := strconv.Atoi(nobody.Uid)
		gid, _ := strconv.Atoi(nobody.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		runAs = nobody.Username
		// The test's folders, and the binary, must be open to nobody.
		for p := root; p != filepath.Dir(p) && strings.HasPrefix(p, os.TempDir()+"/"); p = filepath.Dir(p) {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	bin := filepath.Join(root, "newswire")
	built, err := os.ReadFile(newswireBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, built, 0o755); err != nil {
		t.Fatal(err)
	}
	newswire := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = root
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	config := func(name, dataDir string) string {
		path := filepath.Join(root, name+".yaml")
		cfg := fmt.Sprintf("listen: 127.0.0.1:0\n# Kho tin của tòa soạn\ndata_dir: %s\nsources:\n  - {id: baohagiang, title: Báo Hà Giang, url: %q}\ncategories: [{id: thoi-su, title: Thời sự}]\ndefault_category: thoi-su\n", dataDir, outlet+"/rss")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	mkdir := func(path string, mode os.FileMode) string {
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(path, 0o755) }) // for t.TempDir's removal
		return path
	}

	closed := mkdir(filepath.Join(root, "closed"), 0o555)
	if _, err := newswire("fetch", "-config", config("probe", filepath.Join(closed, "data"))); err == nil {
		t.Skip("the user the binary runs as may write in a folder of mode 0555 (a capability?)")
	}
	private := mkdir(filepath.Join(root, "private"), 0o755)
	mkdir(filepath.Join(private, "data"), 0o755)
	mkdir(private, 0o000)
	// A store another user made (root, or this user before its mode
	// changed), readable and not writable.
	theirs := mkdir(filepath.Join(root, "theirs"), 0o777)
	theirsCfg := config("theirs", theirs)
	if out, err := runCmd(t, "fetch", "-config", theirsCfg); err != nil {
		t.Fatalf("fetch into %s: %v\n%s", theirs, err, out)
	}
	if err := os.Chmod(filepath.Join(theirs, "newswire.db"), 0o444); err != nil {
		t.Fatal(err)
	}

	out := mkdir(filepath.Join(root, "out"), 0o777)
	who := "the user newswire runs as (" + runAs + ")"
	for _, tc := range []struct {
		name, dataDir string
		commands      []string // that say it, with their prefix
		says          string
	}{
		{"folder cannot be made", filepath.Join(closed, "data"), []string{"serve", "fetch"},
			`data_dir "` + filepath.Join(closed, "data") + `" (CONFIG line 3): cannot create it: permission denied (` + closed + `, the folder it would be made in, belongs to `},
		{"folder cannot be written in", closed, []string{"serve", "fetch"},
			`data_dir "` + closed + `" (CONFIG line 3): cannot write in it: permission denied (it belongs to `},
		{"folder cannot be reached", filepath.Join(private, "data"), []string{"serve", "fetch", "export", "backup", "compact"},
			`data_dir "` + filepath.Join(private, "data") + `" (CONFIG line 3): cannot reach it: permission denied (` + private + `, on its path, is closed to ` + runAs + `: it belongs to `},
		{"store of another user", theirs, []string{"serve", "fetch"},
			`data_dir "` + theirs + `" (CONFIG line 3): the store in it, newswire.db, cannot be opened for writing: permission denied (it belongs to `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfgPath := config(strings.ReplaceAll(tc.name, " ", "-"), tc.dataDir)
			says := strings.ReplaceAll(tc.says, "CONFIG", cfgPath)
			for _, c := range tc.commands {
				args := []string{c, "-config", cfgPath}
				prefix := c + ": "
				switch c {
				case "serve":
					prefix = ""
				case "backup":
					args = append(args, filepath.Join(out, "rescue.db"))
				}
				out, err := newswire(args...)
				if want := "newswire: " + prefix + says; err == nil || !strings.HasPrefix(out, want) || !strings.Contains(out, who) {
					t.Errorf("%s: %v\n%s\nwant it to begin %q and name %s", c, err, out, want, who)
				}
			}
			out, err := newswire("check-config", "-config", cfgPath)
			note := strings.ReplaceAll(says, `data_dir "`+tc.dataDir+`" (`+cfgPath+` line 3): `, "")
			if want := cfgPath + ": note: data_dir: \"" + tc.dataDir + "\", as " + runAs + " (who runs this check) finds it: " + note; err != nil || !strings.Contains(out, want) {
				t.Errorf("check-config: %v\n%s\nwant a note %q", err, out, want)
			}
		})
	}
	// Reading a store that can be read, not written, works.
	if out, err := newswire("export", "-config", theirsCfg); err != nil || !strings.Contains(out, `"source":"baohagiang"`) {
		t.Errorf("export of a store it may read: %v\n%s", err, out)
	}
}
