//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// ReleaseMapped does nothing outside Linux, where the resident set of a
// mapped file is the kernel's business alone.
func (s *Store) ReleaseMapped() error { return nil }

func (s *Store) releaseTx(*bolt.Tx) error { return nil }
