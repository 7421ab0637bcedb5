// Package explain writes, for admins, how a stored story came together: its
// representative, every outlet that carried it, and why each was joined
// (the similarity measured and the guards passed). The stories command and
// the daemon's loopback endpoint both write it.
package explain

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"newswire/feeds"
	"newswire/internal/lang"
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

// noStoryWhy says, after an id the store does not hold, how that comes.
const noStoryWhy = " (no story had that id, or retention or a restore has deleted it since)"

// Write writes the explanation of story id in st to w.
func Write(w io.Writer, st *store.Store, id uint64) error {
	ex, ok, err := st.Explain(id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %d%s", ErrNoStory, id, noStoryWhy)
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
					how = joinedBy(j, ex.Corrected)
				}
			}
		}
		fmt.Fprintf(w, "  %d. %s  published %s  first seen %s\n     %s\n     %q\n     %s\n", i+1, o.Source,
			o.Published.UTC().Format(time.RFC3339), o.FirstSeen.UTC().Format(time.RFC3339), o.Link, o.Title, how)
	}
	return nil
}

// joinedBy says how an occurrence was joined by its text: against which
// outlet's item, and which version of it, when the store kept that (joins
// stored before it did not), with the verdict, whose pairs read the joining
// item first.
func joinedBy(j store.Join, corrected []string) string {
	if j.Against == "" {
		return "joined by text: " + j.Verdict.String()
	}
	item := "item"
	switch {
	case j.AgainstCorrected:
		item = "corrected version"
	case !slices.Contains(corrected, j.Against):
		// never corrected: its only version
	case j.AgainstVersions >= 2:
		item = "first version (corrected before this join)"
	default:
		item = "first version (corrected since)"
	}
	return fmt.Sprintf("joined by text against %s's %s, pairs read %s / %s: %s", j.Against, item, j.Source, j.Against, j.Verdict)
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
		return fmt.Errorf("%w: %d%s", ErrNoStory, missing, noStoryWhy)
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
		// The verdict's pairs read the later story's item first: say so,
		// since the stories above are in the other order.
		confirmation := fmt.Sprintf("confirmation of %s's %s (story %d) against %s (story %d), pairs read story %d / story %d",
			c.From, textOrHeadline(c.FromText), later, against(c), earlier, later, earlier)
		if c.Verdict.Same {
			fmt.Fprintf(w, "  %s: %s\n", confirmation, c.Verdict)
		} else {
			reason("%s: %s", confirmation, c.Verdict)
			languageDeclared(w, c)
		}
	}
	if reasons == 0 {
		switch {
		case c.AgainstCorrected && !c.FirstVersions.Same:
			fmt.Fprintf(w, "  nothing keeps them apart now: %s corrected its item in story %d, and story %d's item confirms against the correction;"+
				" against story %d's items as first filed: %s\n", c.Against, earlier, later, earlier, c.FirstVersions)
			fmt.Fprintf(w, "  (an item is compared with the versions filed when it comes in: story %d came in before the correction, or the candidate search missed it then)\n", later)
		default:
			fmt.Fprintf(w, "  nothing found now: when story %d came in, story %d may have had fewer outlets, or was not among the newest %d of a band key, or not among the %d candidates confirmed",
				later, earlier, story.MaxPerBand, story.MaxCandidates)
			if fixed := correctedIn(c); fixed != "" {
				fmt.Fprintf(w, ", or an outlet corrected its item since (%s)", fixed)
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

// textOrHeadline names what an item was compared by.
func textOrHeadline(text bool) string {
	if text {
		return "text"
	}
	return "headline alone"
}

// against names the earlier story's item the verdict is of.
func against(c store.Comparison) string {
	if c.Against == "" {
		return fmt.Sprintf("story %d's items", c.Earlier.Story.ID)
	}
	what := textOrHeadline(c.AgainstText)
	if c.AgainstCorrected {
		what = "corrected " + what
	}
	return c.Against + "'s " + what
}

// correctedIn lists the outlets of either story that corrected their item
// ("baohagiang in story 12"), or is empty.
func correctedIn(c store.Comparison) string {
	var out []string
	for _, ex := range []store.Explanation{c.Earlier, c.Later} {
		for _, src := range ex.Corrected {
			out = append(out, fmt.Sprintf("%s in story %d", src, ex.Story.ID))
		}
	}
	return strings.Join(out, ", ")
}

// languageDeclared says, when the languages kept the two apart, which side's
// language was declared (by the item, its feed or its source) rather than
// detected: newswire detects one only when none is declared, so a language
// that detection does not give for the same text was declared. It can tell
// only where it has the text identity read: a headline with no text, or
// the representative's headline and summary.
func languageDeclared(w io.Writer, c store.Comparison) {
	i := slices.IndexFunc(c.Verdict.Checks, func(ch story.Check) bool { return ch.Name == "language" && !ch.OK })
	if i < 0 {
		return
	}
	for _, side := range []struct {
		ex       store.Explanation
		source   string
		text     bool
		language string
	}{
		{c.Later, c.From, c.FromText, c.FromLanguage},
		{c.Earlier, c.Against, c.AgainstText, c.AgainstLanguage},
	} {
		s := side.ex.Story
		var read string
		switch {
		case side.language == "" || side.source == "":
			continue
		case side.source == side.ex.Representative:
			read = s.Title + ". " + s.Summary
		case !side.text:
			o := slices.IndexFunc(s.Sources, func(o feeds.Occurrence) bool { return o.Source == side.source })
			if o < 0 {
				continue
			}
			read = s.Sources[o].Title + ". "
		default:
			continue
		}
		detected := lang.Detect(read)
		if detected == side.language {
			continue
		}
		reads := "too little to tell"
		if detected != "" {
			reads = "reads as " + detected
		}
		fmt.Fprintf(w, "    language of story %d: %s was declared (by %s's item, feed or source), not detected: its %s %s, too little to overrule a declaration\n",
			s.ID, side.language, side.source, textOrHeadline(side.text), reads)
	}
}
