package store

// mappedBudget is how far the store's mapped pages may grow past the last
// release before a write releases them (ReleaseMapped). It bounds what the
// store adds to the daemon's resident set: a write of one story maps 3 MB or
// more of a large store, a source's first document of 50 new stories 150 MB,
// a first round's flush of 10,000 source states some 60 MB. Releasing after
// every story instead costs each write the faults of the pages it reads
// again (the upper pages of every index), some 10 µs each here.
const mappedBudget = 4 << 20

// releaseCount is how many items (stories) a write handles between
// releases where the mapping cannot be measured.
const releaseCount = 10

// releaseNeeded reports whether a write should release the mapped pages
// now: when they have grown mappedBudget past the reading after the last
// release. Where they cannot be measured, the answer is otherwise: the
// caller's count-based rule.
func (s *Store) releaseNeeded(otherwise bool) bool {
	if s.meter != nil {
		if v, ok := s.meter.read(); ok {
			return v-s.mappedBase.Load() > s.mappedBudget
		}
	}
	return otherwise
}
