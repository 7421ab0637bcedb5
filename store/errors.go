package store

import "errors"

// Errors returned by the store, wrapped with what failed; test with errors.Is.
var (
	// ErrLocked means another process holds the database file's lock and it
	// was not released within Options.Timeout.
	ErrLocked = errors.New("store: database locked by another process")

	// ErrBadCursor means a paging cursor was not one Latest handed out.
	ErrBadCursor = errors.New("store: malformed cursor")

	// ErrNotFound means an index entry points to a story record that does
	// not exist: the indexes and the stories disagree.
	ErrNotFound = errors.New("store: story not found")

	// ErrSchema means the file was written by a newer newswire whose schema
	// this build does not know.
	ErrSchema = errors.New("store: unknown schema version")

	// ErrMigrate means the file was written by an older newswire: Open
	// migrates it, which writes to it, so Options.ReadOnly refuses it.
	ErrMigrate = errors.New("store: schema must be migrated")

	// ErrDamaged means the file does not read back as written: a page is
	// not what the page pointing to it says (DamagedError).
	ErrDamaged = errors.New("store: damaged")

	// ErrFull means a write would grow the file past Options.MaxSize; the
	// transaction was rolled back and the store is still usable.
	ErrFull = errors.New("store: size limit reached")
)
