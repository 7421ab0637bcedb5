package feeds

import (
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Untitled is what an item or story without a title has to be named by.
type Untitled struct {
	Summary    string // plain text
	Enclosures []Enclosure
	Image      string
	Link       string
	Outlet     string // the name of the outlet that published it
	Language   string // BCP 47; English gets an English headline, the rest Vietnamese
}

// Headline is the title of an item that has none, as a newsroom would
// write it: the first sentence (or first words) of its summary; else what
// its media is, by kind and file name, and the outlet ("Âm thanh:
// ban-tin-sang.mp3 (Báo Hà Giang)"), for a podcast episode or a photo;
// else its link; else "Tin của" the outlet. It is in English for a story in
// English, else in Vietnamese, the newsroom's language. fromText reports
// that it is words of the story itself, which can be compared with other
// outlets' headlines; a name made of a file or an outlet cannot.
func Headline(u Untitled) (title string, fromText bool) {
	if t := titleFrom(u.Summary); t != "" {
		return t, true
	}
	en := strings.EqualFold(primaryTag(u.Language), "en")
	media, kind := "", ""
	for _, e := range u.Enclosures {
		if e.URL != "" {
			media, kind = e.URL, e.Type
			break
		}
	}
	if media == "" && u.Image != "" {
		media, kind = u.Image, "image/"
	}
	if media != "" {
		if kind == "" {
			kind = guessType(media)
		}
		title = mediaKind(kind, en) + ": " + clip(fileName(media), titleRunes)
		if u.Outlet != "" {
			title += " (" + u.Outlet + ")"
		}
		return title, false
	}
	if u.Link != "" {
		return clip(u.Link, titleRunes), false
	}
	if u.Outlet == "" {
		return "", false
	}
	if en {
		return "Story from " + u.Outlet, false
	}
	return "Tin của " + u.Outlet, false
}

// mediaKind names a media type's kind for readers.
func mediaKind(mediaType string, en bool) string {
	vi, eng := "Tệp đính kèm", "Attachment"
	switch t := strings.ToLower(mediaType); {
	case strings.HasPrefix(t, "audio/"):
		vi, eng = "Âm thanh", "Audio"
	case strings.HasPrefix(t, "video/"):
		vi, eng = "Video", "Video"
	case strings.HasPrefix(t, "image/"):
		vi, eng = "Ảnh", "Photo"
	case strings.HasPrefix(t, "application/pdf"):
		vi, eng = "Tài liệu", "Document"
	}
	if en {
		return eng
	}
	return vi
}

// fileName is the last segment of a media URL's path, unescaped (a file
// named in Vietnamese reads as such), else its host. A name that unescapes
// to a "<" or a control character (a terminal's escape, a bidirectional
// override) stays escaped: a title must not carry what looks like a tag,
// nor characters that act on what is shown after them.
func fileName(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." {
		return u.Host
	}
	if n, err := url.PathUnescape(name); err == nil && utf8.ValidString(n) {
		name = n
	}
	if !plainName(name) {
		name = path.Base(u.EscapedPath())
	}
	return norm.NFC.String(strings.Join(strings.Fields(name), " "))
}

// plainName reports whether name holds no "<" and no control character.
func plainName(name string) bool {
	return !strings.ContainsRune(name, '<') && strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	}) < 0
}

// clip is s cut to n runes and "…" when it is longer: a file name or a
// link made a title is no longer than a sentence made one.
func clip(s string, n int) string {
	if p := runePrefix(s, n); len(p) < len(s) {
		return p + "…"
	}
	return s
}

// runePrefix is s up to its nth rune.
func runePrefix(s string, n int) string {
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i]
}

// primaryTag is a language tag's primary subtag: "en" of "en-GB".
func primaryTag(tag string) string {
	p, _, _ := strings.Cut(tag, "-")
	return p
}
