package story

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"newswire/internal/words"
)

// provinces are Vietnam's provinces and centrally run cities, each with the
// other names outlets use for it. The first spelling is the one reported.
var provinces = [][]string{
	{"An Giang"}, {"Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu", "Vũng Tàu", "Bà Rịa"}, {"Bạc Liêu"}, {"Bắc Giang"},
	{"Bắc Kạn", "Bắc Cạn"}, {"Bắc Ninh"}, {"Bến Tre"}, {"Bình Dương"}, {"Bình Định"}, {"Bình Phước"},
	{"Bình Thuận"}, {"Cà Mau"}, {"Cao Bằng"}, {"Cần Thơ"}, {"Đà Nẵng", "Danang"}, {"Đắk Lắk", "Đắc Lắc"}, {"Đắk Nông"},
	{"Điện Biên"}, {"Đồng Nai"}, {"Đồng Tháp"}, {"Gia Lai"}, {"Hà Giang"}, {"Hà Nam"}, {"Hà Nội", "Hanoi"}, {"Hà Tĩnh"},
	{"Hải Dương"}, {"Hải Phòng", "Haiphong"}, {"Hậu Giang"}, {"Hòa Bình"}, {"Hưng Yên"}, {"Khánh Hòa"}, {"Kiên Giang"},
	{"Kon Tum"}, {"Lai Châu"}, {"Lâm Đồng"}, {"Lạng Sơn"}, {"Lào Cai"}, {"Long An"}, {"Nam Định"}, {"Nghệ An"},
	{"Ninh Bình"}, {"Ninh Thuận"}, {"Phú Thọ"}, {"Phú Yên"}, {"Quảng Bình"}, {"Quảng Nam"}, {"Quảng Ngãi"},
	{"Quảng Ninh"}, {"Quảng Trị"}, {"Sóc Trăng"}, {"Sơn La"}, {"Tây Ninh"}, {"Thái Bình"}, {"Thái Nguyên"},
	{"Thanh Hóa"}, {"Thừa Thiên Huế", "Thừa Thiên - Huế", "Huế"}, {"Hồ Chí Minh", "TP HCM", "TPHCM", "HCM", "HCMC", "Ho Chi Minh City", "Sài Gòn", "Saigon"},
	{"Tiền Giang"}, {"Trà Vinh"}, {"Tuyên Quang"}, {"Vĩnh Long"}, {"Vĩnh Phúc"}, {"Yên Bái"},
}

// place is one spelling of a province, as folded words.
type place struct {
	words []string
	name  string // the province's reported name
}

// gazetteer finds provinces by their first folded word, in the Vietnamese
// spelling and in the unaccented one English outlets use ("Ha Giang").
type gazetteer map[string][]place

var places = buildGazetteer()

func buildGazetteer() gazetteer {
	g := gazetteer{}
	add := func(spelling, name string) {
		ws := words.Split(fold(spelling))
		if len(ws) == 0 {
			return
		}
		for _, p := range g[ws[0]] {
			if slices.Equal(p.words, ws) {
				return
			}
		}
		g[ws[0]] = append(g[ws[0]], place{words: ws, name: name})
	}
	for _, p := range provinces {
		for _, spelling := range p {
			add(spelling, p[0])
			add(unaccent(spelling), p[0])
		}
	}
	// Longest spelling first, so "Thừa Thiên Huế" wins over "Huế".
	for k := range g {
		slices.SortStableFunc(g[k], func(a, b place) int { return len(b.words) - len(a.words) })
	}
	return g
}

// unaccent removes diacritics and writes đ as d.
func unaccent(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return strings.NewReplacer("đ", "d", "Đ", "D").Replace(out)
}

// provinceNames finds the provinces a text's words name. A spelling counts
// only when its first word is capitalised, so "hòa bình" (peace) is not Hòa Bình.
func provinceNames(toks []token) []string {
	all, _ := provinceNamesLead(toks, 0, 0)
	return all
}

// provinceNamesLead is provinceNames, and also the provinces named by the
// words from..to of toks (the lead of a text after its headline).
func provinceNamesLead(toks []token, from, to int) (all, lead []string) {
	for i := 0; i < len(toks); i++ {
		if !isCapitalized(toks[i].raw) && !isUpperWord(toks[i].raw) {
			continue
		}
		for _, p := range places[toks[i].folded] {
			if i+len(p.words) > len(toks) {
				continue
			}
			match := true
			for k, w := range p.words {
				if toks[i+k].folded != w {
					match = false
					break
				}
			}
			if match {
				if !slices.Contains(all, p.name) {
					all = append(all, p.name)
				}
				if i >= from && i < to && saysPlace(toks, i, len(p.words)) && !slices.Contains(lead, p.name) {
					lead = append(lead, p.name)
				}
				i += len(p.words) - 1
				break
			}
		}
	}
	return all, lead
}

// saysPlace reports a province's name at toks[i] (n words) that the words
// around it say is the place where something happens: "tỉnh Hà Giang",
// "tại Hà Nội", "ở Huế", "thành phố Hải Phòng", "Thủ đô Hà Nội", "in
// Hanoi", "Lao Cai province". The name alone may be part of another's:
// a person's ("chị Hải Dương"), an organisation's ("Đoàn TNCS Hồ Chí
// Minh"), a street's ("phố Huế"), an ocean's ("Thái Bình Dương"), a
// commune's ("xã Thái Bình").
func saysPlace(toks []token, i, n int) bool {
	if i+n < len(toks) && !toks[i+n].after {
		switch next := toks[i+n]; {
		case next.folded == "province" || next.folded == "city":
			return true
		case isCapitalized(next.raw) || isUpperWord(next.raw):
			return false // a longer name: "Thái Bình Dương"
		}
	}
	if i == 0 || toks[i].after {
		return false
	}
	switch prev := strings.TrimSuffix(toks[i-1].folded, "."); prev {
	case "tỉnh", "tại", "ở", "tp", "in", "at":
		return true
	case "phố":
		return i >= 2 && toks[i-2].folded == "thành"
	case "đô":
		return i >= 2 && toks[i-2].folded == "thủ"
	}
	return false
}

// isUpperWord reports a word written all in capitals ("HCM", "HÀ GIANG").
func isUpperWord(w string) bool {
	upper := false
	for _, r := range w {
		switch {
		case unicode.IsLower(r) || unicode.IsTitle(r):
			return false
		case unicode.IsUpper(r):
			upper = true
		}
	}
	return upper
}
