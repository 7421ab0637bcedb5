package story

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultWindow is how far apart two outlets' publication times may be for
// their items to be one story, when the config says nothing.
const DefaultWindow = 72 * time.Hour

// Check is one guard of a comparison and what it found.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Verdict is why two items are, or are not, one story: the similarity
// measured and every guard applied, in order, up to the first that failed.
type Verdict struct {
	Same      bool    `json:"same"`
	TitleSim  float64 `json:"title_similarity"` // Jaccard of headline words
	TextSim   float64 `json:"text_similarity"`  // containment of text shingles, -1 when a text is too short to tell
	Checks    []Check `json:"checks"`
	Candidate uint64  `json:"candidate,omitempty"` // the story compared with, when a store asked

	titleContainment float64 // share of the shorter headline's words found in the other
	shortTitle       int     // words in the shorter headline
	unevenText       bool    // one text is under unevenRatio of the other's size
}

// String is the verdict on one line, for logs and the explain command.
func (v Verdict) String() string {
	var b strings.Builder
	if v.Same {
		b.WriteString("same story")
	} else {
		b.WriteString("different stories")
	}
	fmt.Fprintf(&b, ": headline similarity %.2f", v.TitleSim)
	if v.TextSim >= 0 {
		fmt.Fprintf(&b, ", text similarity %.2f", v.TextSim)
	}
	for _, c := range v.Checks {
		mark := "ok"
		if !c.OK {
			mark = "FAILED"
		}
		fmt.Fprintf(&b, "; %s %s (%s)", c.Name, mark, c.Detail)
	}
	return b.String()
}

// Thresholds of Confirm. A pair with both texts needs the texts to overlap
// and the headlines to agree in part; a pair without texts has only its
// headlines, and they must agree closely.
const (
	textStrong    = 0.80 // text nearly contained: the headline may be rewritten
	textMedium    = 0.45
	textWeak      = 0.25
	titleWithText = 0.15 // headline agreement needed with textStrong
	titleMedium   = 0.30 // with textMedium
	titleHigh     = 0.55 // with textWeak
	titleOnly     = 0.75 // no text to compare
	// titleContained is how much of a shorter headline (of six words or more)
	// must be found in the longer one, when there is no text to compare.
	titleContained        = 0.9
	titleContainedJaccard = 0.5
	// unevenRatio is the size ratio of two texts below which the shorter is
	// a summary of the longer rather than a copy.
	unevenRatio = 0.25
)

// Confirm decides whether a and b, two outlets' items, are one story. Guards
// come first and each one can only forbid: the languages must agree, the
// publication times must lie within window, an item that says "today" must
// be of the other's day, the numbers of the headlines
// (dates, bulletin numbers, years, counts) must agree, and so must the
// provinces and the other names the headlines give. Then the headlines and
// texts must be similar enough. window ≤ 0 means DefaultWindow.
func Confirm(a, b *Doc, window time.Duration) Verdict {
	if window <= 0 {
		window = DefaultWindow
	}
	ta, tb := strings.Fields(a.Title), strings.Fields(b.Title)
	v := Verdict{TitleSim: jaccard(ta, tb), TextSim: -1}
	v.titleContainment, v.shortTitle = contained(ta, tb)
	if len(a.Body) == bodyHashes && len(b.Body) == bodyHashes {
		v.TextSim = containment(a, b)
		v.unevenText = float64(min(a.BodySize, b.BodySize)) < unevenRatio*float64(max(a.BodySize, b.BodySize))
	}
	guards := []func(a, b *Doc) Check{
		language,
		func(a, b *Doc) Check { return closeInTime(a, b, window) },
		func(a, b *Doc) Check { return sameDay(a, b, v.TextSim) },
		titleNumbers,
		leadDates,
		opposites,
		provincesAgree,
		namesAgree,
	}
	for _, g := range guards {
		c := g(a, b)
		v.Checks = append(v.Checks, c)
		if !c.OK {
			return v
		}
	}
	c := similar(v)
	v.Checks = append(v.Checks, c)
	v.Same = c.OK
	return v
}

func similar(v Verdict) Check {
	c := Check{Name: "similarity"}
	t, x, tc := v.TitleSim, v.TextSim, v.titleContainment
	// A headline cut short by one outlet is contained in the other's.
	byTitle := t >= titleOnly || tc >= titleContained && t >= titleContainedJaccard && v.shortTitle >= 6
	headline := fmt.Sprintf("headline %.2f (contained %.2f), need %.2f", t, tc, titleOnly)
	switch {
	case x < 0:
		c.OK = byTitle
		c.Detail = "no text on one side: " + headline
	case x >= textStrong:
		c.OK = t >= titleWithText
		c.Detail = fmt.Sprintf("text %.2f ≥ %.2f: headline %.2f, need %.2f", x, textStrong, t, titleWithText)
	case x >= textMedium:
		c.OK = t >= titleMedium
		c.Detail = fmt.Sprintf("text %.2f ≥ %.2f: headline %.2f, need %.2f", x, textMedium, t, titleMedium)
	case x >= textWeak:
		c.OK = t >= titleHigh
		c.Detail = fmt.Sprintf("text %.2f ≥ %.2f: headline %.2f, need %.2f", x, textWeak, t, titleHigh)
	default:
		c.Detail = fmt.Sprintf("text %.2f < %.2f", x, textWeak)
	}
	if !c.OK && x >= 0 && v.unevenText && byTitle {
		// A summary against a whole article: the sketch cannot measure how
		// much of the short text the long one holds, so the headline decides.
		c.OK = true
		c.Detail += "; a short text against a long one: " + headline
	}
	return c
}

func jaccard(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	set := make(map[string]int, len(a))
	for _, w := range a {
		set[w] = 1
	}
	inter := 0
	for _, w := range b {
		if set[w] == 1 {
			set[w] = 2
			inter++
		} else if set[w] == 0 {
			set[w] = 3
		}
	}
	return float64(inter) / float64(len(set))
}

// contained returns the share of the shorter word list's distinct words
// found in the longer one, and the shorter one's distinct word count.
func contained(a, b []string) (float64, int) {
	if len(a) > len(b) {
		a, b = b, a
	}
	short := map[string]bool{}
	for _, w := range a {
		short[w] = true
	}
	if len(short) == 0 {
		return 0, 0
	}
	found := 0
	for w := range short {
		if slices.Contains(b, w) {
			found++
		}
	}
	return float64(found) / float64(len(short)), len(short)
}

// containment estimates |A∩B| / min(|A|,|B|) of the two shingle sets from
// their MinHash Jaccard estimate and their sizes: a text that lost a
// paragraph is still contained in the original.
func containment(a, b *Doc) float64 {
	eq := 0
	for i := range a.Body {
		if a.Body[i] == b.Body[i] {
			eq++
		}
	}
	j := float64(eq) / float64(len(a.Body))
	sa, sb := float64(a.BodySize), float64(b.BodySize)
	c := j * (sa + sb) / ((1 + j) * min(sa, sb))
	return min(c, 1)
}

func language(a, b *Doc) Check {
	c := Check{Name: "language", OK: a.Language == "" || b.Language == "" || a.Language == b.Language}
	c.Detail = fmt.Sprintf("%s / %s", orNone(a.Language), orNone(b.Language))
	return c
}

// apart words a gap between two publication times: to the second under a
// minute ("20s"), else to the minute, so that "0s" never says two times
// are one.
func apart(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Minute)
}

func closeInTime(a, b *Doc, window time.Duration) Check {
	d := a.Published.Sub(b.Published).Abs()
	return Check{Name: "time", OK: d <= window, Detail: fmt.Sprintf("%s apart, window %s", apart(d), window)}
}

// sameDay: an item that dates itself by the day it is published ("Giá
// vàng hôm nay", "Sáng nay, …", "tonight") is another story on another day,
// whatever its headline: daily bulletins keep theirs from day to day. An
// item's day is the date its lead opens with, else the day it was
// published, in Vietnam's time: "Sáng nay" of the 19th and the next
// morning's "Sáng 19/11" are one day.
func sameDay(a, b *Doc, textSim float64) Check {
	c := Check{Name: "day", OK: true, Detail: "neither says today"}
	if !a.SaysToday && !b.SaysToday {
		return c
	}
	if textSim >= copyText && a.LeadDate == "" && b.LeadDate == "" {
		// A copy carried the next day keeps the wire's "tối nay"; a
		// daily bulletin's figures change from one day to the next. A
		// lead that gives its date says which day it is of.
		c.Detail = fmt.Sprintf("says today, in texts that are copies (%.2f)", textSim)
		return c
	}
	if gap := a.Published.Sub(b.Published).Abs(); gap < sameDayGap && !a.Published.IsZero() && !b.Published.IsZero() {
		// A copy of the evening's story put up after midnight is the
		// same story; daily bulletins come a day apart.
		c.Detail = fmt.Sprintf("says today, published %s apart", apart(gap))
		return c
	}
	day := func(d *Doc) string {
		if d.LeadDate != "" {
			return d.LeadDate
		}
		return d.Published.In(ict).Format("2/1")
	}
	da, db := day(a), day(b)
	c.OK = da == db
	switch {
	case a.SaysToday && b.SaysToday:
		c.Detail = "both say today: "
	case a.SaysToday:
		c.Detail = "this one says today: "
	default:
		c.Detail = "the other says today: "
	}
	c.Detail += da + " / " + db
	return c
}

// copyText is how alike two texts are when one is a copy of the other.
const copyText = 0.95

// sameDayGap is how close in time two items are one day's news, whatever
// their calendar days.
const sameDayGap = 6 * time.Hour

// titleNumbers: when each headline has a number the other headline lacks,
// they disagree (13 vs 14 December, 2021 vs 2022, 450 vs 452 votes);
// numbers count as often as a headline writes them, so "Quốc lộ 2 làm 2
// người" and "Quốc lộ 2 làm 4 người" disagree too (2 / 4), and so do "một
// người" and "2 người". A number only one headline has must appear in the
// other item's text, unless it is 1 (one dead is often told without a
// number) or the day or month both items were published on: outlets add
// the date of the day to a headline, but "28/11" over a text of the 27th is
// another day's bulletin. When the other item has no text there is nothing
// to look in and the number is let pass.
func titleNumbers(a, b *Doc) Check {
	c := Check{Name: "numbers", OK: true}
	onlyA, onlyB := minusEach(a.TitleNums, b.TitleNums), minusEach(b.TitleNums, a.TitleNums)
	var excused []string
	unexplained := func(only []string, self, other *Doc) []string {
		if len(only) == 0 {
			return nil
		}
		if other.BodySize == 0 {
			// Nothing to look in. Two headlines alone that each have a
			// number the other lacks disagree (above, "Kỳ I" / "Kỳ II");
			// one that adds a figure ("…, 2 người bị thương") does not.
			excused = append(excused, join(only)+" only in one headline: the other item has no text to check")
			return nil // no text to look in
		}
		var miss, inText, dated, one []string
		both := intersect(dateNumbers(self.Published), dateNumbers(other.Published))
		for _, n := range only {
			switch {
			case n == "1":
				one = append(one, n)
			case slices.Contains(other.TextNums, n):
				inText = append(inText, n)
			case slices.Contains(both, n):
				dated = append(dated, n)
			default:
				miss = append(miss, n)
			}
		}
		if len(inText) > 0 {
			excused = append(excused, join(inText)+" only in one headline: found in the other's text")
		}
		if len(one) > 0 {
			excused = append(excused, "1 only in one headline: one is often told without a number")
		}
		if len(dated) > 0 {
			excused = append(excused, join(dated)+" only in one headline: the day both were published")
		}
		return miss
	}
	switch {
	case len(onlyA) > 0 && len(onlyB) > 0:
		c.OK = false
		c.Detail = fmt.Sprintf("headlines disagree: %s / %s", join(onlyA), join(onlyB))
		return c
	}
	missA, missB := unexplained(onlyA, a, b), unexplained(onlyB, b, a)
	switch {
	case len(missA)+len(missB) > 0:
		c.OK = false
		c.Detail = fmt.Sprintf("%s not in the other item at all", join(append(missA, missB...)))
	case len(excused) > 0:
		c.Detail = strings.Join(excused, "; ")
		if common := intersectEach(a.TitleNums, b.TitleNums); len(common) > 0 {
			c.Detail = "agree: " + join(common) + "; " + c.Detail
		}
	default:
		c.Detail = "agree: " + orNone(join(a.TitleNums))
	}
	return c
}

// join lists numbers with spaces: a comma reads as a decimal point in
// Vietnamese.
func join(nums []string) string { return strings.Join(nums, " ") }

// leadDates: two texts that open with a date open with the same one. A
// weather bulletin or a market report under the same headline every day
// is another story the next day.
func leadDates(a, b *Doc) Check {
	c := Check{Name: "lead dates", OK: a.LeadDate == "" || b.LeadDate == "" || a.LeadDate == b.LeadDate}
	c.Detail = fmt.Sprintf("%s / %s", orNone(a.LeadDate), orNone(b.LeadDate))
	return c
}

// ict is Vietnam's time, in which outlets date their headlines.
var ict = time.FixedZone("ICT", 7*60*60)

// dateNumbers are the day and month of t in Vietnam's time.
func dateNumbers(t time.Time) []string {
	t = t.In(ict)
	return []string{strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month()))}
}

// antonyms are words of a headline that turn one event into another: the
// opening and the closing of a festival are two stories with one headline
// otherwise. Each pair is folded words.
var antonyms = [][2]string{
	{"khai mạc", "bế mạc"}, {"khởi công", "khánh thành"}, {"khởi công", "hoàn thành"},
	{"tăng", "giảm"}, {"mở", "đóng"}, {"bắt đầu", "kết thúc"}, {"thắng", "thua"}, {"đón", "tiễn"},
	{"open", "close"}, {"opens", "closes"}, {"opening", "closing"}, {"rise", "fall"}, {"rises", "falls"},
	{"up", "down"}, {"increase", "decrease"}, {"increases", "decreases"}, {"starts", "ends"},
	{"begins", "ends"}, {"wins", "loses"}, {"win", "lose"},
}

// sides are the words of antonyms told from one side of a match.
var sides = set("thắng wins win")

// swapped reports two lists of two names, one the other reversed.
func swapped(a, b []string) bool {
	return len(a) == 2 && len(b) == 2 && a[0] == b[1] && a[1] == b[0] && a[0] != a[1]
}

// opposites: one headline says a word and the other its opposite, and
// neither says both. A match told from either side ("Hà Giang thắng Tuyên
// Quang" / "Tuyên Quang thua Hà Giang") is one event: winning and losing
// are not opposed when the two headlines name the same two sides the other
// way round.
func opposites(a, b *Doc) Check {
	wa, wb := " "+a.Title+" ", " "+b.Title+" "
	has := func(t, w string) bool { return strings.Contains(t, " "+w+" ") }
	for _, p := range antonyms {
		x, y := p[0], p[1]
		if sides[x] && (swapped(a.TitlePlaces, b.TitlePlaces) || swapped(a.TitleNames, b.TitleNames)) {
			continue
		}
		if has(wa, x) && has(wb, y) && !has(wa, y) && !has(wb, x) ||
			has(wa, y) && has(wb, x) && !has(wa, x) && !has(wb, y) {
			return Check{Name: "opposites", Detail: fmt.Sprintf("%q / %q", x, y)}
		}
	}
	return Check{Name: "opposites", OK: true, Detail: "none"}
}

// provincesAgree: provinces named in both headlines must overlap. A
// province named in one headline only must be named in the other item too,
// unless that item names no province the first does not also name: a
// republisher adds its province to the headline ("Tuyên Quang: …") of a
// story whose text names only where the visitors came from.
//
// Two leads that both name provinces must name one in common, or one that
// the other text names further on: one festival held in two provinces the
// same evening is two stories, while a provincial paper that opens the
// wire's story with its own delegation still names the wire's city. Only
// the leads: a text may name other provinces further on (where a product
// is sold).
func provincesAgree(a, b *Doc) Check {
	c := Check{Name: "provinces", OK: true}
	if len(a.LeadPlaces) > 0 && len(b.LeadPlaces) > 0 && !overlaps(a.LeadPlaces, b.LeadPlaces) &&
		!overlaps(a.LeadPlaces, b.TextPlaces) && !overlaps(b.LeadPlaces, a.TextPlaces) {
		c.OK = false
		c.Detail = "leads name " + strings.Join(a.LeadPlaces, ", ") + " / " + strings.Join(b.LeadPlaces, ", ")
		return c
	}
	oneSided := func(title, self, other []string) bool {
		return overlaps(title, other) || len(minus(other, self)) == 0
	}
	switch {
	case len(a.TitlePlaces) > 0 && len(b.TitlePlaces) > 0:
		c.OK = overlaps(a.TitlePlaces, b.TitlePlaces)
		c.Detail = strings.Join(a.TitlePlaces, ",") + " / " + strings.Join(b.TitlePlaces, ",")
	case len(a.TitlePlaces) > 0:
		c.OK = oneSided(a.TitlePlaces, a.TextPlaces, b.TextPlaces)
		c.Detail = strings.Join(a.TitlePlaces, ",") + " / text names " + orNone(strings.Join(b.TextPlaces, ","))
	case len(b.TitlePlaces) > 0:
		c.OK = oneSided(b.TitlePlaces, b.TextPlaces, a.TextPlaces)
		c.Detail = "text names " + orNone(strings.Join(a.TextPlaces, ",")) + " / " + strings.Join(b.TitlePlaces, ",")
	default:
		c.Detail = "none in the headlines"
	}
	return c
}

// namesAgree: when each headline names someone or somewhere the other item
// never mentions, they are about different things (Đồng Văn / Mèo Vạc).
func namesAgree(a, b *Doc) Check {
	missA, missB := missingNames(a.TitleNames, b), missingNames(b.TitleNames, a)
	c := Check{Name: "names", OK: len(missA) == 0 || len(missB) == 0}
	switch {
	case !c.OK:
		c.Detail = fmt.Sprintf("%q not in the other, %q not in this", strings.Join(missA, ","), strings.Join(missB, ","))
	case len(missA)+len(missB) > 0:
		c.Detail = fmt.Sprintf("only one side names %q", strings.Join(append(missA, missB...), ","))
	default:
		c.Detail = "agree: " + orNone(strings.Join(union(a.TitleNames, b.TitleNames), ","))
	}
	return c
}

// missingNames returns the names the other item never mentions. A name is
// mentioned when the other names it whole, or names more than half of its
// words: outlets cut a long run of names differently ("Đại sứ Nhật Bản Ito
// Naoki" / "Đại sứ Nhật Bản tại Việt Nam Ito Naoki"), but "Hà Giảng" is not
// "Hà Giang".
func missingNames(names []string, other *Doc) []string {
	has := func(g string) bool {
		_, found := slices.BinarySearch(other.TextNames, hash32(g))
		return found
	}
	var out []string
	for _, n := range names {
		if has(n) {
			continue
		}
		ws := strings.Fields(n)
		found := 0
		for _, w := range ws {
			if has(w) {
				found++
			}
		}
		if len(ws) < 2 || 2*found <= len(ws) {
			out = append(out, n)
		}
	}
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// minusEach is a without b as multisets: each element of b takes away one
// equal element of a.
func minusEach(a, b []string) []string {
	left := slices.Clone(b)
	var out []string
	for _, s := range a {
		if i := slices.Index(left, s); i >= 0 {
			left = slices.Delete(left, i, i+1)
		} else {
			out = append(out, s)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// intersectEach is what a and b have in common as multisets.
func intersectEach(a, b []string) []string {
	return minusEach(a, minusEach(a, b))
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func overlaps(a, b []string) bool {
	for _, s := range a {
		if slices.Contains(b, s) {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Match compares d with every occurrence of one stored story and returns the
// verdict of the first that is the same story, else of the most similar.
func Match(d *Doc, occurrences []*Doc, window time.Duration) Verdict {
	v, _ := MatchAt(d, occurrences, window)
	return v
}

// MatchAt is Match, and the index of the occurrence the verdict is of (-1
// when there is none).
func MatchAt(d *Doc, occurrences []*Doc, window time.Duration) (Verdict, int) {
	var best Verdict
	at := -1
	for i, o := range occurrences {
		v := Confirm(d, o, window)
		if v.Same {
			return v, i
		}
		if i == 0 || v.TitleSim+v.TextSim > best.TitleSim+best.TextSim {
			best, at = v, i
		}
	}
	return best, at
}

// Unrelated reports whether a and b, two items of one outlet, are two
// stories: an outlet that gave both one guid (or one link) gave it to two.
// With a text on each side the texts decide, whatever the headlines (two
// daily price reports differ in a word of their headlines, clips may have
// none): a correction keeps most of its text. Without two texts, the
// headlines decide: a correction keeps much of its headline, and a story
// listed twice, cut or labelled otherwise, most of the shorter one; with a
// headline missing too there is nothing to tell them apart by.
func Unrelated(a, b *Doc) bool {
	if len(a.Body) == bodyHashes && len(b.Body) == bodyHashes {
		return containment(a, b) < textWeak
	}
	ta, tb := strings.Fields(a.Title), strings.Fields(b.Title)
	if len(ta) == 0 || len(tb) == 0 {
		return false // nothing to tell them apart by
	}
	if jaccard(ta, tb) >= titleMedium {
		return false
	}
	if c, _ := contained(ta, tb); c >= titleContainedJaccard {
		return false
	}
	return true
}
