package story

import (
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// trackingParams are query parameters that identify a campaign, a click or a
// share, never the resource, so two links differing only in them are the same
// item. Names are compared lower-cased; every "utm_" parameter is tracking too.
//
//   - fbclid (Facebook), gclid, gclsrc, dclid, gbraid, wbraid, _ga, _gl (Google),
//     msclkid (Microsoft), yclid (Yandex), igshid (Instagram), twclid (X),
//     ttclid (TikTok), li_fat_id (LinkedIn)
//   - mc_cid, mc_eid (Mailchimp), _hsenc, _hsmi (HubSpot), mkt_tok (Marketo),
//     vero_id, vero_conv (Vero), oly_anon_id, oly_enc_id (Omeda)
//   - zarsrc, gidzl (Zalo, the share links Vietnamese readers pass around)
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"_ga": true, "_gl": true, "msclkid": true, "yclid": true, "igshid": true, "twclid": true,
	"ttclid": true, "li_fat_id": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true,
	"vero_id": true, "vero_conv": true, "oly_anon_id": true, "oly_enc_id": true,
	"zarsrc": true, "gidzl": true,
}

// CanonicalLink returns the key under which two outlets' links count as the
// same item, or "" when raw is not an absolute http(s) URL.
//
// The key is host, path and query without the scheme ("example.vn/a/b?x=1"):
// http and https count alike, as outlets serve both. Host: lower-cased,
// "www." and a trailing dot dropped, ports 80 and 443 dropped, IDN in punycode
// (so the Unicode and the ASCII spelling agree). Path: percent-encoding
// normalised (unreserved characters decoded, hex upper-cased, everything else
// encoded), dot segments resolved, trailing slashes dropped (the root becomes
// the empty path). Query: tracking parameters removed, the rest sorted by
// name, keeping the order of equal names; an empty query is dropped. User
// info and the fragment never identify a story and are dropped.
func CanonicalLink(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Opaque != "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host, ok := canonicalHost(u.Hostname())
	if !ok {
		return ""
	}
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host += ":" + port
	}

	var b strings.Builder
	b.WriteString(host)
	p := removeDotSegments(normalizeEscapes(u.EscapedPath(), pathSafe))
	b.WriteString(strings.TrimRight(p, "/"))
	if q := canonicalQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String()
}

// canonicalHost lower-cases host and spells an internationalised name in
// punycode, the form that fits in every feed and log.
func canonicalHost(host string) (string, bool) {
	host = strings.ToLower(norm.NFC.String(host))
	if strings.Contains(host, ":") { // IPv6 literal
		return "[" + host + "]", true
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return "", false // an empty label names no host
	}
	if !isASCII(host) {
		a, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", false
		}
		host = a
	}
	host = strings.TrimPrefix(host, "www.")
	return host, host != ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// canonicalQuery drops tracking parameters and sorts the rest by decoded name.
// Values keep their own spelling apart from percent-encoding, so "a+b" and
// "a%20b" stay distinct: servers do not all read "+" as a space.
func canonicalQuery(raw string) string {
	type param struct{ name, pair string }
	var params []param
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		pair = normalizeEscapes(pair, querySafe)
		rawName, _, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		if isTracking(name) {
			continue
		}
		params = append(params, param{name, pair})
	}
	sort.SliceStable(params, func(i, j int) bool { return params[i].name < params[j].name })
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.pair)
	}
	return b.String()
}

// isTracking reports whether the query parameter named name (decoded) is
// one of trackingParams or a "utm_" one.
func isTracking(name string) bool {
	lower := strings.ToLower(name)
	return trackingParams[lower] || strings.HasPrefix(lower, "utm_")
}

// WithoutTracking returns the http(s) link raw without its tracking
// parameters (trackingParams), everything else as it was written: the
// link a story is republished under should not carry the campaign or the
// share it was found through. Any other raw is returned as it is.
func WithoutTracking(raw string) string {
	head, rest, ok := strings.Cut(raw, "?")
	if !ok || !(hasPrefixFold(head, "http://") || hasPrefixFold(head, "https://")) || strings.Contains(head, "#") {
		return raw
	}
	query, frag, hasFrag := strings.Cut(rest, "#")
	var kept []string
	removed := false
	for pair := range strings.SplitSeq(query, "&") {
		rawName, _, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		if isTracking(name) {
			removed = true
			continue
		}
		kept = append(kept, pair)
	}
	if !removed {
		return raw
	}
	out := head
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	if hasFrag {
		out += "#" + frag
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Characters kept bare besides the unreserved ones: the sub-delimiters and
// ":@/", plus "?" in a query. An escaped delimiter such as %26 or %3D stays
// escaped, because decoding it would change where a pair or a value ends.
const (
	pathSafe  = "!$&'()*+,;=:@/"
	querySafe = pathSafe + "?"
)

// normalizeEscapes decodes percent-escapes of unreserved characters, upper-cases
// the hex of the others, and escapes any byte that may not appear bare. An
// invalid escape such as "%zz" is kept, with its "%" escaped.
func normalizeEscapes(s, safe string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[d>>4])
				b.WriteByte(hex[d&15])
			}
			i += 2
			continue
		}
		if isUnreserved(c) || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// removeDotSegments resolves "." and ".." segments as RFC 3986 section 5.2.4
// does. Unlike path.Clean it keeps empty segments ("a//b"), which some
// servers route differently.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}
