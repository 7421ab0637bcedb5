package story

import (
	"encoding/binary"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// Input is what identity reads of an item.
type Input struct {
	Title     string
	Text      string // plain text of the summary and the content
	Published time.Time
	Language  string // BCP 47 tag, or empty
}

// Doc is an item's fingerprint: what Confirm compares, small enough to store
// for every occurrence. JSON names are short because a store keeps millions.
type Doc struct {
	Published   time.Time `json:"p"`
	Language    string    `json:"l,omitempty"`
	Title       string    `json:"t"` // normalised headline without outlet affixes
	TitleNums   []string  `json:"tn,omitempty"`
	TextNums    []string  `json:"xn,omitempty"` // of headline and text
	TitlePlaces []string  `json:"tp,omitempty"`
	TextPlaces  []string  `json:"xp,omitempty"` // of headline and text
	TitleNames  []string  `json:"tm,omitempty"`
	TextNames   []uint32  `json:"xm,omitempty"` // sorted hashes of the names in headline and text
	Body        []uint32  `json:"b,omitempty"`  // MinHash of the text's word shingles; nil when the text is too short
	BodySize    int       `json:"bs,omitempty"` // distinct shingles of the text
	LeadDate    string    `json:"ld,omitempty"` // day/month the text opens with ("20/12"), if it does
	// SaysToday is set when the headline, outlet labels included, or the
	// lead dates the item by its publication day: "hôm nay", "sáng nay",
	// "đêm nay", "ngày mai", "today", "tonight".
	SaysToday bool `json:"st,omitempty"`
	// LeadPlaces are the provinces the lead names (the first leadWords of
	// the text): where the story happened.
	LeadPlaces []string `json:"lp,omitempty"`

	// titleSketch is the MinHash of the headline's word pairs: it finds
	// candidates (Bands) and is not needed to confirm them.
	titleSketch []uint32
}

// Sketch sizes. The body sketch is MinHash with bodyHashes functions over
// word 3-shingles; the first bodyBands*rows of them also make LSH bands.
// Bands of two rows find pairs whose shingle sets overlap by a third with
// probability above 0.9 (1-(1-J²)^16), which a headline band usually
// confirms; the confirmation, not the bands, decides.
const (
	bodyHashes      = 64
	titleHashes     = 24
	rows            = 2
	bodyBands       = 16
	titleBands      = titleHashes / rows
	shingleWords    = 3
	minBodyShingles = 8
	maxTextBytes    = 32 << 10
	maxTitleBytes   = 1 << 10
	maxNumbers      = 128
)

// NewDoc fingerprints an item.
func NewDoc(in Input) *Doc {
	text := clip(in.Text, maxTextBytes)
	title := clip(in.Title, maxTitleBytes)
	t := SplitTitle(title)
	all := title + " \n " + text
	titleToks, allToks := tokenize(title), tokenize(all)
	pub := in.Published.UTC()
	if y := pub.Year(); y < 1 || y > 9999 {
		pub = time.Time{} // not a date any outlet means; JSON cannot hold it
	}
	d := &Doc{
		Published:   pub,
		Language:    primary(in.Language),
		Title:       t.Core,
		TitleNums:   numbers(title, titleToks, true),
		TitlePlaces: provinceNames(titleToks),
		TitleNames:  titleNames(t.Text),
	}
	// A label cut before a colon names the place ("Hà Giang: …") or the
	// speaker ("Bộ trưởng Lê Văn Hùng: …"); a tail cut after a dash may be
	// the other end of a route ("… Bắc Quang - Xín Mần"). Their names stay.
	affixNames := func(s string, dropFirst bool) {
		for _, n := range runNames(tokenize(s), dropFirst) {
			if !slices.Contains(d.TitleNames, n) {
				d.TitleNames = append(d.TitleNames, n)
			}
		}
	}
	if t.Prefix != "" {
		affixNames(t.Prefix, true)
	}
	if t.Suffix != "" && routeTail(t.Text, t.Suffix) {
		affixNames(t.Suffix, false)
	}
	d.TextNums = numbers(all, allToks, false)
	d.LeadDate = leadDate(text)
	lead := allToks[len(titleToks):]
	lead = lead[:min(len(lead), leadWords)]
	d.SaysToday = saysToday(titleToks) || saysToday(lead)
	textStart := len(titleToks)
	// A dateline names where the desk files from ("Hà Nội (TTXVN) - "),
	// which need not be where the story happened: not the lead's.
	leadFrom := textStart + len(tokenize(dateline(text)))
	d.TextPlaces, d.LeadPlaces = provinceNamesLead(allToks, leadFrom, textStart+leadWords)
	for _, g := range nameGrams(allToks) {
		d.TextNames = append(d.TextNames, hash32(g))
	}
	slices.Sort(d.TextNames)
	d.TextNames = slices.Compact(d.TextNames)

	textWords := make([]string, 0, len(allToks))
	for _, tok := range allToks[len(titleToks):] {
		textWords = append(textWords, tok.folded)
	}
	if sh := shingles(textWords, shingleWords); len(sh) >= minBodyShingles {
		d.Body = minHash(sh, bodyHashes)
		d.BodySize = len(sh)
	}
	tw := strings.Fields(t.Core)
	if len(tw) >= 2 {
		d.titleSketch = minHash(shingles(tw, 2), titleHashes)
	} else if len(tw) == 1 {
		d.titleSketch = minHash(map[uint64]struct{}{xxhash.Sum64String(tw[0]): {}}, titleHashes)
	}
	return d
}

// clip cuts s to at most n bytes at a rune boundary: hostile feeds send
// megabytes of text, and the lead identifies a story anyway.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func primary(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// shingles hashes every run of k consecutive words.
func shingles(ws []string, k int) map[uint64]struct{} {
	out := make(map[uint64]struct{}, len(ws))
	for i := 0; i+k <= len(ws); i++ {
		out[xxhash.Sum64String(strings.Join(ws[i:i+k], " "))] = struct{}{}
	}
	return out
}

// seeds make the n hash functions of MinHash out of one: h_i(x) = mix(x ^ seed_i).
var seeds = func() [bodyHashes]uint64 {
	var s [bodyHashes]uint64
	x := uint64(0x6e65777377697265) // any fixed value: stored sketches depend on it
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix(x)
	}
	return s
}()

// mix is the splitmix64 finaliser: every input bit flips about half the
// output bits.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func minHash(set map[uint64]struct{}, n int) []uint32 {
	mins := make([]uint64, n)
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	for h := range set {
		for i := range mins {
			if v := mix(h ^ seeds[i]); v < mins[i] {
				mins[i] = v
			}
		}
	}
	out := make([]uint32, n)
	for i, m := range mins {
		out[i] = uint32(m >> 32)
	}
	return out
}

func hash32(s string) uint32 { return uint32(xxhash.Sum64String(s) >> 32) }

// Bands returns the LSH band keys of d: two items that share a key are
// candidates for the same story. Headline bands and text bands are distinct
// keys, so an item with a rewritten headline is still found by its text.
func (d *Doc) Bands() []uint64 {
	var out []uint64
	band := func(kind byte, i int, vals []uint32) {
		var b [2 + 4*rows]byte
		b[0], b[1] = kind, byte(i)
		for k, v := range vals {
			binary.BigEndian.PutUint32(b[2+4*k:], v)
		}
		out = append(out, xxhash.Sum64(b[:]))
	}
	if len(d.titleSketch) == titleHashes {
		for i := range titleBands {
			band('t', i, d.titleSketch[i*rows:(i+1)*rows])
		}
	}
	if len(d.Body) == bodyHashes {
		for i := range bodyBands {
			band('b', i, d.Body[i*rows:(i+1)*rows])
		}
	}
	return out
}

// Search limits: at most MaxPerBand stories are taken from one band key
// (the newest; older ones are past the time window anyway), and at most
// MaxCandidates stories are confirmed per item. They keep the cost of
// finding a story the same however many are stored.
const (
	MaxPerBand    = 16
	MaxCandidates = 8
)

// Candidates returns the stories worth confirming for d, most shared bands
// first. lookup returns the stories filed under one band key, newest first.
func Candidates[ID comparable](lookup func(band uint64) []ID, d *Doc) []ID {
	hits := map[ID]int{}
	var order []ID
	for _, b := range d.Bands() {
		ids := lookup(b)
		if len(ids) > MaxPerBand {
			ids = ids[:MaxPerBand]
		}
		for _, id := range ids {
			if hits[id] == 0 {
				order = append(order, id)
			}
			hits[id]++
		}
	}
	slices.SortStableFunc(order, func(a, b ID) int { return hits[b] - hits[a] })
	if len(order) > MaxCandidates {
		order = order[:MaxCandidates]
	}
	return order
}
