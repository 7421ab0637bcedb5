package story

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"newswire/internal/words"
)

// token is one word of a text in its own case, and folded.
type token struct {
	raw, folded string
	// after is true when punctuation (not only space) separates the token
	// from the one before: a name does not run across it.
	after bool
	// sep is the one character between the token and the one before when
	// nothing else is ("86,5": ','), else 0.
	sep byte
}

// tokenize splits NFC text into words, keeping their case, and marks where
// punctuation breaks the flow.
func tokenize(s string) []token {
	s = norm.NFC.String(s)
	var out []token
	start, punct, prevEnd := -1, false, -1
	flush := func(end int) {
		w := s[start:end]
		t := token{raw: w, folded: fold(w), after: punct}
		if prevEnd >= 0 && start-prevEnd == 1 {
			t.sep = s[prevEnd]
		}
		out = append(out, t)
		start, punct, prevEnd = -1, false, end
	}
	for i, r := range s {
		switch {
		case words.IsWordRune(r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				flush(i)
			}
			if !unicode.IsSpace(r) {
				punct = true
			}
		}
	}
	if start >= 0 {
		flush(len(s))
	}
	return out
}

// months maps English month names to their numbers, so that "13 December"
// and "13/12" carry the same numbers. A month counts only next to a number:
// "may" is a verb too.
var months = map[string]string{
	"january": "1", "february": "2", "march": "3", "april": "4", "may": "5", "june": "6",
	"july": "7", "august": "8", "september": "9", "october": "10", "november": "11", "december": "12",
	"jan": "1", "feb": "2", "mar": "3", "apr": "4", "jun": "6", "jul": "7", "aug": "8",
	"sep": "9", "sept": "9", "oct": "10", "nov": "11", "dec": "12",
}

// numbers returns the numbers written in s (toks are its words), in order
// of first appearance, each once or, with repeats, as often as s has it
// (a headline's "Quốc lộ 2 … 2 người" holds two numbers, both 2): digit
// runs with leading zeros dropped, thousands separators joined ("1.000"
// and "1,000" are 1000), Roman numerals of two letters or more ("XVII" is
// 17), and English month names next to a number.
func numbers(s string, toks []token, repeats bool) []string {
	var out []string
	seen := map[string]int{}
	add := func(n string) {
		if (repeats || seen[n] == 0) && len(out) < maxNumbers {
			seen[n]++
			out = append(out, n)
		}
	}
	isNum := func(i int) bool {
		return i >= 0 && i < len(toks) && toks[i].folded != "" && toks[i].folded[0] >= '0' && toks[i].folded[0] <= '9'
	}
	for i, t := range toks {
		if m, ok := months[t.folded]; ok && (isNum(i-1) || isNum(i+1) || i > 0 && monthBefore[toks[i-1].folded]) {
			// "December 20", and "from December": an English month
			// dates what it follows ("Hanoi to … from December").
			add(m)
			continue
		}
		if v, ok := roman(t.raw); ok {
			add(v)
		} else if len(t.raw) == 1 && strings.Contains("IVX", t.raw) && i > 0 && seriesWords[toks[i-1].folded] {
			add(strconv.Itoa(romanValue[t.raw[0]]))
		} else if len(t.raw) == 1 && t.raw[0] >= 'A' && t.raw[0] <= 'Z' && i > 0 && letterWords[toks[i-1].folded] {
			// "bảng A" and "bảng B", "cúm A" and "cúm B": a letter
			// that numbers what the word before it names.
			add("#" + t.raw)
		}
	}
	for _, n := range digitRuns(s) {
		add(n)
	}
	// "8 nghìn" is 8.000 and "5 triệu" five million: outlets write either,
	// so the bare 8 of "8 nghìn" is not a number of its own.
	drop := func(n string) {
		if seen[n] > 0 {
			j := slices.Index(out, n)
			out = slices.Delete(out, j, j+1)
			seen[n]--
		}
	}
	for i := 1; i < len(toks); i++ {
		zeros, ok := magnitudes[toks[i].folded]
		if ok && isNum(i-1) && isNum(i-2) && (toks[i-1].sep == ',' || toks[i-1].sep == '.') &&
			len(toks[i-1].folded) != 3 && len(toks[i-1].folded) <= len(zeros) {
			// "86,5 triệu" is 86.500.000, not 86 and 5.000.000.
			whole, frac := strings.TrimLeft(toks[i-2].folded, "0"), toks[i-1].folded
			drop(whole)
			drop(strings.TrimLeft(frac, "0"))
			if n := strings.TrimLeft(whole+frac+zeros[len(frac):], "0"); n != "" {
				add(n)
			}
			continue
		}
		if ok && isNum(i-1) {
			if n := strings.TrimLeft(toks[i-1].folded, "0"); n != "" {
				drop(n)
				add(n + zeros)
			}
		}
	}
	for i := 0; i < len(toks); {
		n, next := spelled(toks, i)
		if next == i {
			i++
			continue
		}
		if next < len(toks) {
			if zeros, ok := magnitudes[toks[next].folded]; ok {
				add(strconv.Itoa(n) + zeros)
				i = next + 1
				continue
			}
		}
		add(strconv.Itoa(n))
		i = next
	}
	return out
}

// monthBefore are the words after which an English month dates an event.
var monthBefore = set("from in until since by before after through")

// letterWords are words a capital letter after which numbers a group, a
// kind or a part ("bảng A", "cúm B", "khu C", "Group D").
var letterWords = set("bảng nhóm khu cúm lớp tổ hạng loại dãy tòa phân khu group pool type zone block")

// Numbers spelled out. Outlets write "hai người" where others write "2
// người", and "Two killed" where others write "2 dead": a headline's
// number must be read either way, or the two are kept apart (and two
// fires that killed "hai" and "ba" people are joined). Vietnamese "hai",
// "ba", "năm" are also words of their own ("ba" father, "năm" year, "cả
// hai" both), so two to nine count alone only before a word that counts
// things, or a magnitude ("hai triệu"); "mười" (ten) and the tens ("hai
// mươi") count wherever they are. "một" and "one" are also "a": "một"
// counts only before a word that counts things or a magnitude ("một người
// tử vong", "một nghìn"), "one" never.
var (
	viUnits = map[string]int{"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
	// viAfterTen are the units after "mười" or "mươi": "mười lăm" is 15,
	// "hai mươi mốt" 21, "ba mươi tư" 34; "mười năm" is ten years.
	viAfterTen = map[string]int{"một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
	// viCounted are words that count things: a unit before one is a number.
	viCounted = set("người ngày tháng năm tuần giờ phút xã huyện tỉnh thôn bản hộ nhà căn ngôi chiếc xe tàu tấn lần vụ ca em cháu đội đoàn nước tầng km ha mét con cây")
	enNumbers = map[string]int{
		"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
		"eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	}
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// spelled reads a number spelled out at toks[i] and returns it with the
// index of the word after it; next == i when there is none.
func spelled(toks []token, i int) (n, next int) {
	word := func(j int) string {
		if j < len(toks) && (j == i || !toks[j].after) {
			return toks[j].folded
		}
		return ""
	}
	w := word(i)
	if v, ok := enNumbers[w]; ok {
		// "twenty-five": the hyphen counts as punctuation.
		if v >= 20 && i+1 < len(toks) {
			if u, ok := enNumbers[toks[i+1].folded]; ok && u < 10 {
				return v + u, i + 2
			}
		}
		return v, i + 1
	}
	if w == "mười" {
		if u, ok := viAfterTen[word(i+1)]; ok {
			return 10 + u, i + 2
		}
		return 10, i + 1
	}
	u, ok := viUnits[w]
	if !ok {
		return 0, i
	}
	if word(i+1) == "mươi" && u >= 2 {
		if v, ok := viAfterTen[word(i+2)]; ok {
			return 10*u + v, i + 3
		}
		return 10 * u, i + 2
	}
	counted := word(i + 1)
	_, magnitude := magnitudes[counted]
	if viCounted[counted] && !(w == "năm" && counted == "tháng") || magnitude {
		return u, i + 1
	}
	return 0, i
}

// magnitudes are the words that multiply the number before them.
var magnitudes = map[string]string{
	"nghìn": "000", "ngàn": "000", "thousand": "000",
	"triệu": "000000", "million": "000000",
	"tỷ": "000000000", "tỉ": "000000000", "billion": "000000000",
}

// digitRuns finds the numbers made of digits in s. A "." or "," followed by
// exactly three digits separates thousands; any other separator ends the
// number, so "13/12" is 13 and 12, and "2,5" is 2 and 5 in either language.
func digitRuns(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		var b strings.Builder
		for i < len(s) {
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			if i+4 <= len(s) && (s[i] == '.' || s[i] == ',') && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) &&
				(i+4 == len(s) || !isDigit(s[i+4])) {
				i++
				continue
			}
			break
		}
		n := strings.TrimLeft(b.String(), "0")
		if n == "" {
			n = "0"
		}
		out = append(out, n)
	}
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// seriesWords number the parts of a series: after one of them a single
// "I", "V" or "X" is a Roman numeral ("Kỳ I", "Phần V").
var seriesWords = set("kỳ phần tập bài chương khóa part chapter episode")

// romanValue is the value of each Roman numeral letter read.
var romanValue = map[byte]int{'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100}

// roman reads an upper-case Roman numeral of at least two letters, the way
// congresses and festivals are numbered ("Đại hội lần thứ XVII").
func roman(w string) (string, bool) {
	if len(w) < 2 || len(w) > 8 || strings.Trim(w, "IVXLC") != "" {
		return "", false
	}
	total := 0
	for i := 0; i < len(w); i++ {
		v := romanValue[w[i]]
		if i+1 < len(w) && romanValue[w[i+1]] > v {
			total -= v
		} else {
			total += v
		}
	}
	if total <= 0 {
		return "", false
	}
	return strconv.Itoa(total), true
}

// isCapitalized reports whether a word starts with an upper-case letter and
// is not written all in capitals: acronyms (UBND, HĐND, ASEAN) are spelled
// out by some outlets and not by others, so they name nothing reliably.
func isCapitalized(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return false
	}
	for _, c := range w {
		if unicode.IsLower(c) {
			return true
		}
	}
	return utf8.RuneCountInString(w) == 1
}

// titleNames returns the proper names of a sentence-case headline: runs of
// capitalised words, less the headline's first word when it stands alone,
// as it is capitalised anyway. A headline in Title Case (most words
// capitalised, as English outlets write) names nothing this way and gives
// none.
func titleNames(core string) []string {
	toks := tokenize(core)
	caps := 0
	for _, t := range toks {
		if isCapitalized(t.raw) {
			caps++
		}
	}
	if len(toks) >= 4 && caps*10 >= len(toks)*6 {
		return nil
	}
	return runNames(toks, true)
}

// runNames returns the capitalised runs of toks, folded, each once. A run
// of one word that starts toks is left out when dropFirst, as a sentence
// starts with a capital anyway; a longer one is kept whole ("Hà Giang").
// One letter ("8 độ C") and a month ("July 2027") name nothing.
func runNames(toks []token, dropFirst bool) []string {
	var out []string
	for _, run := range capRuns(toks) {
		if dropFirst && run[0] == 0 && len(run) == 1 {
			continue
		}
		if len(run) == 1 {
			if w := toks[run[0]]; utf8.RuneCountInString(w.raw) == 1 || months[w.folded] != "" {
				continue
			}
		}
		parts := make([]string, len(run))
		for i, k := range run {
			parts[i] = toks[k].folded
		}
		if n := strings.Join(parts, " "); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// outletWords start the names outlets give themselves ("Báo Hà Giang",
// "Đài Phát thanh …", "Cổng thông tin …"), folded.
var outletWords = set("báo tạp đài kênh cổng trang truyền tin thời tuần")

// routeTail reports whether a tail cut after a dash is the other end of a
// name the headline ends with ("… Bắc Quang - Xín Mần", "… Bến Thành -
// Tham Lương") rather than an outlet's name: the headline's last word is
// capitalised, and the tail does not open with one of outletWords nor is
// written in capitals ("VOV", "TTXVN").
func routeTail(head, tail string) bool {
	ws, toks := strings.Fields(head), tokenize(tail)
	if len(ws) == 0 || len(toks) == 0 || !isCapitalized(strings.TrimRightFunc(ws[len(ws)-1], unicode.IsPunct)) {
		return false
	}
	if outletWords[toks[0].folded] || isUpperWord(toks[0].raw) {
		return false
	}
	folded := make([]string, len(toks))
	for i, t := range toks {
		if outletMarks[t.folded] {
			return false
		}
		folded[i] = t.folded
	}
	return !outletNames[strings.Join(folded, " ")]
}

// outletMarks are words that make a tail an outlet's name wherever they
// stand in it ("Tuổi Trẻ Online", "VTC News", "Báo điện tử …").
var outletMarks = set("online news net plus tv vn com điện")

// outletNames are outlets' names that read as names of places or people
// ("… tại Hà Nội - Dân trí", "… - Thanh Niên"), folded.
var outletNames = map[string]bool{
	"tuổi trẻ": true, "thanh niên": true, "dân trí": true, "vnexpress": true, "vietnamnet": true, "lao động": true,
	"nhân dân": true, "tiền phong": true, "người lao động": true, "pháp luật": true, "sài gòn giải phóng": true,
	"hà nội mới": true, "công an nhân dân": true, "quân đội nhân dân": true, "znews": true, "vietnamplus": true,
	"kinh tế đô thị": true, "an ninh thủ đô": true, "đời sống": true, "dân việt": true, "giáo dục": true,
}

// capRuns groups the indexes of consecutive capitalised tokens that no
// punctuation separates.
func capRuns(toks []token) [][]int {
	var runs [][]int
	var cur []int
	for i, t := range toks {
		if isCapitalized(t.raw) && (len(cur) == 0 || !t.after) {
			cur = append(cur, i)
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
		if isCapitalized(t.raw) {
			cur = []int{i}
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// maxNameGrams bounds the names remembered of one text.
const maxNameGrams = 512

// nameGrams returns every run of one to four consecutive words inside the
// capitalised runs of a text's words, folded: the names s mentions, in every length a
// headline may cut them to.
func nameGrams(toks []token) []string {
	seen := map[string]bool{}
	var out []string
	for _, run := range capRuns(toks) {
		for i := range run {
			for n := 1; n <= 4 && i+n <= len(run); n++ {
				parts := make([]string, n)
				for k := range n {
					parts[k] = toks[run[i+k]].folded
				}
				g := strings.Join(parts, " ")
				if !seen[g] {
					seen[g] = true
					out = append(out, g)
					if len(out) == maxNameGrams {
						return out
					}
				}
			}
		}
	}
	return out
}

// Dates a text opens with: "Sáng 20/12, …", "Ngày 20 tháng 12 …", "Tối qua
// (20/12) …", after a dateline ("HÀ GIANG - ", "(TTXVN) – "); "On December
// 20, …". Outlets that carry one story keep the day it happened on; the
// same headline over another day's text (a weather bulletin, a market
// report) is another story.
var (
	leadDateVI = regexp.MustCompile(`(?i)^(?:[^\n]{0,60}?\s[-–—]+\s*)?(?:(?:rạng\s+)?(?:sáng|trưa|chiều|tối|đêm|ngày|hôm)(?:\s+(?:nay|qua|mai))?\s*\(?\s*)?(?:ngày\s+)?(\d{1,2})\s*(?:/|-|\.|\s+tháng\s+)\s*(\d{1,2})\b`)
	leadDateEN = regexp.MustCompile(`(?i)^(?:[^\n]{0,60}?\s[-–—]+\s*)?(?:on\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b`)
)

// leadDate returns the day and month text opens with, "20/12"; empty when
// it opens otherwise.
func leadDate(text string) string {
	text = clip(strings.TrimSpace(norm.NFC.String(clip(text, 256))), 200)
	if !strings.ContainsAny(text, "0123456789") {
		return ""
	}
	var day, month string
	if m := leadDateVI.FindStringSubmatch(text); m != nil {
		day, month = m[1], m[2]
	} else if m := leadDateEN.FindStringSubmatch(text); m != nil {
		day, month = m[2], months[strings.ToLower(m[1])]
	}
	d, derr := strconv.Atoi(day)
	m, merr := strconv.Atoi(month)
	if derr != nil || merr != nil || d < 1 || d > 31 || m < 1 || m > 12 {
		return ""
	}
	return strconv.Itoa(d) + "/" + strconv.Itoa(m)
}

// datelineRE is a dateline that opens a text: a few words, perhaps an
// agency in brackets, and a dash ("HÀ GIANG - ", "Hà Nội (TTXVN) – ",
// "HÀ NỘI, 28/11 - ").
var datelineRE = regexp.MustCompile(`^\s*[^\s\n][^\n.!?]{0,40}?\s[-–—]+\s`)

// dateline returns the dateline text opens with, or "". It is at most six
// words, the first capitalised.
func dateline(text string) string {
	m := datelineRE.FindString(clip(text, 128))
	if m == "" || len(strings.Fields(m)) > 7 {
		return ""
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(m), " "); !isCapitalized(first) && !isUpperWord(first) {
		return ""
	}
	return m
}

// leadWords is how much of a text is its lead: the first sentence or so,
// where an outlet says when and where the story happened.
const leadWords = 40

// todayWords date an item by the day it is published: a daily bulletin
// ("Giá vàng hôm nay", "Thời tiết đêm nay") carries the same headline every
// day. Each is read as folded words.
var todayWords = [][]string{
	{"hôm", "nay"}, {"sáng", "nay"}, {"trưa", "nay"}, {"chiều", "nay"}, {"tối", "nay"}, {"đêm", "nay"},
	{"ngày", "mai"}, {"today"}, {"tonight"},
}

// saysToday reports whether toks hold one of todayWords.
func saysToday(toks []token) bool {
	for i := range toks {
	next:
		for _, w := range todayWords {
			if i+len(w) > len(toks) {
				continue
			}
			for k, x := range w {
				if toks[i+k].folded != x || k > 0 && toks[i+k].after {
					continue next
				}
			}
			return true
		}
	}
	return false
}
