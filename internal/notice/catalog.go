package notice

import (
	"fmt"
	"strings"
	"sync"
)

// The warnings of a poll: what the document fetched says of itself.
const (
	// Malformed: Args unread, read: items the parser could not read, and
	// those it read, which are stored.
	Malformed = "malformed"
	// Emptied: Args had: the items the feed had before it parsed to none.
	Emptied = "emptied"
	// Shrunk: Args items, had: an html source's page gives items where it
	// gave had, a third or less of them.
	Shrunk = "shrunk"
	// DatesUnreadable and DatesFuture: Args items, of, example: how many
	// items of the document's of have a date newswire cannot read (or
	// one in the future), and the first as the outlet wrote it.
	DatesUnreadable = "dates-unreadable"
	DatesFuture     = "dates-future"
	// UpdatedUnreadable and UpdatedFuture: Args items, of, example: the
	// same of the items' updated dates.
	UpdatedUnreadable = "updated-unreadable"
	UpdatedFuture     = "updated-future"
	// Repeated: Args items, more, then up to three guids or links: items
	// that repeat an earlier item of the same story, left out.
	Repeated = "repeated"
	// SharedGUID and SharedLink: Args more, then a guid (or link) and the
	// number of stories that share it, for up to three.
	SharedGUID = "shared-guid"
	SharedLink = "shared-link"
	// UnreadHeld: Args unread, read, reading, readings: changes of a
	// newswire source's page that could not be read, the page held to be
	// read again. UnreadSkipped: Args unread, readings, read: followed
	// past them at last.
	UnreadHeld    = "unread-held"
	UnreadSkipped = "unread-skipped"
)

// The warnings of a page scraped for a source of type html: selectors that
// failed for some items only, and item pages not read.
const (
	// SelectorTitle, SelectorLink, SelectorDate: Args items, of, selector.
	SelectorTitle = "selector-title"
	SelectorLink  = "selector-link"
	SelectorDate  = "selector-date"
	// SelectorDateText: Args items, of, selector, layout ("" for any
	// known form), the first text read.
	SelectorDateText = "selector-date-text"
	// SelectorSummary, SelectorImage: Args selector.
	SelectorSummary = "selector-summary"
	SelectorImage   = "selector-image"
	// SelectorBody: Args selector, pages missed, pages fetched, the first.
	SelectorBody = "selector-body"
	// DetailFailed: Args pages, the first error. DetailPostponed: Args
	// pages, the most fetched per poll.
	DetailFailed    = "detail-failed"
	DetailPostponed = "detail-postponed"
)

// Why a source's next poll is when it is (its interval reason).
const (
	IntervalConfig   = "interval-config"
	IntervalDefault  = "interval-default"
	IntervalAdaptive = "interval-adaptive"
	IntervalCache    = "interval-cache"
	IntervalTTL      = "interval-ttl"
	// IntervalRetryAfter: Args the HTTP status that carried it.
	IntervalRetryAfter = "interval-retry-after"
	// IntervalBackoff: Args the failures in a row.
	IntervalBackoff  = "interval-backoff"
	IntervalCatchUp  = "interval-catch-up"
	IntervalNewURL   = "interval-new-url"
	IntervalGone     = "interval-gone"
	IntervalDisabled = "interval-disabled"
)

// Echo is why an item was dropped that came back from this newswire
// through another that polls it.
const Echo = "echo"

type wording struct{ en, vi func(args) string }

// wordings word every code. The English is, to the byte, what the poller
// has always written: tools read it in /api/status and the log.
var wordings = map[string]wording{
	Malformed: {
		en: func(a args) string {
			return fmt.Sprintf("the document is malformed: %d of its items could not be read (the %d read are stored); check the outlet's feed", a.n(0), a.n(1))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Feed sai định dạng: %d tin không đọc được (đã lưu %d tin đọc được); hãy kiểm tra feed của báo", a.n(0), a.n(1))
		},
	},
	Emptied: {
		en: func(a args) string {
			return fmt.Sprintf("the feed had %d items and now parses to none; check the outlet's feed", a.n(0))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Feed từng có %d tin, nay không đọc ra tin nào; hãy kiểm tra feed của báo", a.n(0))
		},
	},
	Shrunk: {
		en: func(a args) string {
			return fmt.Sprintf("the page gives %d items where it gave %d: its layout may have changed and the item selector match only part of the list now; check the page, or run newswire probe on it", a.n(0), a.n(1))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Trang chỉ còn đọc ra %d tin, trước đây là %d: có thể giao diện trang đã đổi và bộ chọn tin chỉ còn khớp một phần danh sách; hãy kiểm tra trang, hoặc chạy newswire probe với trang này", a.n(0), a.n(1))
		},
	},
	DatesUnreadable: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items %s a date newswire cannot read (%s): %s dated when first seen",
				a.n(0), a.n(1), plural(a.n(0), "has", "have"), a.q(2), plural(a.n(0), "it is", "they are"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d trong số %d tin có ngày đăng mà newswire không đọc được (%s): %s lấy lúc newswire thấy lần đầu làm ngày đăng",
				a.n(0), a.n(1), a.vq(2), plural(a.n(0), "tin này", "các tin này"))
		},
	},
	DatesFuture: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items %s dated in the future (%s): %s dated when first seen instead; check the outlet's time zone",
				a.n(0), a.n(1), plural(a.n(0), "is", "are"), a.q(2), plural(a.n(0), "it is", "they are"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d trong số %d tin ghi ngày đăng ở tương lai (%s): %s lấy lúc newswire thấy lần đầu làm ngày đăng; hãy kiểm tra múi giờ của báo",
				a.n(0), a.n(1), a.vq(2), plural(a.n(0), "tin này", "các tin này"))
		},
	},
	UpdatedUnreadable: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items %s an updated date newswire cannot read (%s): %s dated by %s publication %s alone",
				a.n(0), a.n(1), plural(a.n(0), "has", "have"), a.q(2), plural(a.n(0), "it is", "they are"), plural(a.n(0), "its", "their"), plural(a.n(0), "date", "dates"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d trong số %d tin có ngày cập nhật mà newswire không đọc được (%s): %s lấy ngày đăng làm ngày cập nhật",
				a.n(0), a.n(1), a.vq(2), plural(a.n(0), "tin này", "các tin này"))
		},
	},
	UpdatedFuture: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items %s an updated date in the future (%s): %s taken as updated when first seen instead; check the outlet's time zone",
				a.n(0), a.n(1), plural(a.n(0), "has", "have"), a.q(2), plural(a.n(0), "it is", "they are"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d trong số %d tin ghi ngày cập nhật ở tương lai (%s): %s lấy lúc newswire thấy lần đầu làm ngày cập nhật; hãy kiểm tra múi giờ của báo",
				a.n(0), a.n(1), a.vq(2), plural(a.n(0), "tin này", "các tin này"))
		},
	},
	Repeated: {
		en: func(a args) string {
			return fmt.Sprintf("%d items repeat the guid (or link) of an earlier item of the same story (%s); only the first of each is stored",
				a.n(0), listed(a[min(2, len(a)):], a.n(1), args.q, " and %d more"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d tin lặp lại guid (hoặc link) của một tin đứng trước cùng bài (%s); mỗi bài chỉ lưu tin đầu tiên",
				a.n(0), listed(a[min(2, len(a)):], a.n(1), args.vq, " và %d tin khác"))
		},
	},
	SharedGUID: {
		en: func(a args) string {
			return fmt.Sprintf("several stories share the guid %s; each is known by its link instead", sharers(a, "en", "guid"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Nhiều bài khác nhau dùng chung guid %s; mỗi bài được nhận biết bằng link của nó", sharers(a, "vi", "guid"))
		},
	},
	SharedLink: {
		en: func(a args) string {
			return fmt.Sprintf("several stories share the link %s; each is known by its guid, else its headline, instead", sharers(a, "en", "link"))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Nhiều bài khác nhau dùng chung link %s; mỗi bài được nhận biết bằng guid, nếu không có thì bằng tiêu đề", sharers(a, "vi", "link"))
		},
	},
	UnreadHeld: {
		en: func(a args) string {
			return fmt.Sprintf("%d of the changes on a page of the source could not be read (the %d read are stored): the page is read again at the next poll (reading %d of %d) before they are skipped; check the source newswire or a proxy before it",
				a.n(0), a.n(1), a.n(2), a.n(3))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d thay đổi trên một trang thay đổi của nguồn không đọc được (đã lưu %d thay đổi đọc được): trang này được đọc lại ở lần lấy sau (lần đọc %d trên %d) rồi mới bỏ qua chúng; hãy kiểm tra newswire nguồn hoặc proxy đứng trước nó",
				a.n(0), a.n(1), a.n(2), a.n(3))
		},
	},
	UnreadSkipped: {
		en: func(a args) string {
			return fmt.Sprintf("%d of the changes on a page of the source could not be read in %d readings and are skipped (the %d read are stored); check the source newswire or a proxy before it",
				a.n(0), a.n(1), a.n(2))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d thay đổi trên một trang thay đổi của nguồn vẫn không đọc được sau %d lần đọc nên bị bỏ qua (đã lưu %d thay đổi đọc được); hãy kiểm tra newswire nguồn hoặc proxy đứng trước nó",
				a.n(0), a.n(1), a.n(2))
		},
	},

	SelectorTitle: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items left out: title selector %s matched nothing or empty text in them", a.n(0), a.n(1), a.q(2))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Bỏ qua %d trong số %d tin: bộ chọn tiêu đề (title) %s không khớp phần tử nào, hoặc chỉ khớp chữ trống", a.n(0), a.n(1), a.vq(2))
		},
	},
	SelectorLink: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items left out: link selector %s matched no usable href in them", a.n(0), a.n(1), a.q(2))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Bỏ qua %d trong số %d tin: bộ chọn link %s không cho địa chỉ (href) nào dùng được", a.n(0), a.n(1), a.vq(2))
		},
	},
	SelectorDate: {
		en: func(a args) string {
			return fmt.Sprintf("%d of %d items without a date: date selector %s matched nothing in them", a.n(0), a.n(1), a.q(2))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d trong số %d tin không có ngày đăng: bộ chọn ngày (date) %s không khớp phần tử nào", a.n(0), a.n(1), a.vq(2))
		},
	},
	SelectorDateText: {
		en: func(a args) string {
			form := "in a known form (set date_layout)"
			if a.s(3) != "" {
				form = "in the layout " + a.q(3)
			}
			return fmt.Sprintf("%d of %d items without a date: no date %s in the text of date selector %s (first: %s)", a.n(0), a.n(1), form, a.q(2), a.q(4))
		},
		vi: func(a args) string {
			form := "không có ngày ở dạng nào newswire đọc được (hãy đặt date_layout)"
			if a.s(3) != "" {
				form = "không có ngày theo mẫu " + a.vq(3)
			}
			return fmt.Sprintf("%d trong số %d tin không có ngày đăng: chữ của bộ chọn ngày (date) %s %s (chữ đầu tiên: %s)", a.n(0), a.n(1), a.vq(2), form, a.vq(4))
		},
	},
	SelectorSummary: {
		en: func(a args) string { return fmt.Sprintf("summary selector %s matched nothing in any item", a.q(0)) },
		vi: func(a args) string {
			return fmt.Sprintf("Bộ chọn tóm tắt (summary) %s không khớp phần tử nào ở tin nào", a.vq(0))
		},
	},
	SelectorImage: {
		en: func(a args) string { return fmt.Sprintf("image selector %s matched no image in any item", a.q(0)) },
		vi: func(a args) string {
			return fmt.Sprintf("Bộ chọn ảnh (image) %s không tìm thấy ảnh ở tin nào", a.vq(0))
		},
	},
	SelectorBody: {
		en: func(a args) string {
			return fmt.Sprintf("body selector %s matched nothing on %d of %d item pages (first: %s)", a.q(0), a.n(1), a.n(2), a.s(3))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Bộ chọn nội dung (body) %s không khớp gì trên %d trong số %d trang bài (trang đầu tiên: %s)", a.vq(0), a.n(1), a.n(2), a.s(3))
		},
	},
	DetailFailed: {
		en: func(a args) string {
			return fmt.Sprintf("%d item pages could not be fetched; they are tried again at the next change of the page (first: %s)", a.n(0), a.s(1))
		},
		vi: func(a args) string {
			return fmt.Sprintf("Không tải được %d trang bài; sẽ tải lại khi trang danh sách thay đổi (lỗi đầu tiên: %s)", a.n(0), a.s(1))
		},
	},
	DetailPostponed: {
		en: func(a args) string {
			return fmt.Sprintf("%d item pages wait for the next change of the page (at most %d fetched per poll)", a.n(0), a.n(1))
		},
		vi: func(a args) string {
			return fmt.Sprintf("%d trang bài chờ lần trang danh sách thay đổi sau (mỗi lần lấy tin chỉ tải tối đa %d trang)", a.n(0), a.n(1))
		},
	},

	IntervalConfig:   fixed("config", "theo interval đặt cho nguồn trong config.yaml"),
	IntervalDefault:  fixed("default", "theo poll.interval mặc định"),
	IntervalAdaptive: fixed("adaptive", "theo nhịp đăng tin của nguồn"),
	IntervalCache:    fixed("server: Cache-Control/Expires", "máy chủ của báo yêu cầu qua Cache-Control/Expires"),
	IntervalTTL:      fixed("server: feed ttl", "feed của báo yêu cầu qua thẻ ttl"),
	IntervalRetryAfter: {
		en: func(a args) string { return "server: Retry-After on " + a.s(0) },
		vi: func(a args) string {
			return "máy chủ của báo hẹn lại: Retry-After trong câu trả lời HTTP " + a.s(0)
		},
	},
	IntervalBackoff: {
		en: func(a args) string {
			if a.n(0) == 1 {
				return "backoff: 1 failure"
			}
			return fmt.Sprintf("backoff: %d failures in a row", a.n(0))
		},
		vi: func(a args) string {
			if a.n(0) == 1 {
				return "lấy thưa dần sau 1 lần lỗi"
			}
			return fmt.Sprintf("lấy thưa dần sau %d lần lỗi liên tiếp", a.n(0))
		},
	},
	IntervalCatchUp:  fixed("catching up: more changes wait at the source", "đang lấy bù: nguồn còn thay đổi chưa lấy hết"),
	IntervalNewURL:   fixed("new url", "url mới trong config.yaml, lấy ngay"),
	IntervalGone:     fixed("stopped: 410 Gone", "đã dừng: 410 Gone"),
	IntervalDisabled: fixed("stopped: disabled in config.yaml", "đã dừng: nguồn bị tắt trong config.yaml"),

	Echo: fixed("came back through this source from this newswire (base_url)", "tin của chính newswire này, quay lại qua nguồn này (base_url)"),
}

// fixedReasons are the interval reasons without arguments, by their English
// words; made once.
var fixedReasons = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, code := range []string{IntervalConfig, IntervalDefault, IntervalAdaptive, IntervalCache, IntervalTTL,
		IntervalCatchUp, IntervalNewURL, IntervalGone, IntervalDisabled} {
		m[New(code).Text("en")] = code
	}
	return m
})

// fixed is the wording of a code without arguments.
func fixed(en, vi string) wording {
	return wording{en: func(args) string { return en }, vi: func(args) string { return vi }}
}

// listed writes items, each quoted by quote, separated by commas, and more
// (the items left out of them) in the form of andMore.
func listed(items args, more int, quote func(args, int) string, andMore string) string {
	var b strings.Builder
	for i := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(items, i))
	}
	if more > 0 {
		fmt.Fprintf(&b, andMore, more)
	}
	return b.String()
}

// sharers lists the guids or links several stories share, from a notice's
// arguments: how many more there are, then each with its number of stories.
func sharers(a args, lang, what string) string {
	pairs := a[min(1, len(a)):]
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		if lang == "vi" {
			fmt.Fprintf(&b, "%s (%d bài)", pairs.vq(i), pairs.n(i+1))
		} else {
			fmt.Fprintf(&b, "%s (%d stories)", pairs.q(i), pairs.n(i+1))
		}
	}
	if more := a.n(0); more > 0 {
		if lang == "vi" {
			fmt.Fprintf(&b, " và %d %s khác", more, what)
		} else {
			fmt.Fprintf(&b, " and %d more", more)
		}
	}
	return b.String()
}

// Reason is the notice an interval reason the poller wrote (in English, as
// IntervalReason in a source's state) stands for; ok is false for one this
// build does not know.
func Reason(reason string) (n Notice, ok bool) {
	if code, ok := fixedReasons()[reason]; ok {
		return New(code), true
	}
	if s, found := strings.CutPrefix(reason, "server: Retry-After on "); found {
		return New(IntervalRetryAfter, s), true
	}
	if reason == "backoff: 1 failure" {
		return New(IntervalBackoff, 1), true
	}
	var failures int
	if _, err := fmt.Sscanf(reason, "backoff: %d failures in a row", &failures); err == nil && New(IntervalBackoff, failures).Text("en") == reason {
		return New(IntervalBackoff, failures), true
	}
	return Notice{}, false
}
