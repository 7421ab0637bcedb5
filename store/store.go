package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// schemaVersion is the layout described in the package doc: the version of
// the last migration. A file with a higher version was written by a newer
// build and is refused.
const schemaVersion = 7

const (
	defaultTimeout = 5 * time.Second
	// initialMmapSize is reserved address space, not memory or disk: a read
	// transaction only blocks a writer that must remap past it. It is the
	// least mapping where a larger one is not possible (mapSize).
	initialMmapSize = 256 << 20
)

// AllCategory names the index of every story, whatever its categories.
const AllCategory = "all"

var (
	bucketStories = []byte("stories")
	bucketGUIDs   = []byte("guids")
	bucketLinks   = []byte("links")
	bucketIndex   = []byte("index")
	bucketSources = []byte("sources")
	bucketMeta    = []byte("meta")

	keySchema = []byte("schema")
)

// appendFill is the FillPercent of buckets whose keys mostly arrive in
// ascending order (ids, times): split pages nearly full instead of half.
const appendFill = 0.9

// Store is newswire's bbolt store. Its methods are safe for concurrent use.
type Store struct {
	db      *bolt.DB
	path    string
	version atomic.Uint64
	pruneMu sync.Mutex // one retention run at a time
	// pruned is what retention changed, for the change log has none of it
	// (Pruned).
	pruned prunedCategories
	// releases counts the releases of the mapped pages (ReleaseMapped).
	releases atomic.Int64
	// allocs is bbolt's record of the pages allocated since Open, which
	// writes empty when it grows (allocs.go); allocsForgotten counts that.
	allocs          pageAllocs
	allocsKeep      int
	allocsForgotten atomic.Int64
	// faults keeps the kernel from mapping the pages around each one read
	// (faults_linux.go).
	faults pageFaults
	// applies groups concurrent Applies into one transaction (group.go).
	applies applyQueue
	// writes counts the transactions of Apply (WriteStats).
	writes writeCounters
	// openedAt is the id of the file's last transaction when Open found
	// it (aside.go).
	openedAt uint64
	// held is the file Open opened (PathHolds).
	held os.FileInfo
	// releaseMu guards released, the last release after a write, and
	// releaseLater, the one due at the end of its gap (releaseWritten).
	releaseMu    sync.Mutex
	released     time.Time
	releaseLater *time.Timer
}

// Open opens (creating if needed, with its directory) the store at path. It
// waits at most opt.Timeout for another process to release the file, and then
// fails with ErrLocked.
func Open(path string, opt Options) (st *Store, err error) {
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	if opt.ReadOnly {
		return openReadOnly(path, timeout)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := checkFileSize(path); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := checkPages(path, timeout); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	defer catchDamage(path, &err)
	db, err := openLatest(path, &bolt.Options{
		Timeout:         timeout,
		InitialMmapSize: mapSize(),
		PageSize:        cmp.Or(opt.pageSize, pageSize),
		MaxSize:         int(opt.MaxSize),
		FreelistType:    bolt.FreelistMapType,
		// Retention frees pages at every run. With the free list written at
		// each commit, free pages and the file kept growing in a long ingest;
		// without, both stayed flat (BENCHMARKS.md, Retention). Open rebuilds
		// the list by scanning the file instead.
		NoFreelistSync: true,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w (another newswire running? waited %s)", path, ErrLocked, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, openError(path, err))
	}
	// The last transaction before this Open's own, if it needs one: what
	// was set aside in it is what the file still holds (TakeAside).
	var openedAt uint64
	current := false
	_ = db.View(func(tx *bolt.Tx) error {
		openedAt, current = uint64(tx.ID()), schemaCurrent(tx)
		return nil
	})
	// A commit moves the file to a new transaction even when it changes
	// nothing, which would make what the last run set aside stale: a file
	// already at schemaVersion is not written to.
	if !current {
		if err := db.Update(initSchema); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	st = &Store{db: db, path: path, allocs: findPageAllocs(db), allocsKeep: allocsKeep, openedAt: openedAt}
	st.held, _ = os.Stat(path) // openLatest made sure path names the file it opened
	st.writes.pageSize = int64(db.Info().PageSize)
	st.faults.open()
	// Rebuilding the free list read every page of the file (NoFreelistSync):
	// let them go, or a restarted daemon holds its whole store resident.
	_ = st.ReleaseMapped()
	return st, nil
}

// openReadOnly opens the store at path for reading (Options.ReadOnly).
func openReadOnly(path string, timeout time.Duration) (st *Store, err error) {
	defer catchDamage(path, &err)
	if err := checkFileSize(path); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{Timeout: timeout, ReadOnly: true, InitialMmapSize: mapSize()})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w (another newswire running? waited %s)", path, ErrLocked, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s for reading: %w", path, openError(path, err))
	}
	err = checkAll(db, path)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkSchema(tx); err != nil {
			return err
		}
		if !schemaCurrent(tx) {
			v := binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
			return fmt.Errorf("schema version %d must be migrated to %d, which writes to the file: %w", v, schemaVersion, ErrMigrate)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	st = &Store{db: db, path: path}
	_ = st.ReleaseMapped()
	return st, nil
}

// initSchema creates the buckets of a version-1 store where they are missing
// and migrates the file forward to schemaVersion. A new file is an empty
// version-1 store, so that every migration also runs on every new store. It
// runs inside Open's one write transaction: a migration that fails leaves
// the file as it was.
// schemaBuckets are the top-level buckets of every store.
var schemaBuckets = [][]byte{bucketStories, bucketGUIDs, bucketLinks, bucketIndex, bucketSources, bucketMeta}

func initSchema(tx *bolt.Tx) error {
	for _, name := range schemaBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if _, err := tx.Bucket(bucketIndex).CreateBucketIfNotExists([]byte(AllCategory)); err != nil {
		return fmt.Errorf("create index %s: %w", AllCategory, err)
	}
	meta := tx.Bucket(bucketMeta)
	from := uint64(1)
	if v := meta.Get(keySchema); v != nil {
		if len(v) != 8 {
			return fmt.Errorf("schema version %x: %w", v, ErrSchema)
		}
		from = binary.BigEndian.Uint64(v)
		if from > schemaVersion {
			return fmt.Errorf("schema version %d, this build knows up to %d: %w", from, schemaVersion, ErrSchema)
		}
	}
	return migrate(tx, from, migrations)
}

// openLatest opens the file at path with bolt.Open, which opens the file
// and then waits for its lock. A file put in path's place meanwhile (by
// compact or restore, which hold the lock while they rename theirs in)
// leaves the lock taken on the file they replaced: everything written
// after would go to a file no longer in the directory, and be lost at the
// next start. openLatest opens path again when it names another file than
// it did before the wait.
func openLatest(path string, opt *bolt.Options) (*bolt.DB, error) {
	for attempt := 1; ; attempt++ {
		before, err := os.Stat(path)
		db, err2 := bolt.Open(path, 0o600, opt)
		if err != nil || err2 != nil {
			return db, err2 // a file made by this open is the one in place
		}
		after, err := os.Stat(path)
		if (err == nil && os.SameFile(before, after)) || attempt == 3 {
			return db, nil
		}
		_ = db.Close()
	}
}

// schemaCurrent reports whether tx holds every bucket initSchema creates
// and is at schemaVersion: whether initSchema would change nothing.
func schemaCurrent(tx *bolt.Tx) bool {
	for _, name := range schemaBuckets {
		if tx.Bucket(name) == nil {
			return false
		}
	}
	if tx.Bucket(bucketIndex).Bucket([]byte(AllCategory)) == nil {
		return false
	}
	v := tx.Bucket(bucketMeta).Get(keySchema)
	return len(v) == 8 && binary.BigEndian.Uint64(v) == schemaVersion
}

// migration turns a store of version to-1 into one of version to.
type migration struct {
	to   uint64
	what string
	run  func(tx *bolt.Tx) error
}

// migrations are run in order on Open; each is tested on a file written at
// the version before it (migrate_test.go). The last one's version is
// schemaVersion.
var migrations = []migration{
	{to: 2, what: "tombstones, each story's fingerprint band keys, change log", run: migrateTombstones},
	{to: 3, what: "counts of index and source keys", run: migrateCounts},
	// Nothing to rewrite: JSON records are still read, and each is written
	// in binary when its story next changes. The version keeps builds that
	// read only JSON away from the file.
	{to: 4, what: "story records in binary", run: func(*bolt.Tx) error { return nil }},
	// Nothing to rewrite either: records of format 1 are still read. The
	// version keeps builds that read only format 1 away from records that
	// name the outlet their media came from (format 2).
	{to: 5, what: "story records name the outlet their media came from", run: func(*bolt.Tx) error { return nil }},
	// Nor here: records of format 2 are still read. The version keeps
	// builds that read only formats 1 and 2 away from records that name
	// the outlet an aggregator's item came from (format 3).
	{to: 6, what: "story records name the outlet an aggregator's item came from", run: func(*bolt.Tx) error { return nil }},
	{to: 7, what: "WebSub subscriptions", run: migrateSubscriptions},
}

// migrate runs the migrations past version from, and records each version
// reached; the caller's transaction makes them all or none.
func migrate(tx *bolt.Tx, from uint64, ms []migration) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keySchema) == nil {
		if err := meta.Put(keySchema, u64(from)); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
	}
	for _, m := range ms {
		if m.to <= from {
			continue
		}
		if err := m.run(tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d (%s): %w", m.to-1, m.to, m.what, err)
		}
		if err := meta.Put(keySchema, u64(m.to)); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", m.to-1, m.to, err)
		}
	}
	return nil
}

// Close closes the file and releases its lock.
func (s *Store) Close() error {
	defer s.faults.close()
	s.releaseMu.Lock()
	if s.releaseLater != nil {
		s.releaseLater.Stop()
	}
	s.releaseMu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// SinglePageFaults reports why the kernel still maps the cached pages
// around each page the store reads, or nil when it maps only that page
// (faults_linux.go).
func (s *Store) SinglePageFaults() error { return s.faults.err() }

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Version counts, since Open, the Apply calls that committed a change to
// stories. Readers compare it to invalidate what they rendered.
func (s *Store) Version() uint64 { return s.version.Load() }

// Backup writes a consistent copy of the whole file to w while the store
// stays in use, and returns the bytes written.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup %s: %w", s.path, err)
	}
	return n, nil
}

// Stats counts stories, per category, and saved sources, and reports the
// file size. It reads the counts every write keeps (counts.go), a few keys,
// whatever the size of the store.
func (s *Store) Stats() (Stats, error) {
	st := Stats{Categories: map[string]int{}}
	var size int64
	err := s.view(func(tx *bolt.Tx) error {
		free := s.db.Stats()
		size = tx.Size()
		st.UsedBytes = size - int64(free.FreePageN+free.PendingPageN)*s.writes.pageSize
		return readCounts(tx, &st)
	})
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	fi, err := os.Stat(s.path)
	switch {
	case err == nil:
		st.FileSize = fi.Size()
	case errors.Is(err, os.ErrNotExist) && s.held != nil:
		// Deleted under this process (PathHolds), the file it holds is
		// at least its pages.
		st.FileSize = size
	default:
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	return st, nil
}

func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

// timeKey is a time-index key: SortTime then id, so that stories published in
// the same nanosecond still have distinct keys in id order.
func timeKey(t time.Time, id uint64) []byte {
	ns := t.UnixNano()
	if ns < 0 {
		ns = 0
	}
	k := make([]byte, 0, 16)
	k = binary.BigEndian.AppendUint64(k, uint64(ns))
	return binary.BigEndian.AppendUint64(k, id)
}

// pageSize is the page size, in bytes, of a store file Open or Compact
// makes; a file keeps the page size it was made with. Each new story files
// its 28 band keys (fingerprint.go) at random places of the fingerprint
// index, so each lands on a leaf of its own, which bbolt decodes whole,
// grows by one entry and writes back whole at commit, with the branch pages
// above it. A quarter of the operating system's 4 KiB page makes each of
// those a quarter as large: on the 10,000-feed farm a changed feed took 1.6
// and 2.2 times the CPU of a gofeed parse against 3.2–3.3 with 4 KiB pages,
// and a new story allocates less than half as much (BENCHMARKS.md, Polling).
// Lookups read one more level of branch pages, Open takes about twice as
// long, and a compacted file is some 10 % larger.
const pageSize = 1024
