// Package utf8repair decides when a body that claims (or defaults to) UTF-8
// and is not quite is repaired with U+FFFD rather than refused or read in
// another charset: for feeds (package feeds) and web pages (package scrape)
// alike.
package utf8repair

import "unicode/utf8"

// MaxRatio is the share of invalid UTF-8 bytes (1 in N) up to which such a
// body is repaired. A few stray bytes (a cut multi-byte letter in one
// description) are damage worth tolerating; a legacy-encoded body has
// invalid bytes in every Vietnamese word, far above this.
const MaxRatio = 1000

// InvalidBytes counts the bytes of b that are not part of a valid UTF-8
// sequence.
func InvalidBytes(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			n++
		}
		b = b[size:]
	}
	return n
}

// Repairable reports whether b's invalid bytes are few enough to repair.
func Repairable(b []byte) bool { return InvalidBytes(b)*MaxRatio <= len(b) }
