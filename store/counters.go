package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Counters are where the sequences that the store's public names come from
// stand: story ids (tag:…:story/N) and the change log (the ?since= cursors).
// Neither ever goes back in one file. A file put in another's place (a
// restored backup) must go on from at least where the one it replaces had
// got to (GoOn), or it hands out again, for other stories and other
// changes, ids and cursors that readers and partners already hold.
type Counters struct {
	Story  uint64 // the last story id given
	Change uint64 // the last change logged: the newest cursor handed out
}

// Max is the larger of c and o, counter by counter.
func (c Counters) Max(o Counters) Counters {
	return Counters{Story: max(c.Story, o.Story), Change: max(c.Change, o.Change)}
}

// Cursor is the change cursor of c.Change.
func (c Counters) Cursor() string { return ChangeCursor(c.Change) }

// UpTo returns the least counters that every id and cursor handed out by a
// store that was at c and went on to hand out cursor stays within: every
// story it created took a change of its own, so its ids went up by no more
// than its change log did. A cursor not past c changes nothing.
func (c Counters) UpTo(cursor string) (Counters, error) {
	seq, ok := parseCursor(cursor)
	if !ok {
		return Counters{}, fmt.Errorf("store: cursor %q: %w", cursor, ErrBadCursor)
	}
	if seq <= c.Change {
		return c, nil
	}
	return Counters{Story: c.Story + (seq - c.Change), Change: seq}, nil
}

// Counters reads where the store's sequences stand.
func (s *Store) Counters() (Counters, error) {
	var c Counters
	err := s.view(func(tx *bolt.Tx) error {
		c = readCounters(tx)
		return nil
	})
	if err != nil {
		return Counters{}, fmt.Errorf("store: counters: %w", err)
	}
	return c, nil
}

func readCounters(tx *bolt.Tx) Counters {
	var c Counters
	if b := tx.Bucket(bucketStories); b != nil {
		c.Story = b.Sequence()
	}
	if b := tx.Bucket(bucketChanges); b != nil {
		c.Change = b.Sequence()
	}
	return c
}

// ReadCounters reads the counters of the store file at path (a backup)
// without writing to it.
func ReadCounters(path string) (Counters, error) {
	var c Counters
	err := viewFile(path, func(tx *bolt.Tx) error {
		c = readCounters(tx)
		return nil
	})
	if err != nil {
		return Counters{}, fmt.Errorf("store: counters of %s: %w", path, err)
	}
	return c, nil
}

// ReadAuthority reads the authority the store file at path (a backup)
// records its story ids were published under (Authority), without writing
// to it.
func ReadAuthority(path string) (string, error) {
	var a string
	err := viewFile(path, func(tx *bolt.Tx) error {
		a = readAuthority(tx)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: authority of %s: %w", path, err)
	}
	return a, nil
}

// viewFile runs fn in a read transaction of the store file at path (a
// backup), opened read-only, once its schema is one this build reads.
func viewFile(path string, fn func(*bolt.Tx) error) error {
	db, err := bolt.Open(path, 0o400, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		if err := checkSchema(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// readAuthority is the authority tx's store records (Authority).
func readAuthority(tx *bolt.Tx) string { return string(tx.Bucket(bucketMeta).Get(keyAuthority)) }

// GoOn raises the counters of the store file at path to at least c, in one
// write transaction, so that the next story created there takes an id
// above c.Story and the next change a cursor above c.Change, and a cursor
// up to c.Change is one the file handed out: "after this point". An
// authority that is not empty becomes the one the file records its ids
// were published under (Authority), which ids go on under. It is for
// a file no process has open (restore calls it on its copy of a backup
// before putting it in place); it leaves the rest of the file as it is, an
// older schema included, for the next Open to migrate.
func GoOn(path string, c Counters, authority string) error {
	err := updateFile(path, func(tx *bolt.Tx) error {
		stories := tx.Bucket(bucketStories)
		if stories.Sequence() < c.Story {
			if err := stories.SetSequence(c.Story); err != nil {
				return fmt.Errorf("story ids: %w", err)
			}
		}
		// A file older than the change log gets it now, its stories
		// logged first, as its migration would.
		changes, _, err := changeBuckets(tx)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		if changes.Sequence() < c.Change {
			if err := changes.SetSequence(c.Change); err != nil {
				return fmt.Errorf("change log: %w", err)
			}
		}
		if authority != "" {
			if err := tx.Bucket(bucketMeta).Put(keyAuthority, []byte(authority)); err != nil {
				return fmt.Errorf("authority: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: go on from story %d and change %d in %s: %w", c.Story, c.Change, path, err)
	}
	return nil
}

// updateFile runs fn in one write transaction of the store file at path,
// which no process has open, once its schema is one this build reads.
func updateFile(path string, fn func(*bolt.Tx) error) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return ErrLocked
	}
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := checkSchema(tx); err != nil {
			return err
		}
		return fn(tx)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// keyAuthority is the meta key of the authority of the store's story ids
// (tag:AUTHORITY,2026:story/N): the one they were published under.
var keyAuthority = []byte("authority")

// Authority returns the authority the store records its story ids were
// published under; "" when it records none (a new store, or one written
// before it was recorded).
func (s *Store) Authority() (string, error) {
	var a string
	err := s.view(func(tx *bolt.Tx) error {
		a = readAuthority(tx)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: authority: %w", err)
	}
	return a, nil
}

// SetAuthority records a as the authority the store's story ids are
// published under; recording the one already there writes nothing.
//
// An authority that replaces another changes every story's id: each story is
// then logged as changed, in the order of the change log, so that a partner
// pulling with since gets every story again under its new id, as a reader of
// the plain feeds does. That goes in transactions of relogBatch stories, the
// authority recorded with the last one, so that a stop half way does it all
// again at the next start: a partner may get a story twice, never miss one.
func (s *Store) SetAuthority(a string) error {
	if a == "" {
		return fmt.Errorf("store: record an empty authority")
	}
	cur, err := s.Authority()
	if err == nil && cur == a {
		return nil
	}
	record := func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyAuthority, []byte(a)) }
	if cur != "" {
		err = s.relogAll(record)
	} else {
		err = s.db.Update(record)
	}
	if err != nil {
		return fmt.Errorf("store: record authority %s: %w", a, err)
	}
	return nil
}

// relogBatch is how many stories one transaction of relogAll logs again.
var relogBatch = 5000

// relogAll logs every story as changed, oldest change first, and runs last
// in the transaction of the last batch.
func (s *Store) relogAll(last func(*bolt.Tx) error) error {
	var ids []uint64
	err := s.view(func(tx *bolt.Tx) error {
		changes := tx.Bucket(bucketChanges)
		if changes == nil {
			return nil // a store from before the log: changeBuckets logs them all
		}
		return changes.ForEach(func(_, v []byte) error {
			ids = append(ids, binary.BigEndian.Uint64(v[:8]))
			return nil
		})
	})
	if err != nil {
		return err
	}
	return s.relog(ids, logChange, last)
}

// RelogCategory logs as changed, oldest first, in transactions of
// relogBatch stories, every story of category that was in none but the
// categories hidden (those it and the others served partners-only): stories
// that partners pulling "all" with since could not be given before (the
// category was partners-only, and is public now) come to them as changes.
// A story that was in a public category too was given to them then, and
// is not sent again; nor do the feeds of a story's categories send it
// again to a cursor that had it (logAgainForAll).
func (s *Store) RelogCategory(category string, hidden []string) (int, error) {
	var ids []uint64
	err := s.view(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex).Bucket([]byte(category))
		if idx == nil {
			return nil
		}
		stories := tx.Bucket(bucketStories)
		return idx.ForEach(func(k, _ []byte) error {
			if len(k) != 16 {
				return nil
			}
			id := binary.BigEndian.Uint64(k[8:])
			st, err := getStory(stories, id)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(st.Categories, func(c string) bool { return !slices.Contains(hidden, c) }) {
				ids = append(ids, id)
			}
			return nil
		})
	})
	if err == nil {
		err = s.relog(ids, logAgainForAll, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("store: relog %s: %w", category, err)
	}
	return len(ids), nil
}

// relog logs the stories ids as changed with log, in that order, in
// transactions of relogBatch stories, skipping those deleted since; last,
// when given, runs in the transaction of the last batch (the only one when
// ids is empty).
func (s *Store) relog(ids []uint64, log func(*bolt.Tx, uint64) error, last func(*bolt.Tx) error) error {
	for start := 0; start == 0 || start < len(ids); start += relogBatch {
		batch := ids[start:min(start+relogBatch, len(ids))]
		err := s.db.Update(func(tx *bolt.Tx) error {
			stories := tx.Bucket(bucketStories)
			for _, id := range batch {
				if stories.Get(u64(id)) == nil {
					continue // deleted since
				}
				if err := log(tx, id); err != nil {
					return err
				}
			}
			if last != nil && start+relogBatch >= len(ids) {
				return last(tx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		s.version.Add(1)
	}
	return nil
}

// keyPrivate is the meta key of the categories the daemon last served as
// partners-only, so that one made public across a restart is known.
var keyPrivate = []byte("private_categories")

// PrivateCategories returns the categories SetPrivateCategories recorded.
func (s *Store) PrivateCategories() ([]string, error) {
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyPrivate)
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &ids)
	})
	if err != nil {
		return nil, fmt.Errorf("store: partners-only categories: %w", err)
	}
	return ids, nil
}

// SetPrivateCategories records ids as the categories served as
// partners-only.
func (s *Store) SetPrivateCategories(ids []string) error {
	v, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyPrivate, v) })
	if err != nil {
		return fmt.Errorf("store: record partners-only categories: %w", err)
	}
	return nil
}
