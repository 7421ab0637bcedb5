package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// SaveSources saves many source states in one transaction: the poller's
// routine bookkeeping (a 304's new poll times) costs one commit for all of
// them instead of one each. It sorts states by ID.
func (s *Store) SaveSources(states []SourceState) error {
	if len(states) == 0 {
		return nil
	}
	// In key order, each leaf page is found once and written once.
	slices.SortFunc(states, func(a, b SourceState) int { return strings.Compare(a.ID, b.ID) })
	vals := make([][]byte, len(states))
	for i, st := range states {
		if st.ID == "" {
			return fmt.Errorf("store: save sources: state %d has an empty id", i)
		}
		v, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("store: save source %s: %w", st.ID, err)
		}
		vals[i] = v
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSources)
		added := 0
		for i, st := range states {
			if b.Get([]byte(st.ID)) == nil {
				added++
			}
			if err := b.Put([]byte(st.ID), vals[i]); err != nil {
				return err
			}
		}
		s.trimAllocs()
		return addSources(tx, added)
	})
	if err != nil {
		return fmt.Errorf("store: save %d sources: %w", len(states), err)
	}
	if len(states) >= releaseEvery {
		// The states of thousands of sources lie on leaves scattered
		// over the file; where the kernel maps the pages around each one
		// read (faults_linux.go), the poller's minute's flush of 10,000
		// states mapped some 100 MB. The write has landed: a failed
		// release only leaves pages resident until the poller's periodic
		// one.
		_ = s.ReleaseMapped()
	}
	return nil
}
