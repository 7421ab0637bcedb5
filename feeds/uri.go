package feeds

import (
	"strings"

	"golang.org/x/net/idna"
)

// webURI spells an http(s) URL as a URI, which every feed format requires
// (the W3C validator reports an IRI where a URL is expected): a host name
// in another script in punycode, and every byte that a URI cannot hold
// (beyond ASCII, space, controls, `"<>\^{|}` and the backquote, a '%' that
// starts no escape) percent-encoded. A URL that is already a URI comes
// back as it is, so that the same link compares equal wherever it appears.
func webURI(s string) string {
	if uriClean(s) {
		return s
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return escapeURI(s)
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	if !isASCII(authority) {
		userinfo, hostport := "", authority
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			userinfo, hostport = authority[:at+1], authority[at+1:]
		}
		host, port := hostport, ""
		if colon := strings.LastIndexByte(hostport, ':'); colon >= 0 && !strings.Contains(hostport[colon:], "]") {
			host, port = hostport[:colon], hostport[colon:]
		}
		if a, err := idna.Lookup.ToASCII(host); err == nil {
			authority = userinfo + a + port
		}
	}
	return scheme + "://" + escapeURI(authority) + escapeURI(rest[end:])
}

// uriClean reports whether s holds only what a URI may, escapes well formed.
func uriClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			continue
		}
		if !uriByte(c) {
			return false
		}
	}
	return true
}

func escapeURI(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c != '%' && uriByte(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// uriByte reports whether c may stand in a URI as it is ('%' aside).
func uriByte(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '"', '<', '>', '\\', '^', '`', '{', '|', '}':
		return false
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
