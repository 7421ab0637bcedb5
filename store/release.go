package store

// mappedBudget is how far the store's mapped pages may grow past the last
// release before a write releases them (ReleaseMapped), committing first
// what it has written (Apply). It bounds what the store adds to the daemon's
// resident set: each page read maps the 64 kB of the file around it, so a
// write of one story maps 3 MB or more of a large store, a source's first
// document of 50 new stories some 150 MB, and its commit, which reads the old
// page of every page it changes, most of that again; a first round's flush
// of 10,000 source states maps tens of MB. Releasing after every story
// instead costs each write the faults of the pages it reads again (the upper
// pages of every index), some 10 µs each here.
const mappedBudget = 4 << 20

// releaseCount is how many items (stories) a write handles between
// releases where the mapping cannot be measured; Apply then stores a
// document in one transaction whatever its size.
const releaseCount = 10

// mappedOver reports whether the store's mapped pages have grown
// mappedBudget past the reading after the last release; measured is false
// where they cannot be measured.
func (s *Store) mappedOver() (over, measured bool) {
	if s.meter != nil {
		if v, ok := s.meter.read(); ok {
			return v-s.mappedBase.Load() > s.mappedBudget, true
		}
	}
	return false, false
}

// releaseNeeded reports whether a write should release the mapped pages
// now: when they have grown past the budget (mappedOver). Where they cannot
// be measured, the answer is otherwise: the caller's count-based rule.
func (s *Store) releaseNeeded(otherwise bool) bool {
	if over, measured := s.mappedOver(); measured {
		return over
	}
	return otherwise
}
