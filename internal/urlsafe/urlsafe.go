// Package urlsafe keeps the credentials a source's URL may carry (user
// info, an API key or token in the query) out of what newswire shows: the
// config has no other place for an outlet's credentials, so its URLs must
// be treated as secrets where they are shown. Public is for what anyone
// reads (feeds, OPML, status pages); Redacted is for logs and admins,
// where the rest of the URL still tells which source it is.
package urlsafe

import (
	"net/url"
	"regexp"
	"strings"
)

// mask replaces a secret in Redacted.
const mask = "xxxxx"

// Public returns u as it may be shown to anyone: without user info, and
// without the query parameters whose names say they hold a secret. A URL
// that does not parse is returned as it is.
func Public(u string) string { return rewrite(u, nil) }

// Redacted returns u with its password and the values of its secret query
// parameters replaced by "xxxxx", as net/url's Redacted does for the
// password.
func Redacted(u string) string {
	return rewrite(u, func(string) string { return mask })
}

// Digested returns u with its password and the values of its secret query
// parameters replaced by what digest makes of each: two URLs that differ
// only in a secret still differ.
func Digested(u string, digest func(secret string) string) string { return rewrite(u, digest) }

// rewrite replaces each secret of u by what replace makes of it, or drops
// it (and the user name) when replace is nil.
func rewrite(u string, replace func(string) string) string {
	if !strings.Contains(u, "@") && !strings.Contains(u, "?") {
		return u // nothing to hide; the common case costs no parse
	}
	p, err := url.Parse(u)
	if err != nil {
		return unparsed(u, replace)
	}
	changed := false
	if p.User != nil {
		changed = true
		pw, has := p.User.Password()
		switch {
		case replace == nil:
			p.User = nil
		case has:
			p.User = url.UserPassword(p.User.Username(), replace(pw))
		case p.User.Username() != "":
			// A user name alone is how some services take a token
			// (https://TOKEN@host/feed): it is the secret.
			p.User = url.User(replace(p.User.Username()))
		}
	}
	if p.RawQuery != "" {
		pairs := strings.Split(p.RawQuery, "&")
		out := pairs[:0]
		for _, kv := range pairs {
			name, value, hasValue := strings.Cut(kv, "=")
			if n, err := url.QueryUnescape(name); err == nil && Secret(n) {
				changed = true
				if replace == nil {
					continue
				}
				if hasValue {
					if v, err := url.QueryUnescape(value); err == nil {
						value = v
					}
					kv = name + "=" + url.QueryEscape(replace(value))
				}
			}
			out = append(out, kv)
		}
		p.RawQuery = strings.Join(out, "&")
		if p.RawQuery == "" {
			p.ForceQuery = false
		}
	}
	if !changed {
		return u
	}
	return p.String()
}

// Secret reports whether a query parameter of that name holds a
// credential: a key, a token, a password, a secret or a signature.
func Secret(name string) bool {
	n := strings.ToLower(name)
	n = strings.NewReplacer("-", "", "_", "", ".", "").Replace(n)
	switch n {
	case "key", "auth", "pass", "pwd", "sig", "sid", "session", "authorization":
		return true
	}
	for _, part := range []string{"token", "secret", "password", "passwd", "apikey", "accesskey", "privatekey", "signature", "sessionid", "credential"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return strings.HasSuffix(n, "key")
}

// unparsed hides what may be secret in a URL that does not parse (a
// password with a bare "%" or "/" in it): whatever lies between "://" and
// the last "@", and the whole query. replace, when not nil, is given the
// hidden text.
func unparsed(u string, replace func(string) string) string {
	hide := func(s string) string {
		if replace == nil {
			return ""
		}
		return replace(s)
	}
	out := u
	if before, query, ok := strings.Cut(out, "?"); ok {
		out = before
		if q := hide(query); q != "" {
			out += "?" + q
		}
	}
	if scheme, rest, ok := strings.Cut(out, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if user := hide(rest[:at]); user != "" {
				rest = user + "@" + rest[at+1:]
			} else {
				rest = rest[at+1:]
			}
			out = scheme + "://" + rest
		}
	}
	return out
}

// userInfo finds the user info of the URLs in a text.
var userInfo = regexp.MustCompile(`(?i)(\bhttps?://)[^\s/?#@]*@`)

// PublicText is text (an error message) with the user info of every URL
// in it removed, as Public removes it from one URL: error messages mask a
// password and keys already (Redacted), but name the user.
func PublicText(text string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	return userInfo.ReplaceAllString(text, "$1")
}
