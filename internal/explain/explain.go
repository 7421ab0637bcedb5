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

	"newswire/store"
)

// ParseID reads a story id as the stories command takes it: the number, or
// the tag: URI that feeds and exports carry ("tag:example.org,2026:story/17").
func ParseID(s string) (uint64, error) {
	num := s[strings.LastIndex(s, "/")+1:]
	id, err := strconv.ParseUint(num, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("explain: %q is not a story id (a number, or a tag: URI ending in /story/NUMBER)", s)
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
