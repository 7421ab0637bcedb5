package poll

import (
	"slices"

	"newswire/feeds"
	"newswire/internal/notice"
	"newswire/internal/sanitize"
	"newswire/internal/story"
)

// keys is how the items of one document are known where some of them share
// a guid or a link. An item that repeats the guid or link of an earlier
// item of the same story (the same link, or texts that share much, or,
// without two texts, headlines that do: story.Unrelated) is the outlet
// listing one story twice, and is left out, or it would be stored from
// each copy in turn, an update at every poll. A guid that several different stories share identifies
// none of them: they are known by their links. A link that several
// different stories share (a section page) identifies none of them either:
// they are known by their guids, else their headlines.
type keys struct {
	repeat     []bool // left out: a copy of an earlier item's story
	sharedGUID []bool // its guid is another story's too
	sharedLink []bool // its link is another story's too
	repeats    int
	notices    []notice.Notice
}

// sortKeys tells, of items, which repeat an earlier one and which share a
// guid or link with other stories.
func sortKeys(items []feeds.Item) keys {
	n := len(items)
	k := keys{repeat: make([]bool, n), sharedGUID: make([]bool, n), sharedLink: make([]bool, n)}
	if !repeatsAny(items) {
		return k
	}
	docs := make([]*story.Doc, n)
	doc := func(i int) *story.Doc {
		if docs[i] == nil {
			it := &items[i]
			docs[i] = story.NewDoc(story.Input{Title: it.Title, Text: sanitize.Text(it.Summary), Language: it.Language})
		}
		return docs[i]
	}
	links := make([]string, n)
	for i := range items {
		links[i] = story.CanonicalLink(items[i].Link)
	}
	sameText := func(i, j int) bool { return !story.Unrelated(doc(i), doc(j)) }
	var repeated []string
	var guids, sharedLinks []any // each key with its number of stories

	for _, group := range groups(n, func(i int) string { return items[i].GUID }) {
		var kept []int
		for _, i := range group {
			if slices.ContainsFunc(kept, func(j int) bool { return links[i] != "" && links[i] == links[j] || sameText(i, j) }) {
				k.repeat[i] = true
				repeated = appendNew(repeated, items[i].GUID)
				continue
			}
			kept = append(kept, i)
		}
		if len(kept) > 1 {
			for _, i := range kept {
				k.sharedGUID[i] = true
			}
			guids = append(guids, items[kept[0]].GUID, len(kept))
		}
	}
	guidOf := func(i int) string {
		if k.repeat[i] || k.sharedGUID[i] {
			return ""
		}
		return items[i].GUID
	}
	for _, group := range groups(n, func(i int) string {
		if k.repeat[i] {
			return ""
		}
		return links[i]
	}) {
		var stories []int // the first item of each story under the link
		for _, i := range group {
			first := slices.IndexFunc(stories, func(j int) bool { return sameText(i, j) })
			if first < 0 {
				stories = append(stories, i)
				continue
			}
			if guidOf(i) == "" {
				// Known by the link alone, as the first is or was.
				k.repeat[i] = true
				repeated = appendNew(repeated, items[i].Link)
			}
		}
		if len(stories) > 1 {
			for _, i := range group {
				k.sharedLink[i] = !k.repeat[i]
			}
			sharedLinks = append(sharedLinks, items[stories[0]].Link, len(stories))
		}
	}

	for _, r := range k.repeat {
		if r {
			k.repeats++
		}
	}
	if k.repeats > 0 {
		shown := repeated[:min(listedMost, len(repeated))]
		args := []any{k.repeats, len(repeated) - len(shown)}
		for _, r := range shown {
			args = append(args, r)
		}
		k.notices = append(k.notices, notice.New(notice.Repeated, args...))
	}
	if len(guids) > 0 {
		k.notices = append(k.notices, sharedBy(notice.SharedGUID, guids))
	}
	if len(sharedLinks) > 0 {
		k.notices = append(k.notices, sharedBy(notice.SharedLink, sharedLinks))
	}
	return k
}

// groups returns the indexes below n that share a non-empty key with
// another, in groups of at least two, in document order.
func groups(n int, key func(i int) string) [][]int {
	at := map[string]int{}
	var out [][]int
	for i := range n {
		kk := key(i)
		if kk == "" {
			continue
		}
		if g, ok := at[kk]; ok {
			out[g] = append(out[g], i)
			continue
		}
		at[kk] = len(out)
		out = append(out, []int{i})
	}
	return slices.DeleteFunc(out, func(g []int) bool { return len(g) < 2 })
}

// appendNew appends s to list unless it is there.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// listed names at most 3 of list, each quoted when quote says so, and how
// many more there are.
// listedMost is how many guids or links a warning names; it counts the rest.
const listedMost = 3

// sharedBy is the notice of code for pairs, each guid or link that several
// stories share followed by their number: the first listedMost of them,
// after how many more there are.
func sharedBy(code string, pairs []any) notice.Notice {
	shown := pairs[:min(2*listedMost, len(pairs))]
	return notice.New(code, append([]any{(len(pairs) - len(shown)) / 2}, shown...)...)
}

// repeatsAny reports whether two items have the same guid or the same link,
// as written: most documents have none, and need no more.
func repeatsAny(items []feeds.Item) bool {
	type key struct {
		link bool
		s    string
	}
	seen := make(map[key]bool, 2*len(items))
	for i := range items {
		for _, k := range [2]key{{false, items[i].GUID}, {true, items[i].Link}} {
			if k.s == "" {
				continue
			}
			if seen[k] {
				return true
			}
			seen[k] = true
		}
	}
	return false
}
