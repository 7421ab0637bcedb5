package server

import (
	"fmt"
	"regexp"
	"strings"
)

// urlInMessage matches the URLs an error message quotes.
var urlInMessage = regexp.MustCompile(`https?://[^\s"]*`)

// problemKind sorts a poll's error into what an admin needs to know, from
// its message and HTTP status: the poller keeps only the message.
func problemKind(msg string, status int) string {
	// A URL's words ("?box=timeout") say nothing of what went wrong.
	m := strings.ToLower(urlInMessage.ReplaceAllString(msg, "URL"))
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	if !strings.Contains(msg, fmt.Sprintf(": %d ", status)) {
		// The status of an earlier poll: this error came without a response.
		status = 0
	}
	switch {
	case status == 410:
		return "gone"
	case status == 429:
		return "rate-limited"
	case status == 404:
		return "not-found"
	case status == 401 || status == 403:
		return "forbidden"
	case status >= 500:
		return "server-error"
	case status >= 400:
		return "http-error"
	case has("storing ", "store:"):
		return "store"
	case has("selector"):
		return "selector"
	case has("not a feed", "web page"):
		return "not-a-feed"
	case has("feeds: parse"):
		// Before the network's words: a document cut short ends in the
		// parser's "unexpected EOF".
		return "malformed"
	case has("timeout", "deadline exceeded"):
		return "timeout"
	case has("no such host", "server misbehaving"):
		return "dns"
	case has("connection refused"):
		return "refused"
	case has("connection reset", "unexpected eof", "broken pipe"):
		return "connection-lost"
	case has("tls:", "x509:", "certificate"):
		return "tls"
	case has("body too large"):
		return "too-large"
	case has("redirects"):
		return "redirects"
	}
	return "other"
}

// humanBytes writes a size in KiB, MiB or GiB with one decimal.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, next := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, next
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
