// Package explain writes, for admins, how a stored story came together: its
// representative, every outlet that carried it, and why each was joined
// (the similarity measured and the guards passed). The stories command and
// the daemon's loopback endpoint both write it.
package explain

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"newswire/internal/story"
	"newswire/store"
)

// ParseID reads a story id as the stories command takes it: the number, or
// the tag: URI that feeds and exports carry ("tag:example.org,2026:story/17").
func ParseID(s string) (uint64, error) {
	num := s[strings.LastIndex(s, "/")+1:]
	id, err := strconv.ParseUint(num, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%q is not a story id (a number, or a tag: URI ending in /story/NUMBER)", s)
	}
	return id, nil
}

// ErrNoStory means the store holds no story of the id asked.
var ErrNoStory = errors.New("explain: no such story")

// Write writes the explanation of story id in st to w.
func Write(w io.Writer, st *store.Store, id uint64) error {
	ex, ok, err := st.Explain(id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoStory, id)
	}
	s := ex.Story
	fmt.Fprintf(w, "story %d: %q\n", s.ID, s.Title)
	fmt.Fprintf(w, "link: %s\n", s.Link)
	fmt.Fprintf(w, "representative: %s (its occurrence created the story; the story keeps its title and link)\n", ex.Representative)
	if ex.MediaFrom != "" {
		fmt.Fprintf(w, "media: from %s (the representative's item had no enclosure and no image)\n", ex.MediaFrom)
	}
	fmt.Fprintf(w, "occurrences, first publisher first:\n")
	for i, o := range s.Sources {
		how := "joined by GUID or canonical link"
		switch {
		case o.Source == ex.Representative:
			how = "created the story"
		default:
			for _, j := range ex.Joins {
				if j.Source == o.Source {
					how = "joined by text: " + j.Verdict.String()
				}
			}
		}
		fmt.Fprintf(w, "  %d. %s  published %s  first seen %s\n     %s\n     %q\n     %s\n", i+1, o.Source,
			o.Published.UTC().Format(time.RFC3339), o.FirstSeen.UTC().Format(time.RFC3339), o.Link, o.Title, how)
	}
	return nil
}

// ErrSameStory means a story was asked to be compared with itself.
var ErrSameStory = errors.New("explain: a story compared with itself")

// Identity is what the config says of joining by text: the window, and
// whether a source's items are joined (identity.join and its own join).
type Identity struct {
	Window time.Duration
	Joins  func(source string) bool
}

// Compare writes why stories a and b of st are two stories, or that they
// are one: what the candidate search and the confirmation say of the later
// one's text against the earlier one's, measured now.
func Compare(w io.Writer, st *store.Store, a, b uint64, id Identity) error {
	if a == b {
		return fmt.Errorf("%w: --explain %d says how it came together", ErrSameStory, a)
	}
	c, ok, err := st.Compare(a, b, id.Window)
	if err != nil {
		return err
	}
	if !ok {
		// Say which: the other one is there to compare.
		missing := a
		if _, found, err := st.Explain(a); err == nil && found {
			missing = b
		}
		return fmt.Errorf("%w: %d", ErrNoStory, missing)
	}
	for _, ex := range []store.Explanation{c.Earlier, c.Later} {
		s := ex.Story
		outlets := make([]string, len(s.Sources))
		for i, o := range s.Sources {
			outlets[i] = o.Source
		}
		fmt.Fprintf(w, "story %d: %q\n  published %s by %s; carried by %s\n", s.ID, s.Title,
			s.Published.UTC().Format(time.RFC3339), ex.Representative, strings.Join(outlets, ", "))
	}
	earlier, later := c.Earlier.Story.ID, c.Later.Story.ID
	fmt.Fprintf(w, "why story %d was not joined to story %d:\n", later, earlier)
	reasons := 0
	reason := func(format string, args ...any) {
		reasons++
		fmt.Fprintf(w, "  - "+format+"\n", args...)
	}
	for _, src := range c.SharedSources {
		reason("%s carried both: an outlet's two items are never one story by their text", src)
	}
	if id.Joins != nil {
		for _, ex := range []store.Explanation{c.Earlier, c.Later} {
			if !id.Joins(ex.Representative) {
				reason("joining by text is off for %s (identity.join, or the source's join)", ex.Representative)
			}
		}
	}
	if !c.Fingerprinted {
		reason("one of them has no fingerprint (no text when stored, or joining off then): they were never compared")
	} else {
		if c.SharedBands == 0 {
			reason("the candidate search cannot find story %d from story %d's text: none of its %d band keys is story %d's", earlier, later, c.LaterBands, earlier)
		} else {
			fmt.Fprintf(w, "  candidate search: %d of story %d's %d band keys are story %d's too (one is enough)\n", c.SharedBands, later, c.LaterBands, earlier)
		}
		if c.Verdict.Same {
			fmt.Fprintf(w, "  confirmation: %s\n", c.Verdict)
		} else {
			reason("confirmation of %s's text against story %d's: %s", c.Later.Representative, earlier, c.Verdict)
		}
	}
	if reasons == 0 {
		fmt.Fprintf(w, "  nothing found now: when story %d came in, story %d may have had fewer outlets, or was not among the newest %d of a band key, or not among the %d candidates confirmed\n",
			later, earlier, story.MaxPerBand, story.MaxCandidates)
	}
	return nil
}
