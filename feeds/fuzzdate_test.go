package feeds

import (
	"testing"
	"time"
)

// FuzzParseDate: any string a feed gives as a date is read without a
// panic, and a date read is in UTC and one an outlet means (plausible).
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Tue, 10 Mar 2026 08:15:00 +0700", "2026-03-10T08:15:00+07:00", "10/03/2026 08:15", "Thứ ba, 10/3/2026 - 08:15 (GMT+7)", "March 10, 2026 8:15 PM ICT", "", "   ", "+99:99", "2026-13-45T99:99:99Z"} {
		f.Add(s)
	}
	hcm := time.FixedZone("ICT", 7*3600)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseDate(s, hcm)
		if !ok {
			return
		}
		if got.Location() != time.UTC || !plausible(got) {
			t.Errorf("ParseDate(%q) = %v, a date not in UTC or not plausible", s, got)
		}
	})
}
