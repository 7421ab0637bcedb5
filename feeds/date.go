package feeds

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateLayouts are tried in order on a date string that has already been
// upper-cased, stripped of its weekday, its commas and its zone (see
// parseDate). Day-first forms come before month-first ones: the outlets are
// Vietnamese, so 03/04/2021 is the 3rd of April. Go accepts fractional
// seconds after any seconds field, and month names in any case.
var dateLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006/01/02",

	"2/1/2006 15:04:05",
	"2/1/2006 15:04",
	"2/1/2006 3:04:05 PM",
	"2/1/2006 3:04 PM",
	"2/1/2006",
	"15:04:05 2/1/2006",
	"15:04 2/1/2006",
	"2/1/06 15:04:05", // a two-digit year, day first: 29/11/26 08:36
	"2/1/06 15:04",
	"2/1/06",
	"2-1-2006 15:04:05",
	"2-1-2006 15:04",
	"2-1-2006",
	"2.1.2006 15:04:05",
	"2.1.2006 15:04",
	"2.1.2006",
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 3:04 PM",
	"1/2/2006",

	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 2006",
	"2 January 2006 15:04:05",
	"2 January 2006 15:04",
	"2 January 2006",
	"2 Jan 06 15:04:05",
	"2 Jan 06 15:04",
	"02-Jan-06 15:04:05",
	"Jan 2 2006 15:04:05",
	"Jan 2 2006 15:04",
	"Jan 2 2006 3:04:05 PM",
	"Jan 2 2006 3:04 PM",
	"Jan 2 2006",
	"January 2 2006 15:04:05",
	"January 2 2006 15:04",
	"January 2 2006 3:04:05 PM",
	"January 2 2006 3:04 PM",
	"January 2 2006",
	"Jan 2 15:04:05 2006",
}

// exactLayouts are the standard forms parseDate reads without normalising;
// each carries its offset in numbers.
var exactLayouts = [...]string{time.RFC1123Z, time.RFC3339}

// zoneAbbreviations are the zone names seen in feed dates, with their offsets
// in hours. Go's parser gives any abbreviation it does not know offset zero,
// which puts ICT dates seven hours off. The ambiguous CST is read as in RFC 822.
var zoneAbbreviations = map[string]int{
	"Z": 0, "UT": 0, "UTC": 0, "GMT": 0,
	"ICT": 7, "WIB": 7, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
}

var (
	// "GMT+7", "UTC+07:00", "GMT +0700" at the end.
	gmtOffsetSuffix = regexp.MustCompile(`\s*(?:GMT|UTC|UT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$`)
	// "+0700", "+07:00", "+07", "Z" right after a time of day; requiring the
	// time keeps the "-13" of "2021-12-13" from reading as an offset.
	numericOffsetSuffix = regexp.MustCompile(`(\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?|Z)$`)
	// A time of day followed by SA (sáng, morning) or CH (chiều,
	// afternoon), the AM and PM of .NET's vi-VN dates: "2:30:00 CH".
	vietnameseMeridiem = regexp.MustCompile(`(\d{1,2}):\d{2}(?::\d{2}(?:\.\d+)?)?\s*(SA|CH)$`)
	// "ICT", "GMT", "EST" at the end.
	namedZoneSuffix = regexp.MustCompile(`\s([A-Z]{1,5})$`)
	// A weekday before the date, with or without its comma.
	weekdayPrefix = regexp.MustCompile(`^(?i:MON|TUE|WED|THU|FRI|SAT|SUN)[A-Z]*\.?\s`)
)

// parseDate reads a feed date. A date without a zone is in loc. The result is
// in UTC; ok is false for an empty or unreadable string, and for a date no
// outlet means (see plausible).
func parseDate(raw string, loc *time.Location) (t time.Time, ok bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return time.Time{}, false
	}
	// Most feeds write RFC 1123 with a numeric offset (RSS) or RFC 3339
	// (Atom, JSON Feed): read those at once, and only the rest through the
	// normalising below, which costs ten times as much.
	for _, layout := range exactLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if _, off := t.Zone(); plausible(t) && off >= -14*3600 && off <= 14*3600 {
				return t.UTC(), true
			}
			break
		}
	}
	// A leading weekday ("Thứ hai, 13/12/2021", "Mon, 13 Dec 2021") adds
	// nothing and would multiply the layouts.
	if i := strings.IndexByte(s, ','); i > 0 && !strings.ContainsAny(s[:i], "0123456789") {
		s = s[i+1:]
	}
	s = strings.ToUpper(strings.Join(strings.Fields(strings.ReplaceAll(s, ",", " ")), " "))
	s = weekdayPrefix.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, " - ", " ")
	s = englishMeridiem(s)

	s, zone, ok := splitZone(s)
	if !ok {
		return time.Time{}, false
	}
	if zone == nil {
		zone = loc
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			if !plausible(t) {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// englishMeridiem spells a Vietnamese SA or CH after the time of day as
// AM or PM, which the layouts read; splitZone would otherwise drop it for
// an unknown zone, and 2:30 CH would read as 02:30. After an hour that is
// no 12-hour clock's (0, 13–23) the marker adds nothing and goes.
func englishMeridiem(s string) string {
	m := vietnameseMeridiem.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	marker := " AM"
	if s[m[4]:m[5]] == "CH" {
		marker = " PM"
	}
	if h, _ := strconv.Atoi(s[m[2]:m[3]]); h == 0 || h > 12 {
		marker = ""
	}
	return strings.TrimSpace(s[:m[4]]) + marker
}

// plausible reports whether t is a date an outlet can have meant: none
// before 1970, which outlets write only by mistake ("0001-01-01"), nor the
// Unix epoch itself, which a CMS writes, in whatever zone, for a date it
// does not have (a timestamp of zero).
func plausible(t time.Time) bool {
	return t.Year() >= 1970 && t.Unix() > 0
}

// splitZone takes the zone off the end of an upper-cased date string. zone is
// nil when the string names none (or an abbreviation we do not know, which is
// then dropped); ok is false for an impossible offset.
func splitZone(s string) (rest string, zone *time.Location, ok bool) {
	// A trailing comment: "13/12/2021 15:22 (GMT+7)", "... +0700 (ICT)".
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i >= 0 {
			inner := strings.TrimSpace(s[i+1 : len(s)-1])
			s = strings.TrimSpace(s[:i])
			if _, z, ok := splitZone("00:00 " + inner); ok && z != nil {
				zone = z
			}
		}
	}
	if m := gmtOffsetSuffix.FindStringSubmatchIndex(s); m != nil {
		z, ok := offsetZone(s[m[2]:m[3]], s[m[4]:m[5]], submatch(s, m, 3))
		return strings.TrimSpace(s[:m[0]]), z, ok
	}
	if m := numericOffsetSuffix.FindStringSubmatchIndex(s); m != nil {
		rest := s[:m[3]]
		if m[4] < 0 { // "Z"
			return rest, time.UTC, true
		}
		z, ok := offsetZone(s[m[4]:m[5]], s[m[6]:m[7]], submatch(s, m, 4))
		return rest, z, ok
	}
	if m := namedZoneSuffix.FindStringSubmatchIndex(s); m != nil {
		name := s[m[2]:m[3]]
		if name != "AM" && name != "PM" {
			rest := s[:m[0]]
			if hours, known := zoneAbbreviations[name]; known {
				return rest, time.FixedZone(name, hours*3600), true
			}
			return rest, zone, true
		}
	}
	return s, zone, true
}

// submatch returns group n of a FindStringSubmatchIndex result, or "".
func submatch(s string, m []int, n int) string {
	if m[2*n] < 0 {
		return ""
	}
	return s[m[2*n]:m[2*n+1]]
}

// offsetZone builds a fixed zone from a sign, hours and optional minutes.
func offsetZone(sign, hours, minutes string) (*time.Location, bool) {
	h, _ := strconv.Atoi(hours)
	m, _ := strconv.Atoi(minutes)
	if h > 14 || m > 59 {
		return nil, false
	}
	offset := h*3600 + m*60
	if sign == "-" {
		offset = -offset
	}
	return time.FixedZone("", offset), true
}

// ParseDate reads a date the way Parse reads feed dates (many layouts, zone
// names and offsets; a date without a zone is in loc), for documents that are
// not feeds, such as web pages. The result is UTC; ok is false when the
// string holds no date Parse would read.
func ParseDate(raw string, loc *time.Location) (t time.Time, ok bool) {
	return parseDate(stripForbidden(raw), loc)
}
