package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Compact rewrites the store at src into a new file at dst without its free
// pages; bbolt files never shrink otherwise. It reads src without writing to
// it, and fails with ErrLocked while a daemon holds it. It returns both
// files' sizes.
func Compact(src, dst string, timeout time.Duration) (before, after int64, err error) {
	defer catchDamage(src, &err)
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	fi, err := os.Stat(src)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	// Opened for writing, bbolt would write src's free list (the store
	// keeps none, NoFreelistSync) and grow the file to its mapping.
	from, err := bolt.Open(src, 0o400, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if errors.Is(err, berrors.ErrTimeout) {
		return 0, 0, fmt.Errorf("store: compact %s: %w (stop the daemon first)", src, ErrLocked)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", src, openError(src, err))
	}
	defer from.Close()
	if err := checkAll(from, src); err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", src, err)
	}
	if err := from.View(checkSchema); err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", src, err)
	}
	// The new file takes this build's page size, whatever src's was. No
	// part of it is left behind when the copy fails (a full disk).
	to, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: timeout, PageSize: pageSize})
	if err != nil {
		_ = os.Remove(dst)
		return 0, 0, fmt.Errorf("store: compact into %s: %w%s", dst, err, roomHint(err))
	}
	if err := bolt.Compact(to, from, 64<<20); err != nil {
		_ = to.Close()
		_ = os.Remove(dst)
		return 0, 0, fmt.Errorf("store: compact %s into %s: %w%s", src, dst, err, roomHint(err))
	}
	if err := to.Close(); err != nil {
		_ = os.Remove(dst)
		return 0, 0, fmt.Errorf("store: compact into %s: %w%s", dst, err, roomHint(err))
	}
	return fi.Size(), fileSize(dst), nil
}

// roomHint says what a full disk asks of compact.
func roomHint(err error) string {
	if !errors.Is(err, syscall.ENOSPC) {
		return ""
	}
	return " (compact writes the store's pages in use to a copy beside it before it replaces the store: free about as much as the store uses, newswire_store_used_bytes on /metrics)"
}

// CheckFile opens the file at path read-only and verifies that it is a
// newswire store this build can read, with consistent pages. Restoring a
// backup starts here.
func CheckFile(path string) (err error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return fmt.Errorf("store: check: %s is empty", path)
	}
	if err := checkFileSize(path); err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	defer catchDamage(path, &err)
	db, err := bolt.Open(path, 0o400, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: check %s: %w", path, openError(path, err))
	}
	defer db.Close()
	// tx.Check rebuilds the free list in a goroutine where a damaged page
	// panics beyond recover (checkPages).
	if err := checkAll(db, path); err != nil {
		return fmt.Errorf("store: check %s: %w", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkSchema(tx); err != nil {
			return err
		}
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: check %s: %w", path, err)
	}
	return nil
}

// checkSchema verifies that tx belongs to a newswire store this build reads.
func checkSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || tx.Bucket(bucketStories) == nil {
		return fmt.Errorf("not a newswire store: %w", ErrSchema)
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return fmt.Errorf("schema version %x: %w", v, ErrSchema)
	}
	if got := binary.BigEndian.Uint64(v); got > schemaVersion {
		return fmt.Errorf("schema version %d, this build knows up to %d: %w", got, schemaVersion, ErrSchema)
	}
	return nil
}

// CopyFile copies src to dst through a temporary file, synced and renamed
// into place, so dst is never seen half written.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A file an interrupted copy left at tmp keeps its mode on open: the
	// store's copy is for its owner alone, like the store.
	if err := out.Chmod(0o600); err != nil {
		out.Close()
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
