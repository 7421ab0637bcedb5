package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // outlets' zones must resolve on hosts without a zoneinfo database

	"newswire/internal/config"
	"newswire/internal/export"
	"newswire/internal/heapfloor"
	"newswire/internal/metrics"
	"newswire/internal/poll"
	"newswire/internal/reload"
	"newswire/internal/sanitize"
	"newswire/internal/server"
	"newswire/internal/uffd"
	"newswire/store"
)

const usage = `usage: newswire [COMMAND] [-config FILE]

commands:
  serve          poll sources on schedule and serve HTTP (the default)
  fetch          poll every source once, store, exit
  export         print every stored story as JSON lines
  check-config   validate the config; print every problem; exit 1 on any
                 (-diff: and list what a reload would change in the running daemon)
  stories --explain ID
                 why the outlets of a story were joined (similarity, guards passed)
  stories --compare ID ID
                 why two stories were not joined into one (candidate search, guards failed)
  backup FILE    write a consistent copy of the store to FILE (works while the daemon runs)
  probe URL      propose a config.yaml entry for a web page: its feeds, or selectors for its news
  compact        rewrite the store without its free space (daemon stopped)
  restore FILE   put a backup in place of the store, keeping the old one (daemon stopped;
                 -after CURSOR, -after ID: with no store to replace, go on after
                 a cursor and a story id the lost one gave)
  import-opml FILE
                 print the config.yaml source entries for the feeds of an OPML file

FILE defaults to ./config.yaml.
`

// exitError ends the process with status 1; its message, when not empty,
// has not been printed yet.
type exitError struct{ msg string }

func (e exitError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "stories" {
		return stories(ctx, args, stdout)
	}
	fs := flag.NewFlagSet("newswire "+cmd, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	configPath := fs.String("config", "config.yaml", "config file")
	var diff bool
	if cmd == "check-config" {
		fs.BoolVar(&diff, "diff", false, "also show what a reload would change in the running daemon")
	}
	var after []string
	if cmd == "restore" {
		fs.Func("after", "a cursor or story id the lost store handed out: the restored store goes on after it (repeatable)", func(v string) error {
			after = append(after, v)
			return nil
		})
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{}
	}
	switch cmd {
	case "serve", "fetch", "export", "check-config", "compact":
		if len(pos) > 0 {
			// "check-config new.yaml" would check ./config.yaml and
			// say ok.
			return fmt.Errorf("%s: unexpected argument %q: give the config file with -config FILE", cmd, pos[0])
		}
	}
	switch cmd {
	case "serve":
		// SIGHUP asks for a reload. Taken from the start, one that comes
		// while the config loads or the store opens (seconds, for a large
		// store) waits for the watcher, rather than end the daemon, the
		// signal's default.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		return withConfig(*configPath, func(cfg *config.Config) error { return serve(ctx, *configPath, cfg, hup) })
	case "fetch":
		return withConfig(*configPath, func(cfg *config.Config) error { return fetchOnce(ctx, cfg, stdout) })
	case "export":
		return withConfig(*configPath, func(cfg *config.Config) error { return exportStories(ctx, cfg, stdout) })
	case "check-config":
		if err := checkConfig(*configPath, stdout); err != nil || !diff {
			return err
		}
		return diffConfig(ctx, *configPath, stdout)
	case "backup":
		if len(pos) != 1 {
			return fmt.Errorf("backup: want one FILE to write, got %d arguments", len(pos))
		}
		return withConfig(*configPath, func(cfg *config.Config) error { return backup(ctx, cfg, pos[0], stdout) })
	case "compact":
		return withConfig(*configPath, func(cfg *config.Config) error { return compactStore(cfg, stdout) })
	case "restore":
		if len(pos) != 1 {
			return fmt.Errorf("restore: want one backup FILE to restore, got %d arguments", len(pos))
		}
		return withConfig(*configPath, func(cfg *config.Config) error { return restoreStore(cfg, pos[0], after, stdout) })
	case "probe":
		return probe(ctx, pos, stdout)
	case "import-opml":
		if len(pos) != 1 {
			return fmt.Errorf("import-opml: want one OPML FILE to read, got %d arguments", len(pos))
		}
		return importOPML(pos[0], stdout)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// parseArgs parses args with fs, flags before, between or after the
// other arguments (newswire backup FILE -config X, as README writes the
// commands), and returns the others in their order. After "--" every
// argument is one of the others.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// plural is one for a count of 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func withConfig(path string, fn func(*config.Config) error) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	return fn(cfg)
}

// loadGCPercent is GOGC while a command loads its config.
const loadGCPercent = 10

// loadConfig loads the config at path with the collector running often.
// The config's node tree (internal/config) is some 1.9 KB a source, live
// until it is decoded: 18 MiB at 10,000 sources. The memory limit the config
// sets cannot apply before it is read, and with GOGC=100 the heap grows to
// twice the tree and more. With GOGC at 10, check-config of 10,000 sources
// peaks at 56 MiB resident against 62–70, and takes 0.75 s against 0.45. A
// reload parses under the running daemon's memory limit.
func loadConfig(path string) (*config.Config, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	return config.Load(path)
}

func newLogger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func storePath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "newswire.db") }

// daemonFile names what path is when it is one of the files the daemon
// keeps in cfg's data_dir (the store, with the files compact, restore and a
// backup make beside it, the install's key, the served dates, the listen
// address), by another name or a link included; "" when it is none.
func daemonFile(cfg *config.Config, path string) string {
	store := storePath(cfg)
	files := []struct{ path, what string }{
		{store, "the store itself"},
		{store + ".tmp", "the store's temporary file"},
		{store + ".compact", "the file compact writes the store to"},
		{store + ".restore", "the file restore writes the store to"},
		{keyFile(cfg), "the install's key for the digests in logs (newswire.key)"},
		{keyFile(cfg) + ".tmp", "the temporary file of the install's key"},
		{datesFile(cfg), "the dates the feeds were served with (newswire.dates)"},
		{datesFile(cfg) + ".tmp", "the temporary file of the served dates"},
		{listenFile(cfg), "the address the daemon listens on (newswire.listen)"},
	}
	a, errA := filepath.Abs(path)
	fi, errFi := os.Stat(path)
	for _, f := range files {
		if b, err := filepath.Abs(f.path); errA == nil && err == nil && a == b {
			return f.what
		}
		if errFi != nil {
			continue
		}
		if si, err := os.Stat(f.path); err == nil && os.SameFile(fi, si) {
			return f.what
		}
	}
	if b, err := filepath.Abs(store); errA == nil && err == nil && strings.HasPrefix(a, b+".before-restore-") {
		return "the store a restore replaced, kept beside it"
	}
	return ""
}

// lockWait is how long a command waits for another process to release the
// store's lock.
const lockWait = 2 * time.Second

// lockTry has store.Open try the lock once: bbolt gives up before its first
// retry, 50 ms on.
const lockTry = time.Millisecond

func openStore(cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(storePath(cfg), store.Options{Timeout: lockWait})
	return st, damagedHint(explainDataDir(cfg, err, true))
}

// damagedHint adds to err, when it says the store is damaged, what to do:
// no command can read or write it again, and a backup brings the stories
// back.
func damagedHint(err error) error {
	if !errors.Is(err, store.ErrDamaged) {
		return err
	}
	return fmt.Errorf("%w: move it away, then newswire restore BACKUP -after CURSOR -after ID (README, Restoring a backup)", err)
}

// openForReading opens the store for a command that only reads it: for
// reading only, beside other readers, without writing to the file, so that
// what the daemon set aside at its stop stays good for its next start, and
// a disk the system remounted read-only after errors still lets export and
// backup get the stories out. A file an older build wrote is opened as
// openStore opens it, which migrates it as the daemon's next start would.
// A store that does not exist is an error that names the path: an empty
// one made there would hide a data_dir that points at the wrong place. It
// waits at most wait for the lock.
func openForReading(cfg *config.Config, wait time.Duration) (*store.Store, error) {
	st, err := store.Open(storePath(cfg), store.Options{Timeout: wait, ReadOnly: true})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noStoreError(fmt.Sprintf("no store at %s (data_dir %q): the daemon and fetch make it when they first run", storePath(cfg), cfg.DataDir))
	}
	if errors.Is(err, store.ErrMigrate) {
		st, err = store.Open(storePath(cfg), store.Options{Timeout: wait})
		return st, damagedHint(explainDataDir(cfg, err, true))
	}
	return st, damagedHint(explainDataDir(cfg, err, false))
}

// readStore runs read on the store opened for reading or, while the daemon
// holds the store, has the daemon write apiPath's answer to w. While a
// daemon's address is in listenFile, the lock is tried once and the daemon
// asked at once; without it, or when nothing answers there (a daemon that
// crashed left the file, and another command holds the store), the lock is
// waited for as usual.
func readStore(ctx context.Context, cfg *config.Config, apiPath string, w io.Writer, read func(*store.Store) error) error {
	wait := lockWait
	if daemonAddr(cfg) != "" {
		wait = lockTry
	}
	st, err := openForReading(cfg, wait)
	if _, ok := err.(noStoreError); ok {
		// A store deleted under the running daemon is still the file it
		// holds and writes to: the only copy, which it can still read.
		derr := fromDaemon(ctx, cfg, apiPath, w)
		if derr == nil {
			return nil
		}
		if !errors.Is(derr, errNoAnswer) && !errors.Is(derr, errOtherStore) {
			return fmt.Errorf("%w; the daemon of this config answers, but asking it failed: %w", err, derr)
		}
		return err
	}
	if errors.Is(err, store.ErrLocked) {
		err = fromDaemon(ctx, cfg, apiPath, w)
		if err == nil || wait == lockWait || !errors.Is(err, errNoAnswer) {
			return lockedErr(err)
		}
		st, err = openForReading(cfg, lockWait)
		if errors.Is(err, store.ErrLocked) {
			return lockedErr(fromDaemon(ctx, cfg, apiPath, w))
		}
	}
	if err != nil {
		return err
	}
	defer st.Close()
	return read(st)
}

// lockedErr is the error of asking the daemon, which holds the store.
func lockedErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoAnswer) || errors.Is(err, errOtherStore):
		return fmt.Errorf("the store is locked by another process, and its daemon cannot be asked: %w", err)
	}
	return fmt.Errorf("asked the daemon, which holds the store: %w", err)
}

// openForWriting opens the store for a command that writes to it, which
// cannot run while the daemon holds it. A daemon that wrote its address to
// listenFile and answers there is named at once, without waiting for the
// lock.
func openForWriting(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	if _, err := os.Stat(storePath(cfg)); errors.Is(err, fs.ErrNotExist) {
		// No store here: a daemon of this config may hold one elsewhere
		// (a data_dir a reload changed takes effect at the restart), or
		// this one, deleted under it. A second store made here would
		// number its stories from 1 again.
		if err := probeDaemon(ctx, cfg); err == nil || errors.Is(err, errOtherStore) {
			return nil, fmt.Errorf("no store at %s, but the daemon listening at %s runs under this config (a data_dir changed by a reload takes effect at its restart): stop it first (it polls every source itself): %w", storePath(cfg), cfg.Listen, store.ErrLocked)
		}
	}
	if daemonAddr(cfg) != "" {
		st, err := store.Open(storePath(cfg), store.Options{Timeout: lockTry})
		if !errors.Is(err, store.ErrLocked) {
			return st, damagedHint(explainDataDir(cfg, err, true))
		}
		if addr := runningDaemon(ctx, cfg); addr != "" {
			return nil, fmt.Errorf("the daemon listening at %s holds the store; stop it first (it polls every source itself): %w", addr, store.ErrLocked)
		}
	}
	st, err := openStore(cfg)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w; stop the daemon first, or let the other command finish", err)
	}
	return st, err
}

// setCommitDelay gives the store cfg's poll.commit_delay. A group waiting
// for company goes once it holds half the poller's workers (rounded up), so
// that the others go on polling; with one or two workers nothing waits.
func setCommitDelay(st *store.Store, cfg *config.Config) {
	st.SetCommitDelay(time.Duration(cfg.Poll.CommitDelay), (cfg.Poll.Concurrency+1)/2)
}

// serve runs the daemon; hup carries the SIGHUPs that ask for a reload.
func serve(ctx context.Context, path string, cfg *config.Config, hup <-chan os.Signal) error {
	log := newLogger(cfg)
	if os.Getenv("GOGC") == "" {
		// A GOGC in the environment is the admin's choice, kept as is.
		heapfloor.Start(heapfloor.DefaultFloor, heapfloor.DefaultHeadroom)
		defer heapfloor.Stop()
	}
	st, err := openStore(cfg)
	if errors.Is(err, store.ErrLocked) {
		if addr := runningDaemon(ctx, cfg); addr != "" {
			return fmt.Errorf("serve: the daemon listening at %s already serves this data_dir (%s): %w", addr, cfg.DataDir, err)
		}
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SinglePageFaults(); err != nil {
		// Not an error: the store works the same, with a larger resident set.
		log.Info("store: the kernel maps the cached pages around every page read from the store", "reason", err)
	}
	if fd, err := leanExecutable(log); err == nil {
		defer fd.Close()
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Where the commands that ask the daemon find it, whatever the file's
	// listen says by then (a new one waits for the restart).
	addrFile := listenFile(cfg)
	// A clean stop removes the file, after its last save of the dates
	// feeds were served with; one still there was left by a run that
	// stopped without (this one holds the store's lock).
	_, statErr := os.Stat(addrFile)
	unsaved := statErr == nil
	if err := os.WriteFile(addrFile, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
		log.Warn("the daemon's address is not written for export, backup and stories to find", "file", addrFile, "error", err)
	} else {
		defer os.Remove(addrFile)
	}
	d := &daemon{ctx: ctx, st: st, log: log, metrics: metrics.New(), self: ln.Addr().String(), crashed: statErr == nil}
	d.takeMemo()
	d.takeSubscriptions()
	// Secrets show as digests keyed with the install's key: one in a log
	// line cannot be checked against guessed passwords.
	var replaced string
	if cfg.DigestKey, replaced, err = digestKey(cfg, true); err != nil {
		log.Warn("the digests of secrets in logs and on /api/config are keyed for this run alone", "error", err)
	} else if replaced != "" {
		log.Warn("a new key digests secrets: digests in earlier logs no longer compare", "reason", replaced)
	}
	d.dates.SetKey(cfg.DigestKey)
	// What clients were sent stays sent: a feed that changed while the
	// daemon was stopped is dated after it (server.Dates).
	if err := d.dates.Load(datesFile(cfg)); err != nil {
		log.Warn("reading the dates feeds were served with", "error", err)
		unsaved = true
	}
	if unsaved {
		// It may have sent dates after its last save, or the file is lost.
		d.dates.Unsaved(time.Now())
		log.Info("the dates feeds were served with are not all known (a crash, or the file unreadable): feeds that change are dated from now")
	}
	// Not from ctx: the dates of the requests served after a signal, while
	// the server shuts down, are saved too.
	savingCtx, stopSaving := context.WithCancel(context.Background())
	datesSaved := make(chan struct{})
	go func() {
		defer close(datesSaved)
		saveDates(savingCtx, &d.dates, datesFile(cfg), log)
	}()
	stopSavingDates := func() { stopSaving(); <-datesSaved }
	defer stopSavingDates()
	go watchStorePath(ctx, st, log)
	watcher := reload.New(path, cfg, log, d.apply)
	watcher.OnResult(d.metrics.Reload)
	d.metrics.Reload(watcher.Status())
	d.status = watcher.Status
	d.start(cfg)

	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	watched := make(chan error, 1)
	go func() { watched <- watcher.Run(watchCtx, hup) }()

	// The guard bounds a request's header, a kept-alive connection's wait
	// for the next request and a response's writing, without the timers
	// that ReadHeaderTimeout, IdleTimeout and write deadlines reset on every
	// request; a request body keeps its deadline (internal/server/guard.go).
	guard := server.NewGuard(server.GuardLimits{Header: 10 * time.Second, Idle: 2 * time.Minute, Active: server.WriteTimeout})
	defer guard.Close()
	srv := &http.Server{
		Handler:   d,
		ConnState: guard.ConnState,
		ErrorLog:  slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(guard.Listener(ln)) }()
	log.Info("newswire serving", "listen", ln.Addr().String(), "base_url", cfg.BaseURL,
		"sources", len(cfg.EnabledSources()), "categories", len(cfg.Categories), "store", st.Path(), "config", path)

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-served:
		serveErr = fmt.Errorf("serve: %w", err)
	}
	// No reload may start a poller after this point.
	stopWatching()
	if err := <-watched; err != nil {
		log.Warn("config watcher stopped", "error", err)
	}
	d.shutdown()
	if serveErr != nil {
		return serveErr
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("HTTP shutdown", "error", err)
	}
	stopSavingDates()
	d.setMemoAside()
	log.Info("stopped")
	return nil
}

func fetchOnce(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	st, err := openForWriting(ctx, cfg)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer st.Close()
	setCommitDelay(st, cfg)
	if record := publishUnder(cfg, st, newLogger(cfg)); record != nil {
		record()
	}
	// Each source's outcome is printed below; logging it too would say it twice.
	p := poll.New(cfg, st, slog.New(slog.DiscardHandler))
	// What the last run (of fetch or serve) knew of each source's document
	// spares a fetch run from cron what it spares the daemon; set aside
	// again for the next, it stays good across both.
	var memo poll.Memo
	_, _ = memo.Load(st)
	p.UseMemo(&memo)
	defer func() { _ = memo.Save(st) }()

	total := len(cfg.EnabledSources())
	tty := isTerminal(stdout)
	finished := 0
	start := time.Now()
	reports := p.PollAll(ctx, func(r poll.Report) {
		finished++
		if tty {
			fmt.Fprint(stdout, "\r\033[K")
		}
		fmt.Fprintln(stdout, formatReport(r))
		if tty && finished < total {
			fmt.Fprintf(stdout, "[%d/%d] polling…", finished, total)
		}
	})
	var failed, waiting, items, added, updated int
	for _, r := range reports {
		switch {
		case r.Err != nil:
			failed++
		case r.Result == poll.ResultWaiting:
			waiting++
		}
		items += r.Items
		added += r.New
		updated += r.Updated
	}
	// A source waiting out its server's Retry-After was not asked, and has
	// not failed: the exit status is not 1 for it.
	var waits string
	if waiting > 0 {
		waits = fmt.Sprintf(", %d waiting", waiting)
	}
	fmt.Fprintf(stdout, "%d sources polled in %s: %d ok, %d failed%s; %d items, %d new, %d updated\n",
		len(reports), time.Since(start).Round(time.Millisecond), len(reports)-failed-waiting, failed, waits, items, added, updated)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if failed > 0 {
		return exitError{msg: fmt.Sprintf("fetch: %d of %d sources failed", failed, len(reports))}
	}
	return nil
}

// formatReport is a source's line of fetch's output, and a line under it
// for each of the poll's notes (a guid the outlet gave another story).
// Its error, warning, why and notes quote what the outlet sent (an XML
// error names the element it could not read, a status line its reason):
// printed as sanitize.Printable makes them, so that the outlet's escapes
// and bidirectional overrides do not reach the terminal.
func formatReport(r poll.Report) string {
	if r.Err != nil {
		return fmt.Sprintf("%-20s %-12s %s", r.Source, "FAILED", sanitize.Printable(r.Err.Error()))
	}
	if r.Result == poll.ResultWaiting {
		return fmt.Sprintf("%-20s %-12s not asked until %s (%s)", r.Source, r.Result, r.Next.Round(time.Second).Format(time.RFC3339), sanitize.Printable(r.Why))
	}
	line := fmt.Sprintf("%-20s %-12s %4d items %4d new %4d updated %4d joined %4d dropped  %s",
		r.Source, r.Result, r.Items, r.New, r.Updated, r.Joined, r.Dropped, r.Duration.Round(time.Millisecond))
	if r.Warning != "" {
		line += "  warning: " + sanitize.Printable(r.Warning)
	}
	for _, n := range r.Notes {
		line += fmt.Sprintf("\n%-20s %s", r.Source, sanitize.Printable(n))
	}
	return line
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func checkConfig(path string, stdout io.Writer) error {
	cfg, err := loadConfig(path)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			fmt.Fprintf(stdout, "%s: %s\n", cerr.File, p)
			if p.Excerpt != "" {
				fmt.Fprintln(stdout, p.Indented("  "))
			}
		}
		return exitError{msg: fmt.Sprintf("%s: %d %s", path, len(cerr.Problems), plural(len(cerr.Problems), "problem", "problems"))}
	}
	if err != nil {
		return err
	}
	if p := cfg.ListenProblem(); p != nil {
		fmt.Fprintf(stdout, "%s: %s\n", path, p)
		return exitError{msg: fmt.Sprintf("%s: 1 problem", path)}
	}
	fmt.Fprintf(stdout, "%s: ok (%d sources, %d categories)\n", path, len(cfg.Sources), len(cfg.Categories))
	for _, n := range cfg.Notes() {
		fmt.Fprintf(stdout, "%s: note: %s\n", path, n)
	}
	// Not a problem of the file: it may be checked by another user than
	// the daemon's, or before the folder is made for it.
	if trouble := dataDirTrouble(cfg.DataDir, storePath(cfg), true, "the user the daemon runs as"); trouble != "" {
		n := config.Problem{Path: "data_dir", Line: cfg.DataDirLine(),
			Message: fmt.Sprintf("%q, as %s (who runs this check) finds it: %s", cfg.DataDir, runningUser(), trouble)}
		fmt.Fprintf(stdout, "%s: note: %s\n", path, n)
	}
	return nil
}

func exportStories(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	err := readStore(ctx, cfg, "/api/export", stdout, func(st *store.Store) error {
		if err := readUnder(cfg, st); err != nil {
			return err
		}
		return export.Write(ctx, st, cfg.Authority(), stdout)
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func backup(ctx context.Context, cfg *config.Config, path string, stdout io.Writer) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("backup: %s is a folder; give the backup a file name, such as %s", path, filepath.Join(path, "newswire-backup.db"))
	}
	if dir := filepath.Dir(path); !isDir(dir) {
		return fmt.Errorf("backup: there is no folder %s to write %s in", dir, filepath.Base(path))
	}
	if what := daemonFile(cfg, path); what != "" {
		// The copy would be renamed over a file the daemon keeps: over the
		// store, what it stored since, and its lock, would go with the old
		// file; over the key, every digest in the logs stops comparing.
		return fmt.Errorf("backup: %s is %s; write the backup to another file", path, what)
	}
	// The copy holds all the store holds: for its owner only, as the store
	// is, whatever the mode of a file left at tmp by a backup cut short.
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	cw := &countingWriter{w: f}
	err = readStore(ctx, cfg, "/api/backup", cw, func(st *store.Store) error {
		_, err := st.Backup(cw)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup: wrote %d bytes to %s\n", cw.n, path)
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// fromDaemon asks the running daemon, which holds the store's lock, for an
// admin endpoint's output. Those endpoints answer only on loopback.
func fromDaemon(ctx context.Context, cfg *config.Config, path string, w io.Writer) error {
	// The address the running daemon listens on, when it wrote one: the
	// file's listen may have changed since it started.
	if addr := daemonAddr(cfg); addr != "" && addr != cfg.Listen {
		if err := askDaemon(ctx, listeningAt(cfg, addr), path, w); err == nil || !errors.Is(err, errNoAnswer) {
			return err
		}
	}
	return askDaemon(ctx, cfg, path, w)
}

// errNoAnswer is askDaemon's error when nothing answered at the address.
var errNoAnswer = errors.New("the daemon did not answer")

// listenFile holds the address a running daemon listens on.
func listenFile(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "newswire.listen") }

// datesEvery is how often the daemon saves the dates feeds were served
// with, when they changed: a crash loses those sent since.
const datesEvery = time.Minute

// saveDates saves d to path every datesEvery, and once more when ctx ends,
// each time d changed since the last.
func saveDates(ctx context.Context, d *server.Dates, path string, log *slog.Logger) {
	t := time.NewTicker(datesEvery)
	defer t.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-t.C:
		}
		if _, err := d.SaveIfChanged(path); err != nil {
			log.Warn("saving the dates feeds were served with", "error", err)
		}
	}
}

// storePathEvery is how often the daemon checks that the store's path
// still names the file it holds (store.PathHolds); /readyz checks at each
// request.
const storePathEvery = time.Minute

// watchStorePath logs, every storePathEvery while it lasts, that the store
// file was deleted or replaced under the daemon: the admin must take a
// backup before anything restarts it.
func watchStorePath(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(storePathEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := st.PathHolds(); err != nil {
			log.Error("the store file is gone from its path", "error", err)
		}
	}
}

// datesFile holds the dates the feeds were served with, from the last run
// that stopped cleanly (server.Dates.Save).
func datesFile(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "newswire.dates") }

// runningDaemon returns the address of the daemon that wrote its address
// to listenFile, when it answers there holding cfg's store; "" when none
// does.
func runningDaemon(ctx context.Context, cfg *config.Config) string {
	addr := daemonAddr(cfg)
	if addr == "" {
		return ""
	}
	if probeDaemon(ctx, listeningAt(cfg, addr)) != nil {
		return ""
	}
	return addr
}

// listeningAt is cfg with the daemon listening at addr, the address the
// running daemon wrote, which cfg's listen may no longer say.
func listeningAt(cfg *config.Config, addr string) *config.Config {
	running := *cfg
	running.Listen = addr
	return &running
}

// daemonAddr is the address in listenFile: that of the daemon running, or
// of one that crashed; empty when a daemon stopped cleanly or none ran.
func daemonAddr(cfg *config.Config) string {
	b, err := os.ReadFile(listenFile(cfg))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// probeDaemon asks the daemon at cfg's listen address, within lockWait,
// which store it holds: nil when it holds cfg's, errOtherStore when
// another, errNoAnswer when none answers there.
func probeDaemon(ctx context.Context, cfg *config.Config) error {
	probe, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	return askDaemon(probe, cfg, "/api/store", io.Discard)
}

func askDaemon(ctx context.Context, cfg *config.Config, path string, w io.Writer) error {
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %q is not host:port: %w", cfg.Listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	u := "http://" + net.JoinHostPort(host, port) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if cfg.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s: %w", errNoAnswer, u, err)
	}
	defer resp.Body.Close()
	// Another daemon may listen where a crashed one of this store did.
	if held := resp.Header.Get(server.StoreHeader); held != "" && !sameStore(held, storePath(cfg)) {
		return fmt.Errorf("the daemon at %s holds the store %s, not %s: %w", net.JoinHostPort(host, port), held, storePath(cfg), errOtherStore)
	}
	if resp.StatusCode != http.StatusOK {
		// newswire says what went wrong in plain text; a page of another
		// server that answered there is no message for the admin.
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			return fmt.Errorf("GET %s: %s (not an answer of newswire's)", u, resp.Status)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(msg)))
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// noStoreError is openForReading's error when there is no file at the
// store's path.
type noStoreError string

func (e noStoreError) Error() string { return string(e) }

// errOtherStore is askDaemon's error when the daemon that answered holds
// another store than the command's.
var errOtherStore = errors.New("it is not this store's daemon")

// sameStore reports whether held, the absolute path of the store a daemon
// holds, names the file at path.
func sameStore(held, path string) bool {
	hi, herr := os.Stat(held)
	pi, perr := os.Stat(path)
	if herr == nil && perr == nil {
		return os.SameFile(hi, pi)
	}
	abs, err := filepath.Abs(path)
	return err == nil && abs == held
}

// leanExecutable releases the pages of newswire's own executable that the
// start read and has the kernel map them back one at a time, as they are
// read (internal/uffd): at 10,000 sources that held 14–15 MiB of the daemon's
// resident memory. Closing the returned userfaultfd ends that. Where the
// kernel refuses, the executable stays mapped as it was, and that is logged.
func leanExecutable(log *slog.Logger) (*uffd.FD, error) {
	fd, err := uffd.Open()
	if err == nil {
		var maps []uffd.Mapping
		maps, err = fd.Executable()
		var released int64
		for _, m := range maps {
			released += m.Resident
		}
		if len(maps) > 0 {
			log.Debug("executable: resident pages released", "mappings", len(maps), "released_bytes", released)
		}
		if err != nil {
			fd.Close()
		}
	}
	if err != nil {
		// Not an error: the daemon works the same, with a larger resident set.
		log.Info("the kernel maps the pages around every page read from newswire's executable", "reason", err)
		return nil, err
	}
	return fd, nil
}

// isDir reports whether path is a folder (through links).
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
