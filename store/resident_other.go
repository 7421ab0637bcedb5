//go:build !linux

package store

// ReleaseMapped does nothing outside Linux, where the resident set of a
// mapped file is the kernel's business alone.
func (s *Store) ReleaseMapped() error { return nil }
