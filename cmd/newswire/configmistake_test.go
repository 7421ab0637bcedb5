package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSyntaxMistakeShown: a config saved with a key out of line is refused
// with what to change and the lines at fault, a caret under the column:
// by check-config, by a command that loads it, and by the running daemon's
// reload, on /status, in /api/status (the message on one line, the excerpt
// apart) and in its log.
func TestSyntaxMistakeShown(t *testing.T) {
	bin := newswireBinary(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, newOutlets(t), addr)
	good, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	const right = "    keywords: [du lịch, homestay, lễ hội]\n"
	if !strings.Contains(string(good), right) {
		t.Fatal("test config changed shape")
	}
	broken := strings.Replace(string(good), right, "   keywords: [du lịch, homestay, lễ hội]\n", 1)
	line := 1 + strings.Count(broken[:strings.Index(broken, "   keywords:")], "\n")
	n, prev := strconv.Itoa(line), strconv.Itoa(line-1)
	message := "invalid YAML: line " + n + " is indented 3 spaces, but the key before it (title, line " + prev + ") at 4: keys of one mapping must line up; indent keywords 4 spaces, as title, or 0, as categories"
	excerpt := prev + " |     title: Du lịch\n" +
		n + " |    keywords: [du lịch, homestay, lễ hội]\n" +
		"   |    ^"
	indented := "  " + strings.ReplaceAll(excerpt, "\n", "\n  ")

	logPath := cfgPath + ".log"
	cmd := startServe(t, bin, cfgPath, logPath)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	base := "http://" + addr
	waitServing(t, base+"/status", logPath)
	before := getStatus(t, base)
	replaceFile(t, cfgPath, broken)

	check := exec.Command(bin, "check-config", "-config", cfgPath)
	out, err := check.Output()
	if want := cfgPath + ": " + message + " (line " + n + ")\n" + indented + "\n"; err == nil || string(out) != want {
		t.Errorf("check-config: %v\n%s\nwant\n%s", err, out, want)
	}
	fetch := exec.Command(bin, "export", "-config", cfgPath)
	if out, err := fetch.CombinedOutput(); err == nil || !strings.Contains(string(out), message+" (line "+n+")\n"+indented) {
		t.Errorf("export with the broken config: %v\n%s", err, out)
	}

	var problem struct {
		Path    string
		Line    int
		Message string
		Column  int
		Excerpt string
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Reload struct {
				At       time.Time `json:"at"`
				OK       bool      `json:"ok"`
				Problems []json.RawMessage
			} `json:"reload"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Reload.At.After(before.Reload.At) {
			if st.Reload.OK || len(st.Reload.Problems) != 1 {
				t.Fatalf("reload: %+v", st.Reload)
			}
			if err := json.Unmarshal(st.Reload.Problems[0], &problem); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reload within 10s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if problem.Message != message || problem.Line != line || problem.Column != 4 || problem.Excerpt != excerpt {
		t.Errorf("/api/status problem %+v\nwant message %q, line %d, column 4, excerpt\n%s", problem, message, line, excerpt)
	}

	resp, err := http.Get(base + "/status")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `<pre class="excerpt">` + html.EscapeString(excerpt) + `</pre>`; !strings.Contains(string(page), want) {
		t.Errorf("/status does not show\n%s", want)
	}
	logged, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := "excerpt=" + strconv.Quote(excerpt); !strings.Contains(string(logged), want) {
		t.Errorf("log does not say %s:\n%s", want, logged)
	}
}
