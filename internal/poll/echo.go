package poll

import (
	"net"
	"net/url"
	"strings"

	"newswire/feeds"
	"newswire/internal/config"
)

// Two newswires may poll each other: the province's polls the nation's
// feed of the province, and the nation's polls the province's. A story
// one of them published then comes back to it through the other, which
// credits it as the way the story came (a rel="via" link to its home page
// in Atom and RSS, a via of the source in newswire's JSON Feed). Stored,
// it would credit the other newswire with a copy it only echoed, reach
// partners once more as a story joined by another outlet, and come back
// as new after retention deleted it. The poller drops it instead.

// ownAddresses are the prefixes under which another newswire names this
// one: its base_url, and its listen address where that names a host (a
// newswire on the same network may poll it there). Each ends with "/", so
// that http://a.example:80801/ is not under http://a.example:8080.
func ownAddresses(cfg *config.Config) []string {
	var own []string
	add := func(raw string) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		p := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		for _, have := range own {
			if have == p {
				return
			}
		}
		own = append(own, p)
	}
	add(cfg.BaseURL)
	if host, _, err := net.SplitHostPort(cfg.Listen); err == nil && host != "" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
			add("http://" + cfg.Listen)
		}
	}
	return own
}

// echoed reports whether it came back through another newswire from one
// at own (ownAddresses): one of the ways it credits is under one of them.
func echoed(it *feeds.Item, own []string) bool {
	for _, v := range it.Via {
		v = lowerSchemeHost(v)
		for _, o := range own {
			if strings.HasPrefix(v, o) || v+"/" == o {
				return true
			}
		}
	}
	return false
}

// lowerSchemeHost is raw, an absolute URL, with its scheme and host in
// lower case, as ownAddresses writes them.
func lowerSchemeHost(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	host, path, _ := strings.Cut(rest, "/")
	out := strings.ToLower(scheme) + "://" + strings.ToLower(host)
	if path != "" || strings.Contains(rest, "/") {
		out += "/" + path
	}
	return out
}
