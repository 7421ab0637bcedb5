package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/explain"
	"newswire/store"
)

// compactStore rewrites the store without its free pages. The daemon must be
// stopped: compaction needs the file to itself.
func compactStore(cfg *config.Config, stdout io.Writer) error {
	path := storePath(cfg)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("compact: no store at %s (data_dir %q): nothing to compact; the daemon and fetch make it when they first run", path, cfg.DataDir)
	} else if err != nil {
		return fmt.Errorf("compact: %w", explainDataDir(cfg, err, true))
	}
	if addr := runningDaemon(context.Background(), cfg); addr != "" {
		return fmt.Errorf("compact: the daemon listening at %s holds the store; stop it first", addr)
	}
	tmp := path + ".compact"
	_ = os.Remove(tmp)
	before, after, err := store.Compact(path, tmp, lockWait)
	if err != nil {
		return fmt.Errorf("compact: %w", damagedHint(explainDataDir(cfg, err, true)))
	}
	if err := store.CheckFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("compact: the compacted copy does not check out, original kept: %w", err)
	}
	if err := ownLike(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("compact: original kept: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	fmt.Fprintf(stdout, "compact: %s: %d → %d bytes\n", path, before, after)
	return nil
}

// unusedName is name, or name with "-2", "-3"… when a file has it: two
// restores within a second keep both stores they replaced.
func unusedName(base string) string {
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// restoreStore puts a backup in place of the store, keeping the store it
// replaces beside it. The daemon must be stopped. The restored store goes
// on from the story ids and change cursors of the store it replaces, and
// past each of after (a cursor or a story id, number or tag: URI, that a
// lost store handed out), so that none handed out before is handed out
// again; and under the authority the store it replaces published its ids
// under. It keeps the WebSub subscriptions of the store it replaces, which
// are those the hubs hold now (the secret, the lease, the sources
// subscribed or unsubscribed since the backup), rather than the backup's;
// with no store to replace, the backup's.
func restoreStore(cfg *config.Config, backup string, after []string, stdout io.Writer) error {
	if err := store.CheckFile(backup); err != nil {
		return fmt.Errorf("restore: %s is not a usable backup: %w", backup, err)
	}
	from, err := store.ReadCounters(backup)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	goOn := from
	// afterAuthority is the authority of the tag: ids given with -after:
	// the one the lost store published its ids under.
	afterAuthority := ""
	for _, a := range after {
		if strings.HasPrefix(a, "tag:") || strings.Trim(a, "0123456789") == "" {
			id, err := explain.ParseID(a)
			if err != nil {
				return fmt.Errorf("restore: -after: %w", err)
			}
			if strings.HasPrefix(a, "tag:") {
				auth, _, _ := strings.Cut(strings.TrimPrefix(a, "tag:"), ",")
				if auth == "" || a != feeds.StoryID(auth, id) {
					return fmt.Errorf("restore: -after: %q is not a story id of newswire (tag:AUTHORITY,2026:story/NUMBER)", a)
				}
				auth = strings.ToLower(auth) // host names compare without case
				if afterAuthority != "" && auth != afterAuthority {
					return fmt.Errorf("restore: -after: %s is under %s, another -after under %s; give the ids the lost store handed out alone", a, auth, afterAuthority)
				}
				afterAuthority = auth
			}
			goOn = goOn.Max(store.Counters{Story: id})
			continue
		}
		upTo, err := from.UpTo(a)
		if err != nil {
			return fmt.Errorf("restore: -after: %w (give a cursor the lost store handed out: an X-Newswire-Cursor header, or ?since= value; or a story id)", err)
		}
		goOn = goOn.Max(upTo)
	}
	if addr := runningDaemon(context.Background(), cfg); addr != "" {
		return fmt.Errorf("restore: the daemon listening at %s holds the store; stop it first", addr)
	}
	path := storePath(cfg)
	var kept, authority, backupAuthority string
	var subs []store.Subscription
	if _, err := os.Stat(path); err == nil {
		// Taking the lock proves no daemon is using the store.
		st, err := openStore(cfg)
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("restore: the store is in use; stop the daemon first")
		}
		if errors.Is(err, store.ErrDamaged) {
			// Its counters cannot be read, so the restored store cannot be
			// told to go on after them: that takes -after, as for a store
			// that is lost.
			var de *store.DamagedError
			errors.As(err, &de)
			return fmt.Errorf("restore: %w; restore cannot read what it would replace: move it away (mv %s %s.damaged), then restore again as with no store to replace, with -after the last cursor and story id partners were given (README, Restoring a backup)", de, path, path)
		}
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		// Hold the lock until the backup is in place, so no daemon starts
		// on a half-restored store.
		defer st.Close()
		current, err := st.Counters()
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		goOn = goOn.Max(current)
		// Ids go on under the authority they were last published under.
		if authority, err = st.Authority(); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if afterAuthority != "" && authority != "" && !strings.EqualFold(afterAuthority, authority) {
			return fmt.Errorf("restore: -after: the store being replaced published its ids as %s, not under %s", feeds.StoryID(authority, goOn.Story), afterAuthority)
		}
		if subs, err = st.Subscriptions(); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		kept = unusedName(path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z"))
		if err := store.CopyFile(path, kept); err != nil {
			return fmt.Errorf("restore: keeping the current store: %w", err)
		}
		if err := ownLike(kept, path); err != nil {
			return fmt.Errorf("restore: keeping the current store: %w", err)
		}
	} else if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("restore: %w", explainDataDir(cfg, err, true))
	} else if afterAuthority != "" {
		// With no store to replace, the ids -after names are the lost
		// store's, and new ids go on under their authority.
		if backupAuthority, err = store.ReadAuthority(backup); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if !strings.EqualFold(afterAuthority, backupAuthority) {
			authority = afterAuthority
		}
	}
	// The copy goes on from the counters before it takes the store's place.
	tmp := path + ".restore"
	defer os.Remove(tmp)
	if err := store.CopyFile(backup, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := store.GoOn(tmp, goOn, authority); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	backupSubs := 0
	if kept != "" {
		if backupSubs, err = store.ReplaceSubscriptions(tmp, subs); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	like := cfg.DataDir
	if kept != "" {
		like = path // kept is a copy, made by this process
	}
	if err := ownLike(tmp, like); err != nil {
		return fmt.Errorf("restore: nothing replaced: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restore: %s now holds %s\n", path, backup)
	if kept != "" {
		fmt.Fprintf(stdout, "restore: the store it replaced is kept as %s\n", kept)
		fmt.Fprintf(stdout, "restore: WebSub subscriptions: the %d of the store it replaced, which the hubs hold, rather than the backup's %d\n", len(subs), backupSubs)
	}
	switch {
	case goOn != from:
		fmt.Fprintf(stdout, "restore: new stories are numbered after %d (the backup's last: %d), and changes after cursor %s (the backup's: %s)\n",
			goOn.Story, from.Story, goOn.Cursor(), from.Cursor())
	case len(after) > 0:
		fmt.Fprintf(stdout, "restore: new stories are numbered after %d and changes after cursor %s, the backup's own: it is past every -after given\n",
			from.Story, from.Cursor())
	}
	if kept == "" && authority != "" {
		was := backupAuthority
		if was == "" {
			was = "none recorded"
		}
		fmt.Fprintf(stdout, "restore: story ids go on under %s, the authority of -after (the backup's: %s)\n", authority, was)
	}
	if kept == "" && len(after) == 0 {
		fmt.Fprintf(stdout, "restore: no store was replaced: story ids and cursors handed out after the backup (story %d, cursor %s) may be handed out again; "+
			"restore again with -after CURSOR, the newest cursor a partner holds, and -after ID, the newest story id seen, to go on after them\n", from.Story, from.Cursor())
	}
	return nil
}
