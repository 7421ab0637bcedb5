package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"

	"newswire/internal/utf8repair"
)

// errUndeclaredCharset is returned for a body that is far from UTF-8 and names
// no charset anywhere: guessing one would store garbled text under a valid-looking
// title, so the source shows up as failing instead.
var errUndeclaredCharset = errors.New("body is not UTF-8 and declares no charset (no BOM, XML declaration or Content-Type charset)")

// xmlEncodingAttr finds the encoding pseudo-attribute of an XML declaration.
var xmlEncodingAttr = regexp.MustCompile(`encoding\s*=\s*["']([^"']*)["']`)

// toUTF8 returns body as UTF-8 without a byte order mark, and with any XML
// declaration saying encoding="utf-8".
//
// The charset is taken from, in order: a byte order mark; UTF-16 for a
// document whose first characters are ASCII in UTF-16; UTF-8 itself for
// a body beyond ASCII that is valid UTF-8; UTF-16 when the Content-Type says
// so; the XML declaration; the HTTP Content-Type charset; and finally UTF-8.
// A UTF-8 candidate that does not validate gives way to the next one; when
// none is left, a body with only a few invalid bytes is repaired with
// U+FFFD, and anything worse is an error that says which label was wrong
// or unknown, or errUndeclaredCharset when none was given.
//
// The declaration is rewritten because gofeed honours it: left as
// windows-1258 on text we already decoded, it would decode a second time.
func toUTF8(body []byte, contentType string) ([]byte, error) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return withUTF8Declaration(body[3:]), nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode UTF-16: %w", err)
		}
		return withUTF8Declaration(out), nil
	}
	if order, ok := utf16Markup(body); ok {
		out, err := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode UTF-16: %w", err)
		}
		return withUTF8Declaration(out), nil
	}

	valid := utf8.Valid(body)
	if valid && !isASCII(body) {
		// Text beyond ASCII that is valid UTF-8 is UTF-8, whatever a
		// label says: a CMS template that declares ISO-8859-1 over
		// UTF-8 would have every Vietnamese letter stored garbled, while
		// text really in a single-byte charset is almost never valid
		// UTF-8.
		return withUTF8Declaration(body), nil
	}
	declared, served := declaredEncoding(body), contentTypeCharset(contentType)
	if enc, name := charset.Lookup(served); enc != nil && strings.HasPrefix(name, "utf-16") {
		// UTF-16 without a byte order mark, as the server says: its
		// order from the label, or from where the zero bytes of the
		// ASCII markup fall.
		order := unicode.BigEndian
		if strings.EqualFold(served, "utf-16le") || !strings.EqualFold(served, "utf-16be") && len(body) > 1 && body[1] == 0 && body[0] != 0 {
			order = unicode.LittleEndian
		}
		out, err := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", served, err)
		}
		return withUTF8Declaration(out), nil
	}
	var unknown, claimsUTF8 []string
	for _, l := range []struct{ label, where string }{{declared, "XML declaration"}, {served, "Content-Type"}} {
		if l.label == "" {
			continue
		}
		enc, name := charset.Lookup(l.label)
		if enc == nil {
			unknown = append(unknown, fmt.Sprintf("%q (%s)", l.label, l.where))
			continue
		}
		if strings.HasPrefix(name, "utf-16") {
			// UTF-16 named in a declaration we just read as ASCII: the
			// next source may know better.
			continue
		}
		if name == "utf-8" {
			if valid {
				return withUTF8Declaration(body), nil
			}
			claimsUTF8 = append(claimsUTF8, l.where)
			continue
		}
		out, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		return withUTF8Declaration(out), nil
	}

	if valid {
		return withUTF8Declaration(body), nil
	}
	if bad := utf8repair.InvalidBytes(body); bad*utf8repair.MaxRatio > len(body) {
		switch {
		case len(unknown) > 0:
			return nil, fmt.Errorf("body is not UTF-8, and its charset %s is not one this reader knows", strings.Join(unknown, ", "))
		case len(claimsUTF8) > 0:
			return nil, fmt.Errorf("body is not valid UTF-8 (%d bytes of %d are not) although its %s says UTF-8; the charset it is in is declared nowhere", bad, len(body), strings.Join(claimsUTF8, " and "))
		}
		return nil, errUndeclaredCharset
	}
	return withUTF8Declaration(bytes.ToValidUTF8(body, []byte("\uFFFD"))), nil
}

// utf16Markup recognises a document in UTF-16 without a byte order mark by
// its first character, "<", and the next, each one byte of ASCII beside a
// zero byte (XML 1.0, appendix F); it returns the byte order.
func utf16Markup(body []byte) (unicode.Endianness, bool) {
	if len(body) < 4 {
		return unicode.BigEndian, false
	}
	switch {
	case body[0] == 0 && body[1] == '<' && body[2] == 0 && body[3] != 0:
		return unicode.BigEndian, true
	case body[0] == '<' && body[1] == 0 && body[2] != 0 && body[3] == 0:
		return unicode.LittleEndian, true
	}
	return unicode.BigEndian, false
}

// isASCII reports whether s holds ASCII alone.
func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// xmlDeclaration returns the bounds of the XML declaration that opens body
// (after optional whitespace), or ok=false when there is none.
func xmlDeclaration(body []byte) (start, end int, ok bool) {
	start = len(body) - len(bytes.TrimLeft(body, " \t\r\n"))
	if !bytes.HasPrefix(body[start:], []byte("<?xml")) {
		return 0, 0, false
	}
	n := bytes.Index(body[start:], []byte("?>"))
	if n < 0 {
		return 0, 0, false
	}
	return start, start + n + 2, true
}

// declaredEncoding is the encoding named in body's XML declaration, or "".
func declaredEncoding(body []byte) string {
	start, end, ok := xmlDeclaration(body)
	if !ok {
		return ""
	}
	m := xmlEncodingAttr.FindSubmatch(body[start:end])
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}

// withUTF8Declaration rewrites a non-UTF-8 encoding in body's XML declaration
// to utf-8. body is UTF-8 here, and the declaration is ASCII in every charset
// we decode, so it is found in the decoded text.
func withUTF8Declaration(body []byte) []byte {
	start, end, ok := xmlDeclaration(body)
	if !ok {
		return body
	}
	loc := xmlEncodingAttr.FindSubmatchIndex(body[start:end])
	if loc == nil || strings.EqualFold(string(body[start+loc[2]:start+loc[3]]), "utf-8") {
		return body
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:start+loc[2]]...)
	out = append(out, "utf-8"...)
	out = append(out, body[start+loc[3]:]...)
	return out
}

// contentTypeCharset is the charset parameter of an HTTP Content-Type, or "".
func contentTypeCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}
