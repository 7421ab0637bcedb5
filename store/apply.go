package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
	"newswire/internal/story"
)

// record is what the stories bucket holds: the story as published, plus what
// the store needs to maintain it. The story is a named field, not embedded, so
// that a JSON method added to feeds.Story can never swallow the private fields.
type record struct {
	Story feeds.Story `json:"story"`
	// Rep is the source whose occurrence created the story; only its edits
	// change the story's content.
	Rep string `json:"rep"`
	// JoinLabels are labels brought by other sources, kept when the
	// representative's labels change.
	JoinLabels []string `json:"join_labels,omitempty"`
	// MediaFrom is the source whose enclosures and image the story carries
	// when its representative's item had none: empty when they are the
	// representative's own, or when no outlet gave any.
	MediaFrom string `json:"media_from,omitempty"`
	// GUIDKeys and LinkKeys are the index entries pointing here, so that a
	// story can be removed with its entries.
	GUIDKeys []string `json:"guid_keys,omitempty"`
	LinkKeys []string `json:"link_keys,omitempty"`
}

func (r *record) occurrence(source string) int {
	return slices.IndexFunc(r.Story.Sources, func(o feeds.Occurrence) bool { return o.Source == source })
}

// Apply stores the items of one fetched document of one source, in document
// order, in one write transaction. For each item it either creates a story
// (New), changes a story after an outlet's edit (Updated), credits this source
// on a story another source carried first (Joined), finds nothing to do
// (Unchanged), or finds its GUID or link among the tombstones of stories
// retention deleted (Expired: an old item an outlet still lists stays
// deleted). A document with nothing new writes nothing to disk.
//
// Applies that arrive while another is writing share one transaction and one
// commit (group.go); each still succeeds or fails on its own.
//
// Items are known within their source by GUID, else link, else title; across
// sources by Incoming.Key. Times are stored in UTC.
func (s *Store) Apply(source string, items []Incoming, now time.Time) (Result, error) {
	return s.ApplyCounting(source, items, now, nil)
}

// ApplyCounting is Apply, and writes, in the same transaction, the state
// that counted returns for the result: a source's counts of what it
// brought (new stories, items in the last day) land with the stories they
// count, so that a crash after the commit cannot leave stories no count
// credits. counted runs only when the document wrote something, while the
// store's writer is held: it must be quick and must not use the store.
func (s *Store) ApplyCounting(source string, items []Incoming, now time.Time, counted func(Result) SourceState) (Result, error) {
	if source == "" {
		return Result{}, errors.New("store: apply: empty source id")
	}
	if len(items) == 0 {
		// A document whose items are all known to the poller (a feed that
		// rewrites its build date at every request) need not wait for the
		// store's one writer to find nothing to write.
		return Result{}, nil
	}
	return s.applies.do(s, &applyReq{source: source, items: items, now: now.UTC(), counted: counted})
}

// saveCounted writes the state r.counted makes of its result, in tx.
func saveCounted(tx *bolt.Tx, r *applyReq) error {
	st := r.counted(r.res)
	if st.ID != r.source {
		return fmt.Errorf("state of %q given for a document of %q", st.ID, r.source)
	}
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return putSource(tx, st.ID, v)
}

// applyGroup stores the documents of group, in order, in tx, and commits it
// when any wrote, reporting whether one did. It fills each request's
// result; a failure is the first one's, named by its request, after which
// tx has been rolled back.
func (s *Store) applyGroup(tx *bolt.Tx, group []*applyReq) (written bool, err error) {
	// After a commit, a no-op; on every other way out (an error, nothing
	// written, a panic) it releases the writer lock.
	defer func() { _ = tx.Rollback() }()
	counts := newTally()
	dirty, applied := false, 0
	for _, r := range group {
		w := writer{
			stories: tx.Bucket(bucketStories),
			guids:   tx.Bucket(bucketGUIDs),
			links:   tx.Bucket(bucketLinks),
			index:   tx.Bucket(bucketIndex),
			tombs:   tx.Bucket(bucketTombs),
			counts:  counts,
			now:     r.now,
			source:  r.source,
		}
		w.stories.FillPercent = appendFill
		for i := range r.items {
			if err := w.apply(&r.items[i]); err != nil {
				return false, fmt.Errorf("store: apply %s: item %d (%s): %w", r.source, i, itemName(&r.items[i]), err)
			}
			if applied++; applied%releaseEvery == 0 {
				// Each new item reads pages all over the identity index; a
				// source's first document would otherwise hold all of them
				// resident until the commit.
				if err := s.releaseTx(tx); err != nil {
					return false, fmt.Errorf("store: apply %s: %w", r.source, err)
				}
			}
		}
		r.res = w.res
		dirty = dirty || w.dirty
		if r.counted != nil && r.res.wrote() {
			if err := saveCounted(tx, r); err != nil {
				return false, fmt.Errorf("store: apply %s: source state: %w", r.source, err)
			}
		}
	}
	if !dirty {
		// Commit would write a new meta page even with nothing changed.
		return false, nil
	}
	if err := counts.save(tx); err != nil {
		return false, fmt.Errorf("store: apply %s: %w", group[0].source, err)
	}
	start := time.Now()
	if err := s.commit(tx); err != nil {
		if len(group) == 1 {
			return false, fmt.Errorf("store: apply %s: commit %d items: %w", group[0].source, len(group[0].items), err)
		}
		return false, fmt.Errorf("store: apply %d documents (%s first): commit: %w", len(group), group[0].source, err)
	}
	s.writes.count(tx, group, time.Since(start))
	for _, r := range group {
		written = written || r.res.wrote()
	}
	if written {
		s.version.Add(1)
	}
	return written, nil
}

// releaseWritten releases the mapped pages after a write of stories.
// Identifying even one story read some thirty leaves scattered over the
// identity index, and the commit read the old page of every page it
// changed. Each stays mapped, with the pages around it where the kernel maps
// those too (faults_linux.go): about 3 MB a story, which a trickle of single
// new stories would pile up between the poller's periodic releases. The
// write has landed: a failed release only leaves pages resident until the
// periodic one.
//
// It releases at most once every releaseGap, and a write that comes sooner
// leaves its pages to a release at the end of that gap: the writes of one
// gap share the index's upper pages instead of each faulting them in again.
// On the 10,000-feed farm that took a changed feed from 6.94–7.02 to
// 5.05–5.70 ms of CPU, for 6–8 MiB more at the peak (BENCHMARKS.md).
func (s *Store) releaseWritten() {
	s.releaseMu.Lock()
	defer s.releaseMu.Unlock()
	if wait := time.Until(s.released.Add(releaseGap)); wait > 0 {
		if s.releaseLater == nil {
			s.releaseLater = time.AfterFunc(wait, func() {
				s.releaseMu.Lock()
				s.releaseLater, s.released = nil, time.Now()
				s.releaseMu.Unlock()
				_ = s.ReleaseMapped()
			})
		}
		return
	}
	s.released = time.Now()
	_ = s.ReleaseMapped()
}

// releaseGap is the least time between two releases after writes of
// stories (releaseWritten).
const releaseGap = time.Second

// releaseEvery is how many items Apply stores between releases of the
// mapped pages it has read (ReleaseMapped) within one transaction, and how
// many source states SaveSources saves before it releases them after its
// commit. Each release costs the rest of the transaction a page fault for
// every page it reads again (the index's upper pages, mostly).
const releaseEvery = 10

func itemName(in *Incoming) string {
	if k := sourceKey(in); k != "" {
		return k
	}
	return "no id"
}

// writer holds one Apply's buckets and tally.
type writer struct {
	stories, guids, links, index *bolt.Bucket
	tombs                        *bolt.Bucket // identity keys of deleted stories
	counts                       tally        // keys added to each index
	now                          time.Time
	source                       string
	res                          Result
	dirty                        bool
	// matched holds the stories the document's earlier items were found
	// as or stored as: one document lists a story once.
	matched map[uint64]bool
}

func (w *writer) apply(in *Incoming) error {
	it := &in.Item
	if in.SharedLink {
		in.Key = ""
	}
	sk := sourceKey(in)
	if sk == "" {
		w.res.Skipped++
		return nil
	}
	gk := []byte(w.source + "\x00" + sk)
	hash := contentHash(it)

	id, viaGUID := lookup(w.guids, gk)
	var rec *record
	var guidOf uint64 // the story whose GUID the outlet gave the item
	in.GUIDOf = 0
	if viaGUID {
		r, err := w.load(id)
		if err != nil {
			return err
		}
		var r2 *record
		if w.differs(r, hash) {
			// Not as stored: an edit, unless the item is the story
			// stored apart from the one its key names (the latest the
			// outlet gave the GUID of another).
			if r2, err = w.apart(sk, in); err != nil {
				return err
			}
		}
		other := false
		if r2 != nil {
			r, id = r2, r2.Story.ID
		} else if oi := r.occurrence(w.source); oi >= 0 {
			if other, err = w.otherStory(r, oi, in); err != nil {
				return err
			}
		}
		switch {
		case other:
			// The outlet gave the GUID of one of its stories to another:
			// it stays the first one's.
			guidOf, viaGUID = id, false
		case w.taken(r, hash):
			viaGUID = false
		default:
			rec = r
		}
	}
	found := viaGUID
	alias := titleAlias(w.source, in, hash)
	viaAlias := false
	if !found && alias != nil {
		id, viaAlias = lookup(w.guids, alias)
		if viaAlias && in.Item.Link != "" && !in.SharedLink {
			// Found by headline and date for a link whose query is new:
			// the outlet's item only if all but that query is as stored.
			// Two notices of one day under one headline ("Thông báo",
			// index.php?id=101 and ?id=102) are two stories.
			same, err := w.sameButQueryAs(id, in)
			if err != nil {
				return err
			}
			if same {
				w.match(id)
				w.res.Unchanged++
				return nil
			}
			viaAlias = false
		}
		found = viaAlias
	}
	if !found && (buried(w.tombs, 'g', string(gk)) || alias != nil && buried(w.tombs, 'g', string(alias))) {
		w.res.Expired++
		return nil
	}
	if !found && in.Key != "" {
		id, found = lookup(w.links, []byte(in.Key))
		if !found {
			var err error
			if id, found, err = w.knownWhileShared(in); err != nil {
				return err
			}
		}
		if !found && buried(w.tombs, 'l', in.Key) {
			w.res.Expired++
			return nil
		}
	}
	var why *Join
	if !found {
		in.fingerprint()
	}
	if !found && in.Doc != nil {
		var err error
		if id, why, err = w.findSimilar(in); err != nil {
			return err
		}
		found = why != nil
	}
	if found && (rec == nil || rec.Story.ID != id) {
		var err error
		if rec, err = w.load(id); err != nil {
			return err
		}
	}
	if found && w.taken(rec, hash) {
		found, viaAlias = false, false
		in.fingerprint()
	}
	if !found {
		// Said only of an item stored for it: one found by its link
		// afterwards is the story stored for it at an earlier poll.
		in.GUIDOf = guidOf
		return w.create(in, sk, gk, hash)
	}
	w.match(id)
	oi := rec.occurrence(w.source)
	if oi < 0 {
		return w.join(rec, in, gk, hash, why)
	}
	if rec.Story.Sources[oi].Hash == hash {
		// Found by its link under another GUID, and nothing else new: a
		// GUID that changes at every request is not worth a write, as one
		// found by its alias is not (the link finds the item anyway).
		w.res.Unchanged++
		return nil
	}
	updated, cats := rec.Story.Updated, len(rec.Story.Categories)
	if err := w.update(rec, oi, in, hash); err != nil {
		return err
	}
	if err := w.logIfChanged(rec, updated, cats); err != nil {
		return err
	}
	w.res.Updated++
	if !viaGUID && !viaAlias {
		// Same source, same link, another GUID, and an edit: the outlet
		// re-posted it or changed its GUID scheme. Remember this GUID too,
		// with a few of the latest before it.
		if err := w.putGUID(rec, gk); err != nil {
			return err
		}
	}
	if err := w.capGUIDs(rec); err != nil {
		return err
	}
	return w.put(rec)
}

// knownWhileShared finds the story of in, an item known by its link that no
// GUID or link index found, under the headline it was known by while its
// document gave its link to other stories too (a section page): that story
// is the item's when this source's occurrence of it has the item's link.
// The update files the link, and the item is found by it from then on.
func (w *writer) knownWhileShared(in *Incoming) (uint64, bool, error) {
	it := &in.Item
	if it.Title == "" || it.GUID != "" && !in.SharedGUID {
		return 0, false, nil
	}
	id, ok := lookup(w.guids, []byte(w.source+"\x00"+titleKey(it.Title)))
	if !ok {
		return 0, false, nil
	}
	rec, oi, err := w.loadOwn(id)
	if err != nil {
		return 0, false, err
	}
	if oi < 0 || story.CanonicalLink(rec.Story.Sources[oi].Link) != in.Key {
		return 0, false, nil
	}
	return id, true, nil
}

// otherStory reports whether in, an item whose GUID found rec, where its
// source's occurrence is oi, is another story than that occurrence: its link
// and its text both differ from it (story.Unrelated), those of every version
// of it filed. An item or occurrence without a link is never another story.
func (w *writer) otherStory(rec *record, oi int, in *Incoming) (bool, error) {
	occ := &rec.Story.Sources[oi]
	if in.Key == "" || occ.Link == "" || story.CanonicalLink(occ.Link) == in.Key {
		return false, nil
	}
	in.fingerprint()
	d := in.Doc
	if d == nil {
		d = story.NewDoc(story.Input{Title: in.Item.Title, Text: in.Item.Summary, Language: in.Item.Language})
	}
	var filed []*story.Doc
	if docs := w.stories.Tx().Bucket(bucketFPDocs); docs != nil {
		e, err := loadDocs(docs, rec.Story.ID)
		if err != nil {
			return false, err
		}
		for _, sd := range e.Docs {
			if sd.Source == w.source {
				filed = append(filed, sd.Doc)
			}
		}
	}
	if len(filed) == 0 {
		// Filed with joining off: its headline, and the story's text
		// when the occurrence is the story's own.
		text := ""
		if rec.Rep == w.source {
			text = rec.Story.Summary
		}
		filed = append(filed, story.NewDoc(story.Input{Title: occ.Title, Text: text, Language: rec.Story.Language}))
	}
	for _, f := range filed {
		if !story.Unrelated(d, f) {
			return false, nil
		}
	}
	return true, nil
}

// differs reports whether rec's occurrence of w's source is not the item
// of content hash: another version, or none.
func (w *writer) differs(rec *record, hash uint64) bool {
	oi := rec.occurrence(w.source)
	return oi < 0 || rec.Story.Sources[oi].Hash != hash
}

// taken reports whether rec is a story an earlier item of the document was
// found or stored as, and the item of content hash is not that item again:
// it is another story, which the outlet's keys lead to the same place.
func (w *writer) taken(rec *record, hash uint64) bool {
	return w.matched[rec.Story.ID] && w.differs(rec, hash)
}

// match records that an item of the document was found or stored as
// story id.
func (w *writer) match(id uint64) {
	if w.matched == nil {
		w.matched = map[uint64]bool{}
	}
	w.matched[id] = true
}

// apartKey is the key of the story an item known by sk within source was
// stored as when what sk names in the GUID index is another story.
func apartKey(source, sk string) []byte {
	return []byte(source + "\x00" + apartTag + sk)
}

// apart returns the story in, an item known by sk, was stored as apart from
// the one sk names, when there is one and the item is not another story
// than it (otherStory); else nil.
func (w *writer) apart(sk string, in *Incoming) (*record, error) {
	id, ok := lookup(w.guids, apartKey(w.source, sk))
	if !ok {
		return nil, nil
	}
	rec, oi, err := w.loadOwn(id)
	if err != nil || oi < 0 {
		return nil, err
	}
	if other, err := w.otherStory(rec, oi, in); err != nil || other {
		return nil, err
	}
	return rec, nil
}

// putApart files key, an apartKey, for rec: the latest story stored apart
// under it. The story it named before forgets it.
func (w *writer) putApart(rec *record, key []byte) error {
	if id, ok := lookup(w.guids, key); ok && id != rec.Story.ID {
		old, err := w.load(id)
		if err != nil {
			return err
		}
		old.GUIDKeys = slices.DeleteFunc(old.GUIDKeys, func(k string) bool { return k == string(key) })
		if err := w.put(old); err != nil {
			return err
		}
		if err := w.guids.Delete(key); err != nil {
			return fmt.Errorf("guid index: %w", err)
		}
	}
	return w.putGUID(rec, key)
}

// create stores in, known by sk (index key gk), as a new story. When gk
// names another story already (one the document's earlier item was, or one
// whose GUID the outlet gave in), the story is filed under sk's apartKey:
// its next version is found by it.
func (w *writer) create(in *Incoming, sk string, gk []byte, hash uint64) error {
	it := &in.Item
	id, err := w.stories.NextSequence()
	if err != nil {
		return fmt.Errorf("next id: %w", err)
	}
	published := it.Published.UTC()
	if published.IsZero() {
		published = w.now
	}
	updated := it.Updated.UTC()
	if updated.Before(published) {
		updated = published
	}
	rec := &record{
		Story: feeds.Story{
			ID:          id,
			Title:       it.Title,
			Link:        it.Link,
			Summary:     it.Summary,
			ContentHTML: it.ContentHTML,
			Authors:     it.Authors,
			Published:   published,
			Updated:     updated,
			FirstSeen:   w.now,
			Language:    it.Language,
			Labels:      union(nil, it.Labels),
			Enclosures:  it.Enclosures,
			Image:       it.Image,
			Sources:     []feeds.Occurrence{w.occurrence(it, hash)},
			SortTime:    minTime(published, w.now),
		},
		Rep: w.source,
	}
	if err := w.addCategories(rec, in.Categories); err != nil {
		return err
	}
	if err := w.indexTime(AllCategory, rec); err != nil {
		return err
	}
	if w.guids.Get(gk) != nil {
		if err := w.putApart(rec, apartKey(w.source, sk)); err != nil {
			return err
		}
	} else if err := w.putGUID(rec, gk); err != nil {
		return err
	}
	if err := w.putAlias(rec, in, hash); err != nil {
		return err
	}
	if err := w.putLink(rec, in.Key); err != nil {
		return err
	}
	w.match(id)
	if err := w.indexDoc(id, in, nil, false); err != nil {
		return err
	}
	if err := logChange(w.stories.Tx(), id); err != nil {
		return err
	}
	w.res.New++
	return w.put(rec)
}

// join credits this source on rec; why is the verdict, and the occurrence
// it is of, when the text, not a GUID or link, found the story.
func (w *writer) join(rec *record, in *Incoming, gk []byte, hash uint64, why *Join) error {
	st := &rec.Story
	st.Sources = append(st.Sources, w.occurrence(&in.Item, hash))
	slices.SortStableFunc(st.Sources, firstPublisherFirst)
	st.Labels = union(st.Labels, in.Item.Labels)
	rec.JoinLabels = union(rec.JoinLabels, in.Item.Labels)
	if !hasMedia(st.Enclosures, st.Image) && hasMedia(in.Item.Enclosures, in.Item.Image) {
		// An audio report or a picture is not lost because another
		// outlet's text of the story came first.
		st.Enclosures, st.Image, rec.MediaFrom = in.Item.Enclosures, in.Item.Image, w.source
		w.touch(st, time.Time{})
	}
	if err := w.addCategories(rec, in.Categories); err != nil {
		return err
	}
	// Another outlet carried the story: partners are promised who
	// published it, so it comes again to them, with its updated time as
	// it was.
	if err := logChange(w.stories.Tx(), st.ID); err != nil {
		return err
	}
	if err := w.putGUID(rec, gk); err != nil {
		return err
	}
	if err := w.putAlias(rec, in, hash); err != nil {
		return err
	}
	// The joining outlet's article leads to the story too: another outlet
	// (an aggregator) linking to it, or the same article listed again
	// under another guid, is found by its link, not only by its text.
	if err := w.putLink(rec, in.Key); err != nil {
		return err
	}
	if err := w.indexDoc(st.ID, in, why, false); err != nil {
		return err
	}
	w.res.Joined++
	return w.put(rec)
}

// firstPublisherFirst orders a story's sources by publication, and those
// published at the same time by whether they carry the item at first hand:
// an aggregator (another newswire) gives the outlet's item the outlet's
// date, and the outlet polled directly is its first publisher, however late
// it was polled; then by when they were seen.
func firstPublisherFirst(a, b feeds.Occurrence) int {
	if c := a.Published.Compare(b.Published); c != 0 {
		return c
	}
	if a, b := a.Origin.IsZero(), b.Origin.IsZero(); a != b {
		if a {
			return -1
		}
		return 1
	}
	return a.FirstSeen.Compare(b.FirstSeen)
}

// update applies an outlet's edit to its occurrence, and to the story's
// content when that outlet is the representative. The story's id, FirstSeen
// and SortTime never change, so it keeps its place in every feed.
func (w *writer) update(rec *record, oi int, in *Incoming, hash uint64) error {
	it := &in.Item
	occ := &rec.Story.Sources[oi]
	st := &rec.Story
	// What identity reads of an occurrence: its headline, and the text the
	// story keeps of its representative's.
	reworded := occ.Title != it.Title || rec.Rep == w.source && st.Summary != it.Summary
	occ.Title, occ.Link, occ.Hash = it.Title, it.Link, hash
	if occ.Origin != it.Origin {
		// An aggregator's item names its origin now (or another): the
		// outlet polled directly may be the first publisher after all.
		occ.Origin = it.Origin
		first := st.Sources[0].Source
		slices.SortStableFunc(st.Sources, firstPublisherFirst)
		if st.Sources[0].Source != first {
			if err := logChange(w.stories.Tx(), st.ID); err != nil {
				return err
			}
		}
	}
	switch {
	case rec.Rep == w.source:
		// Only what readers see is an edit: an outlet that files its item
		// under one more label, or an aggregator that lists one more
		// outlet beside it, has not edited the story, and its updated time
		// stays, unless the outlet moved its own on.
		edited := st.Title != it.Title || !sameButFragment(st.Link, it.Link) || st.Summary != it.Summary ||
			st.ContentHTML != it.ContentHTML || !slices.Equal(st.Authors, it.Authors)
		st.Title, st.Link, st.Summary, st.ContentHTML = it.Title, it.Link, it.Summary, it.ContentHTML
		st.Authors = it.Authors
		// The representative's media win once it has some; until then the
		// story keeps those another outlet gave.
		if rec.MediaFrom == "" || hasMedia(it.Enclosures, it.Image) {
			edited = edited || !slices.Equal(st.Enclosures, it.Enclosures) || st.Image != it.Image
			st.Enclosures, st.Image, rec.MediaFrom = it.Enclosures, it.Image, ""
		}
		st.Labels = union(union(nil, it.Labels), rec.JoinLabels)
		if edited || it.Updated.After(st.Updated) {
			w.touch(st, it.Updated)
		}
	case rec.MediaFrom == w.source:
		// The outlet whose media the story carries changed them.
		if !slices.Equal(st.Enclosures, it.Enclosures) || st.Image != it.Image {
			st.Enclosures, st.Image = it.Enclosures, it.Image
			if !hasMedia(it.Enclosures, it.Image) {
				rec.MediaFrom = ""
			}
			w.touch(st, it.Updated)
		}
	}
	// An edit may route the story to more categories (a keyword in the new
	// title); it never leaves one, so partners never see a story vanish.
	if err := w.addCategories(rec, in.Categories); err != nil {
		return err
	}
	if reworded {
		if err := w.refile(st.ID, in); err != nil {
			return err
		}
	}
	return w.putLink(rec, in.Key)
}

// touch moves the story's updated time on for a change of its content: to
// the outlet's own updated time when that is later, else to now.
func (w *writer) touch(st *feeds.Story, outlet time.Time) {
	if u := outlet.UTC(); u.After(st.Updated) {
		st.Updated = u
	} else {
		st.Updated = w.now
	}
}

// hasMedia reports whether an item or story has enclosures or an image.
func hasMedia(enclosures []feeds.Enclosure, image string) bool {
	return len(enclosures) > 0 || image != ""
}

func (w *writer) occurrence(it *feeds.Item, hash uint64) feeds.Occurrence {
	published := it.Published.UTC()
	if published.IsZero() {
		published = w.now
	}
	return feeds.Occurrence{
		Source:    w.source,
		Link:      it.Link,
		GUID:      it.GUID,
		Title:     it.Title,
		Published: published,
		FirstSeen: w.now,
		Hash:      hash,
		Origin:    it.Origin,
	}
}

// addCategories adds the categories the story is not in yet, with their
// time-index entries.
func (w *writer) addCategories(rec *record, cats []string) error {
	for _, c := range cats {
		if c == "" || c == AllCategory || slices.Contains(rec.Story.Categories, c) {
			continue
		}
		rec.Story.Categories = append(rec.Story.Categories, c)
		if err := w.indexTime(c, rec); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) indexTime(category string, rec *record) error {
	b, err := w.index.CreateBucketIfNotExists([]byte(category))
	if err != nil {
		return fmt.Errorf("index %s: %w", category, err)
	}
	b.FillPercent = appendFill
	if err := w.counts.put(b, category, timeKey(rec.Story.SortTime, rec.Story.ID)); err != nil {
		return fmt.Errorf("index %s: %w", category, err)
	}
	return nil
}

// titleAlias is how a link-less item with a GUID is also known within its
// source: some sites make a new GUID at every request, and with no link to
// know it by, the item would be a new story at every poll. Its headline
// and publication time (undated, its content) name it instead; an outlet
// that repeats a headline daily (a digest) dates each. So is a dated item
// without a GUID whose link has a query, which some sites make anew at
// every request (?t=…, a session) as others do GUIDs. nil for any other
// item with a link, or one without a GUID (its headline is its key
// already); a link or GUID its document gives other stories too counts as
// none.
func titleAlias(source string, in *Incoming, hash uint64) []byte {
	it := &in.Item
	linked, guided := it.Link != "" && !in.SharedLink, it.GUID != "" && !in.SharedGUID
	queried := linked && !guided && strings.Contains(it.Link, "?") && !it.Published.IsZero()
	if it.Title == "" || !(!linked && guided || queried) {
		return nil
	}
	when := "content " + strconv.FormatUint(hash, 16)
	if !it.Published.IsZero() {
		when = strconv.FormatInt(it.Published.Unix(), 10)
	}
	return []byte(source + "\x00" + aliasTag + it.Title + "\x00" + when)
}

// sameButQueryAs reports whether in, an item of w's source with a link, is
// the item of story id but for its link's query (and fragment): the same
// headline, text, media and date, under a link whose query the outlet makes
// anew at every request.
func (w *writer) sameButQueryAs(id uint64, in *Incoming) (bool, error) {
	rec, oi, err := w.loadOwn(id)
	if err != nil || oi < 0 {
		return false, err
	}
	have := rec.Story.Sources[oi].Link
	if have == in.Item.Link || !sameButQuery(have, in.Item.Link) {
		return false, nil
	}
	it := in.Item
	it.Link = have
	return contentHash(&it) == rec.Story.Sources[oi].Hash, nil
}

// sameButFragment reports whether links a and b differ at most in their
// fragment: an anchor (to the comments, a paragraph) added to a story's
// link is not an edit readers would want to be told of.
func sameButFragment(a, b string) bool { return before(a, "#") == before(b, "#") }

// sameButQuery reports whether links a and b differ at most in their
// query and fragment.
func sameButQuery(a, b string) bool {
	return before(before(a, "#"), "?") == before(before(b, "#"), "?")
}

// before is s up to the first sep, or all of s.
func before(s, sep string) string {
	s, _, _ = strings.Cut(s, sep)
	return s
}

// putAlias files in's titleAlias under rec, when it has one that is not
// filed yet.
func (w *writer) putAlias(rec *record, in *Incoming, hash uint64) error {
	alias := titleAlias(w.source, in, hash)
	if alias == nil || w.guids.Get(alias) != nil {
		return nil
	}
	return w.putGUID(rec, alias)
}

// putGUID maps gk to the story unless it already maps somewhere: a GUID an
// outlet gave another story before stays that story's.
func (w *writer) putGUID(rec *record, gk []byte) error {
	if w.guids.Get(gk) != nil {
		return nil
	}
	if err := w.guids.Put(gk, u64(rec.Story.ID)); err != nil {
		return fmt.Errorf("guid index: %w", err)
	}
	rec.GUIDKeys = append(rec.GUIDKeys, string(gk))
	return nil
}

// maxGUIDs is how many GUIDs of one source a story keeps in the GUID index:
// the latest. An outlet that makes a new GUID for its item now and then
// (at every request, for some) is still found by the item's link.
const maxGUIDs = 4

// capGUIDs forgets the oldest GUIDs of w's source that rec keeps beyond
// maxGUIDs, with their index entries. Its aliases are not counted: each
// names a headline and date of its own; nor is an apartKey.
func (w *writer) capGUIDs(rec *record) error {
	prefix := w.source + "\x00"
	alias, apart := prefix+aliasTag, prefix+apartTag
	isGUID := func(k string) bool {
		return strings.HasPrefix(k, prefix) && !strings.HasPrefix(k, alias) && !strings.HasPrefix(k, apart)
	}
	n := 0
	for _, k := range rec.GUIDKeys {
		if isGUID(k) {
			n++
		}
	}
	if n <= maxGUIDs {
		return nil
	}
	kept := rec.GUIDKeys[:0]
	for _, k := range rec.GUIDKeys {
		if n > maxGUIDs && isGUID(k) {
			n--
			if id, ok := lookup(w.guids, []byte(k)); ok && id == rec.Story.ID {
				if err := w.guids.Delete([]byte(k)); err != nil {
					return fmt.Errorf("guid index: %w", err)
				}
			}
			continue
		}
		kept = append(kept, k)
	}
	rec.GUIDKeys = kept
	return nil
}

// putLink maps key to the story unless it already maps somewhere. A story's
// old keys stay: another outlet may still carry the old link.
func (w *writer) putLink(rec *record, key string) error {
	if key == "" || w.links.Get([]byte(key)) != nil {
		return nil
	}
	if err := w.links.Put([]byte(key), u64(rec.Story.ID)); err != nil {
		return fmt.Errorf("link index: %w", err)
	}
	rec.LinkKeys = append(rec.LinkKeys, key)
	return nil
}

func (w *writer) load(id uint64) (*record, error) { return loadRecord(w.stories, id) }

// loadOwn loads story id and finds the occurrence of w's source in it: its
// index, or -1 when the source carries no such story.
func (w *writer) loadOwn(id uint64) (*record, int, error) {
	rec, err := w.load(id)
	if err != nil {
		return nil, -1, err
	}
	return rec, rec.occurrence(w.source), nil
}

func (w *writer) put(rec *record) error {
	if err := w.stories.Put(u64(rec.Story.ID), encodeRecord(rec)); err != nil {
		return fmt.Errorf("story %d: %w", rec.Story.ID, err)
	}
	w.dirty = true
	return nil
}

func lookup(b *bolt.Bucket, key []byte) (uint64, bool) {
	v := b.Get(key)
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

// sourceKey is how an item is known within its source: its GUID, else its
// link, else its title (prefixed so it cannot equal a GUID or link). A GUID
// or link its document gives other stories too is none.
func sourceKey(in *Incoming) string {
	it := &in.Item
	switch {
	case it.GUID != "" && !in.SharedGUID:
		return it.GUID
	case it.Link != "" && !in.SharedLink:
		return it.Link
	case it.Title != "":
		return titleKey(it.Title)
	}
	return ""
}

// titleKey is the sourceKey of an item known by its headline alone.
func titleKey(title string) string { return "title:\x00" + title }

// Tags of the keys the GUID index files besides an item's sourceKey, after
// its source: its titleAlias, and the apartKey of a story stored apart.
const (
	aliasTag = "alias:\x00"
	apartTag = "apart:\x00"
)

// contentHash fingerprints what an outlet's edit can change. Every field is
// length-prefixed so that moving text between fields changes the hash.
func contentHash(it *feeds.Item) uint64 {
	d := feeds.NewDigest()
	str, count := d.String, func(c int) { d.Int(int64(c)) }
	str(it.Title)
	str(it.Summary)
	str(it.ContentHTML)
	str(it.Link)
	str(it.Image)
	count(len(it.Enclosures))
	for _, e := range it.Enclosures {
		str(e.URL)
		str(e.Type)
		count(int(e.Length))
	}
	count(len(it.Labels))
	for _, l := range it.Labels {
		str(l)
	}
	count(len(it.Authors))
	for _, a := range it.Authors {
		str(a.Name)
		str(a.Email)
		str(a.URL)
	}
	// Only an item that names an origin hashes it, so that the hashes
	// stored before origins were read stay those of the others.
	if o := it.Origin; !o.IsZero() {
		str(o.Title)
		str(o.FeedURL)
		str(o.ID)
		str(o.Link)
		str(o.Level)
	}
	return d.Sum64()
}

// union appends to dst the strings of add it lacks, skipping empty ones.
func union(dst, add []string) []string {
	for _, s := range add {
		if s != "" && !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
