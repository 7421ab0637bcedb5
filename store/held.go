package store

import (
	"fmt"
	"os"
)

// PathHolds returns an error when the store's path no longer names the
// file Open opened: the file was deleted, or another put in its place,
// while this process holds it. Everything stored since goes to a file no
// longer in the folder, lost when the process stops; reading it, as a
// backup does, still works. A store opened for reading is not checked.
func (s *Store) PathHolds() error {
	if s.held == nil {
		return nil
	}
	fi, err := os.Stat(s.path)
	if err == nil && os.SameFile(fi, s.held) {
		return nil
	}
	what := "deleted"
	if err == nil {
		what = "replaced by another file"
	}
	return fmt.Errorf("the store file %s was %s while this daemon holds it: what it stores goes to a file no longer in the folder, lost when it stops; run newswire backup FILE now, before any restart, then newswire restore FILE with the daemon stopped", s.path, what)
}
