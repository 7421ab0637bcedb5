package poll

import "newswire/internal/notice"

// The reasons the poller writes in a source's state, in English: why its
// next poll is when it is (IntervalReason), and the drop reason of an item
// that came back from this newswire (Dropped). They are the notice
// catalog's words, so that the status page finds their code and words them
// in its language (notice.Reason).
var (
	reasonConfig   = english(notice.IntervalConfig)
	reasonDefault  = english(notice.IntervalDefault)
	reasonAdaptive = english(notice.IntervalAdaptive)
	// hintCache and hintTTL: a wait the server asked for in its answer's
	// headers or in its feed.
	hintCache     = english(notice.IntervalCache)
	hintTTL       = english(notice.IntervalTTL)
	reasonCatchUp = english(notice.IntervalCatchUp) // more changes wait than one poll reads
	newURLReason  = english(notice.IntervalNewURL)  // due now: the config gave a new URL
	reasonGone    = english(notice.IntervalGone)
	// reasonEcho: an item that came back through another newswire, this
	// one having published it first.
	reasonEcho = english(notice.Echo)
)

// english is code with args in the words the state keeps.
func english(code string, args ...any) string { return notice.New(code, args...).Text("en") }

// isBackoff and isRetryAfter report whether an interval reason is a
// backoff's, or a wait a server's Retry-After asked for.
func isBackoff(reason string) bool    { return reasonIs(reason, notice.IntervalBackoff) }
func isRetryAfter(reason string) bool { return reasonIs(reason, notice.IntervalRetryAfter) }

func reasonIs(reason, code string) bool {
	n, ok := notice.Reason(reason)
	return ok && n.Code == code
}
