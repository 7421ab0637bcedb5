// Package reload watches config.yaml and hands each valid new version to the
// running daemon, on SIGHUP and whenever the file changes on disk.
//
// It owns the decision to apply or refuse a new config and the record of the
// last attempt; it does not know what applying means: the daemon passes a
// function for that. An invalid file never replaces the running config.
package reload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"newswire/internal/config"
)

// Status is the outcome of the last reload attempt.
type Status struct {
	At       time.Time        `json:"at"`
	Trigger  string           `json:"trigger"` // start | signal | file
	OK       bool             `json:"ok"`
	Error    string           `json:"error,omitempty"`
	Problems []config.Problem `json:"problems,omitempty"`
	Changes  []string         `json:"changes,omitempty"`
}

// Watcher reloads one config file.
type Watcher struct {
	path     string
	log      *slog.Logger
	apply    func(*config.Config) error
	debounce time.Duration
	// unfinished is how long a file that does not end with a newline is
	// left as it is before it is read all the same.
	unfinished time.Duration

	mu       sync.Mutex
	onResult func(Status)
	current  *config.Config
	status   Status
	count    map[bool]int // reloads by outcome
	// pending is what the file says of the settings a running daemon
	// takes only at its next restart, where it differs from the running
	// config: said at the reload that read it, and not again.
	pending []string
}

// New returns a Watcher for the file at path, whose valid versions are
// passed to apply; current is the config the daemon started with.
func New(path string, current *config.Config, log *slog.Logger, apply func(*config.Config) error) *Watcher {
	return &Watcher{
		path: path, log: log, apply: apply, debounce: 300 * time.Millisecond, unfinished: 5 * time.Second,
		current: current,
		status:  Status{At: time.Now().UTC(), Trigger: "start", OK: true},
		count:   map[bool]int{},
	}
}

// OnResult makes every reload attempt's outcome go to fn too (metrics).
// Call it before Run.
func (w *Watcher) OnResult(fn func(Status)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onResult = fn
}

// Status returns the last reload attempt.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Counts returns how many reloads succeeded and failed since start.
func (w *Watcher) Counts() (ok, failed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count[true], w.count[false]
}

// Reload reads the file now and applies it if it is valid.
func (w *Watcher) Reload(trigger string) Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{At: time.Now().UTC(), Trigger: trigger}
	next, err := config.Load(w.path)
	var listen *config.Problem
	if err == nil && next.Listen != w.current.Listen {
		// Taken at the next restart, a listen this machine cannot have
		// would keep the daemon from starting.
		listen = next.ListenProblem()
	}
	var cerr *config.Error
	switch {
	case errors.As(err, &cerr):
		problems := "problems"
		if len(cerr.Problems) == 1 {
			problems = "problem"
		}
		st.Error = fmt.Sprintf("%s: %d %s; the running config stays", w.path, len(cerr.Problems), problems)
		st.Problems = cerr.Problems
	case err != nil:
		st.Error = err.Error() + "; the running config stays"
	case listen != nil:
		st.Error = fmt.Sprintf("%s: 1 problem; the running config stays", w.path)
		st.Problems = []config.Problem{*listen}
	default:
		st.Changes, err = w.applyLocked(next)
		if err != nil {
			st.Error = err.Error() + "; the running config stays"
		} else {
			st.OK = true
		}
	}
	w.status = st
	w.count[st.OK]++
	if w.onResult != nil {
		w.onResult(st)
	}
	if st.OK {
		w.log.Info("config reloaded", "file", w.path, "trigger", trigger, "changes", len(st.Changes))
		for _, c := range st.Changes {
			w.log.Info("config change", "change", c)
		}
	} else {
		attrs := []any{"file", w.path, "trigger", trigger, "error", st.Error}
		for _, p := range st.Problems {
			a := append(attrs, "problem", p.String())
			if p.Excerpt != "" {
				a = append(a, "excerpt", p.Excerpt)
			}
			w.log.Error("config refused", a...)
		}
		if len(st.Problems) == 0 {
			w.log.Error("config refused", attrs...)
		}
	}
	return st
}

func (w *Watcher) applyLocked(next *config.Config) ([]string, error) {
	next.CarryOver(w.current)
	next.DigestKey = w.current.DigestKey
	var changes, pending []string
	// Secrets (tokens, the WebSub secret) appear in the log and on the
	// status pages as digests, as check-config -diff shows them.
	now, later := config.SplitRestart(config.Diff(w.current.Redacted(), next.Redacted()))
	for _, c := range now {
		changes = append(changes, c.String())
	}
	for _, c := range later {
		// A setting a running daemon cannot take keeps its old value;
		// the change waits for the restart, and is said once.
		pending = append(pending, c.String())
		if !slices.Contains(w.pending, c.String()) {
			changes = append(changes, c.String())
			setting, _, _ := strings.Cut(c.Path, ".")
			if wait := setting + " takes effect at the next restart"; !slices.Contains(changes, wait) {
				changes = append(changes, wait) // once for log.level and log.format
			}
		}
	}
	next.KeepRestartOnly(w.current)
	if len(changes) == 0 {
		w.pending = pending
		return nil, nil
	}
	if err := w.apply(next); err != nil {
		return nil, fmt.Errorf("applying %s: %w", w.path, err)
	}
	w.current, w.pending = next, pending
	return changes, nil
}

// Run reloads on every value from hup and on every change to the file,
// until ctx ends. It watches the file's folder, since editors often write a
// temporary file and rename it over the original, and waits for writes to
// settle before reading.
// maxSettle bounds, in debounce periods, how long writes to the config
// file put off looking at it.
const maxSettle = 10

func (w *Watcher) Run(ctx context.Context, hup <-chan os.Signal) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("reload: watch %s: %w", w.path, err)
	}
	defer fw.Close()
	dir, name := filepath.Split(w.path)
	if dir == "" {
		dir = "."
	}
	if err := fw.Add(dir); err != nil {
		return fmt.Errorf("reload: watch %s: %w", dir, err)
	}
	// A config reached through a symbolic link into another folder (kept
	// in /etc or a checkout, linked in) is edited there: that folder is
	// watched too, the one the link leads to now.
	var target, targetName string
	follow := func() {
		to, toName := linkedFolder(w.path, dir)
		if to == target {
			targetName = toName
			return
		}
		if target != "" {
			_ = fw.Remove(target) // gone with its folder, maybe
		}
		target, targetName = "", ""
		if to == "" {
			return
		}
		if err := fw.Add(to); err != nil {
			w.log.Warn("watching the folder the config file links to; edits there need SIGHUP", "file", w.path, "folder", to, "error", err)
			return
		}
		target, targetName = to, toName
	}
	follow()
	var (
		settle <-chan time.Time
		burst  time.Time   // when the events settle waits out began
		named  bool        // an event named the file itself
		gone   bool        // the file was missing at the last look
		held   os.FileInfo // a version waited for, which did not end with a newline
	)
	last, _ := os.Stat(w.path)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			w.Reload("signal")
			last, _ = os.Stat(w.path)
			follow()
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			// Any entry of the folder may be the file's new version: a
			// Kubernetes ConfigMap swaps the link "..data" that the file
			// is a link through, and names the file in no event. Writes
			// to the file itself put the look off until they settle, for
			// at most maxSettle; the other entries' events do not, or a
			// log written beside the config would hold reloads off for
			// as long as the daemon logs.
			base := filepath.Base(ev.Name)
			isNamed := (base == name || target != "" && base == targetName && filepath.Dir(ev.Name) == target) &&
				ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0
			now := time.Now()
			if settle == nil {
				burst = now
			}
			if settle == nil || isNamed && now.Sub(burst) < maxSettle*w.debounce {
				settle = time.After(w.debounce)
			}
			named = named || isNamed
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			w.log.Warn("watching config", "file", w.path, "error", err)
		case <-settle:
			settle = nil
			fi, err := os.Stat(w.path)
			if err != nil {
				// Mid-rename, or removed: wait for the next event.
				if !gone {
					w.log.Warn("config file is gone; the running config stays until it is back", "file", w.path, "error", err)
				}
				gone = true
				continue
			}
			changed := named || gone || last == nil || !sameVersion(fi, last)
			if changed && (held == nil || !sameVersion(fi, held)) && !endsLine(w.path) {
				// Caught mid-write (a copy over a slow link, a
				// script writing in pieces): a prefix may be a valid
				// config that says something else (a tag_authority
				// cut short). Saved files end with a newline; this
				// one is read when it does, or when it has stayed as
				// it is for a while.
				held = fi
				settle = time.After(w.unfinished)
				w.log.Info("config file does not end with a newline: waiting for the rest of it before reloading", "file", w.path, "wait", w.unfinished)
				continue
			}
			held = nil
			named, gone, last = false, false, fi
			if changed {
				w.Reload("file")
			}
			follow()
		}
	}
}

// linkedFolder returns the folder, other than dir, that path leads to
// through symbolic links, and the file's name there; "" when path is no
// link, leads into dir, or cannot be resolved now.
func linkedFolder(path, dir string) (folder, name string) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", ""
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return "", ""
	}
	own, err := filepath.Abs(dir)
	if err != nil {
		return "", ""
	}
	folder, name = filepath.Split(real)
	folder = filepath.Clean(folder)
	if folder == filepath.Clean(own) {
		return "", ""
	}
	return folder, name
}

// sameVersion reports whether a and b describe one version of a file.
func sameVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

// endsLine reports whether the file at path ends with a newline; an empty
// or unreadable file does not.
func endsLine(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false
	}
	var b [1]byte
	_, err = f.ReadAt(b[:], fi.Size()-1)
	return err == nil && b[0] == '\n'
}
