package scrape

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	// "15 phút trước", "2 giờ trước", "3 ngày trước"; "2 hours ago".
	agoVI = regexp.MustCompile(`(?i)(\d{1,3})\s*(giây|phút|giờ|tiếng|ngày|tuần)\s+trước`)
	agoEN = regexp.MustCompile(`(?i)\b(\d{1,3}|an?|one)\s+(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b`)
	// "Hôm nay 08:15", "Hôm qua, 16:30", "08:15 hôm qua", "Yesterday".
	dayWord   = regexp.MustCompile(`(?i)(hôm nay|hôm qua|today|yesterday)`)
	timeOfDay = regexp.MustCompile(`\b(\d{1,2})[:hg](\d{2})\b`)
	justNow   = regexp.MustCompile(`(?i)(vừa xong|vừa đăng|just now)`)
)

// relativeUnits are the lengths of the units pages count back in.
var relativeUnits = map[string]time.Duration{
	"giây": time.Second, "phút": time.Minute, "giờ": time.Hour, "tiếng": time.Hour,
	"ngày": 24 * time.Hour, "tuần": 7 * 24 * time.Hour,
	"second": time.Second, "sec": time.Second, "minute": time.Minute, "min": time.Minute,
	"hour": time.Hour, "hr": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour,
}

// relativeDate reads the dates pages write for their newest items, counted
// back from now: "15 phút trước", "2 giờ trước", "Hôm qua, 16:30",
// "Hôm nay 08:15", "Vừa xong", "3 hours ago", "Yesterday", to the minute. A
// day without a time of day is its midnight in loc, as a date alone is. ok
// is false when text holds none of them.
func relativeDate(text string, now time.Time, loc *time.Location) (time.Time, bool) {
	if m := agoVI.FindStringSubmatch(text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return now.Add(-time.Duration(n) * relativeUnits[strings.ToLower(m[2])]).Truncate(time.Minute).UTC(), true
	}
	if m := agoEN.FindStringSubmatch(text); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil { // "an hour ago"
			n = 1
		}
		unit := strings.TrimSuffix(strings.ToLower(m[2]), "s")
		return now.Add(-time.Duration(n) * relativeUnits[unit]).Truncate(time.Minute).UTC(), true
	}
	if justNow.MatchString(text) {
		return now.Truncate(time.Minute).UTC(), true
	}
	m := dayWord.FindStringSubmatch(text)
	if m == nil {
		return time.Time{}, false
	}
	day := now.In(loc)
	if w := strings.ToLower(m[1]); w == "hôm qua" || w == "yesterday" {
		day = day.AddDate(0, 0, -1)
	}
	hour, minute := 0, 0
	if t := timeOfDay.FindStringSubmatch(text); t != nil {
		hour, _ = strconv.Atoi(t[1])
		minute, _ = strconv.Atoi(t[2])
		if hour > 23 || minute > 59 {
			return time.Time{}, false
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, loc).UTC(), true
}

// relativeLike finds a date relativeDate reads, for Propose.
func relativeLike(text string) bool {
	return agoVI.MatchString(text) || agoEN.MatchString(text) || justNow.MatchString(text) || dayWord.MatchString(text)
}
