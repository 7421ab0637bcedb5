package server

import (
	"fmt"
	"time"
)

// statusWords are the words of the status page in one language. A field
// with verbs is a format for fmt (printf in the template).
type statusWords struct {
	// Title, SwitchLanguage (the other language's name, in it) and
	// SwitchTo (its code) are the front page's (init).
	Title, SwitchLanguage, SwitchTo string
	Stories                         string // %d: stories in the store
	Store, InUse                    string // %s: a size
	Updated                         string // %s: a date
	StoreHeading                    string
	Retention                       string // removed, runs, the last run, removed by it, tombstones
	Config                          string
	LastReload                      string
	At                              string // %s: a date
	Succeeded                       string
	Refused                         string
	RunningStays                    string
	Sources                         string
	ColSource                       string
	ColState                        string
	ColPolls                        string
	ColItems                        string
	ColError                        string
	Moved                           string
	Discovered                      string
	FixURL                          string
	Failure                         string // the first in a row
	Failures                        string // %d in a row
	FailingSince                    string // %s: a date
	LastPoll                        string // %s: a date
	NeverPolled                     string
	NextPoll                        string // %s: a date
	Every                           string // %s: a duration
	Cursor                          string
	WebSubVerified                  string // %s: when the lease ends
	WebSubLastPush                  string // %s: a date
	WebSubIgnored                   string // %d pushes
	WebSubFailed                    string
	WebSubPending                   string
	WebSubDenied                    string // %s: the hub's reason
	Counts                          string // %d in 24 h, %d in 7 days
	LastDocument                    string // %d items, %d new
	DroppedBy                       string // %d items, %s: the filter
	Details                         string
	Categories                      string
	ColCategory                     string
	ColStories                      string
	Partners                        string
	ColPartner                      string
	ColPulls                        string
	ColLastPull                     string

	states   map[string]string // the states' labels
	quiet    string            // %s: how long quiet, %s: the usual gap
	problems map[string]string // plainProblem's sentences; %d: the HTTP status where there is one
	other    string            // a problem of no known kind
	// A duration's units: days, hours, minutes, seconds, each as one
	// and as several.
	units [4][2]string
}

var statusCatalog = map[string]*statusWords{
	"vi": {
		Stories:        "%d tin trong kho",
		Store:          "kho %s",
		InUse:          "dùng %s",
		Updated:        "cập nhật %s",
		StoreHeading:   "Kho tin",
		Retention:      "Lưu trữ: đã xoá %d tin cũ qua %d lần dọn, lần cuối %s (%d tin); giữ %d dấu tin đã xoá để không lấy lại.",
		Config:         "Cấu hình",
		LastReload:     "Lần nạp cấu hình gần nhất",
		At:             "lúc %s",
		Succeeded:      "thành công",
		Refused:        "bị từ chối",
		RunningStays:   "cấu hình đang chạy vẫn giữ nguyên.",
		Sources:        "Nguồn",
		ColSource:      "Nguồn",
		ColState:       "Trạng thái",
		ColPolls:       "Lấy tin",
		ColItems:       "Số tin",
		ColError:       "Lỗi",
		Moved:          "Đã chuyển địa chỉ (301/308)",
		Discovered:     "Tìm thấy feed trên trang",
		FixURL:         "hãy sửa url trong config.yaml",
		Failure:        "1 lần lỗi",
		Failures:       "%d lần lỗi liên tiếp",
		FailingSince:   "lỗi từ %s",
		LastPoll:       "lần cuối %s",
		NeverPolled:    "chưa lấy lần nào",
		NextPoll:       "lần tới %s",
		Every:          "mỗi %s",
		Cursor:         "nguồn newswire: lấy các thay đổi sau",
		WebSubVerified: "WebSub: hub đẩy tin, hạn đến %s",
		WebSubLastPush: ", lần đẩy cuối %s",
		WebSubIgnored:  ", bỏ qua %d lần đẩy sai chữ ký",
		WebSubFailed:   "WebSub: chưa đăng ký được với hub",
		WebSubPending:  "WebSub: đang chờ hub xác nhận",
		WebSubDenied:   "WebSub: hub từ chối đăng ký; hub ghi: “%s”",
		Counts:         "%d / 24 giờ · %d / 7 ngày",
		LastDocument:   "lần cuối: %d tin, %d mới",
		DroppedBy:      "bỏ %d: %s",
		Details:        "Chi tiết",
		Categories:     "Chuyên mục",
		ColCategory:    "Chuyên mục",
		ColStories:     "Số tin",
		Partners:       "Đối tác",
		ColPartner:     "Đối tác",
		ColPulls:       "Số lần lấy tin",
		ColLastPull:    "Lần lấy cuối",
		states: map[string]string{
			"failing":      "Đang lỗi",
			"gone":         "Đã ngừng (410)",
			"warning":      "Cảnh báo",
			"redirected":   "Đã chuyển địa chỉ",
			"waiting":      "Chờ lần lấy đầu",
			"ok":           "Bình thường",
			"not-modified": "Không có gì mới",
			"disabled":     "Tắt",
		},
		quiet: "Không có tin mới đã %s, trong khi nguồn này thường cứ %s có một tin.",
		problems: map[string]string{
			"gone":            "Nguồn đã ngừng (410 Gone): không lấy tin nữa cho đến khi url trong config.yaml được sửa.",
			"rate-limited":    "Máy chủ của báo yêu cầu lấy tin thưa hơn (429): sẽ thử lại đúng lúc họ hẹn.",
			"not-found":       "Không còn feed ở địa chỉ này (404): hãy kiểm tra url.",
			"forbidden":       "Máy chủ của báo không cho lấy tin (HTTP %d).",
			"server-error":    "Máy chủ của báo đang gặp sự cố (HTTP %d): sẽ thử lại sau.",
			"http-error":      "Máy chủ của báo trả lời lỗi HTTP %d.",
			"store":           "Không ghi được vào kho tin (đĩa đầy hoặc hết hạn mức?): sẽ thử lại ở lần lấy sau.",
			"timeout":         "Máy chủ của báo không trả lời kịp (quá thời gian chờ).",
			"dns":             "Không tìm thấy tên miền của báo (DNS).",
			"refused":         "Máy chủ của báo từ chối kết nối.",
			"connection-lost": "Kết nối bị ngắt giữa chừng.",
			"tls":             "Chứng chỉ bảo mật HTTPS của báo có vấn đề.",
			"too-large":       "Tài liệu feed lớn hơn giới hạn poll.max_body_bytes.",
			"redirects":       "Địa chỉ chuyển hướng quá nhiều lần.",
			"selector":        "Bộ chọn CSS không còn khớp với trang của báo: có lẽ trang đã đổi giao diện.",
			"not-a-feed":      "Địa chỉ không trả về một feed đọc được.",
			"malformed":       "Feed sai định dạng, không đọc được.",
		},
		other: "Lỗi khác: xem chi tiết.",
		units: [4][2]string{{"ngày", "ngày"}, {"giờ", "giờ"}, {"phút", "phút"}, {"giây", "giây"}},
	},
	"en": {
		Stories:        "stories in the store: %d",
		Store:          "store %s",
		InUse:          "%s in use",
		Updated:        "updated %s",
		StoreHeading:   "Store",
		Retention:      "Retention: %d old stories deleted over %d runs, the last %s (%d stories); %d marks of deleted stories kept so that they are not taken again.",
		Config:         "Config",
		LastReload:     "Last config reload",
		At:             "at %s",
		Succeeded:      "succeeded",
		Refused:        "refused",
		RunningStays:   "the running config stays.",
		Sources:        "Sources",
		ColSource:      "Source",
		ColState:       "State",
		ColPolls:       "Polls",
		ColItems:       "Items",
		ColError:       "Error",
		Moved:          "Moved (301/308)",
		Discovered:     "Feed found on the page",
		FixURL:         "put it in config.yaml",
		Failure:        "1 failure",
		Failures:       "%d failures in a row",
		FailingSince:   "failing since %s",
		LastPoll:       "last %s",
		NeverPolled:    "not polled yet",
		NextPoll:       "next %s",
		Every:          "every %s",
		Cursor:         "newswire source: the changes after",
		WebSubVerified: "WebSub: the hub pushes, lease ends %s",
		WebSubLastPush: ", last push %s",
		WebSubIgnored:  ", %d pushes ignored for their signature",
		WebSubFailed:   "WebSub: the hub could not be subscribed to",
		WebSubPending:  "WebSub: waiting for the hub to verify",
		WebSubDenied:   "WebSub: the hub denied the subscription; the hub says: “%s”",
		Counts:         "%d / 24 h · %d / 7 days",
		LastDocument:   "in the last document: %d, new %d",
		DroppedBy:      "dropped %d: %s",
		Details:        "Details",
		Categories:     "Categories",
		ColCategory:    "Category",
		ColStories:     "Stories",
		Partners:       "Partners",
		ColPartner:     "Partner",
		ColPulls:       "Pulls",
		ColLastPull:    "Last pull",
		states: map[string]string{
			"failing":      "Failing",
			"gone":         "Gone (410)",
			"warning":      "Warning",
			"redirected":   "Moved",
			"waiting":      "Not polled yet",
			"ok":           "OK",
			"not-modified": "Nothing new",
			"disabled":     "Disabled",
		},
		quiet: "No new story for %s, where this source usually has one every %s.",
		problems: map[string]string{
			"gone":            "The source is gone (410 Gone): it is not polled until its url in config.yaml is changed.",
			"rate-limited":    "The outlet's server asks to be polled less often (429): it is asked again when it said.",
			"not-found":       "No feed at this address any more (404): check the url.",
			"forbidden":       "The outlet's server refuses the poll (HTTP %d).",
			"server-error":    "The outlet's server is failing (HTTP %d): it is tried again later.",
			"http-error":      "The outlet's server answered HTTP %d.",
			"store":           "The store could not be written (disk full, or over quota?): tried again at the next poll.",
			"timeout":         "The outlet's server did not answer in time.",
			"dns":             "The outlet's domain name was not found (DNS).",
			"refused":         "The outlet's server refused the connection.",
			"connection-lost": "The connection broke off midway.",
			"tls":             "The outlet's HTTPS certificate has a problem.",
			"too-large":       "The feed document is larger than poll.max_body_bytes.",
			"redirects":       "The address redirects too many times.",
			"selector":        "A CSS selector no longer matches the outlet's page: its layout may have changed.",
			"not-a-feed":      "The address gives no feed that can be read.",
			"malformed":       "The feed is malformed and cannot be read.",
		},
		other: "Another error: see the details.",
		units: [4][2]string{{"day", "days"}, {"hour", "hours"}, {"minute", "minutes"}, {"second", "seconds"}},
	},
}

// The status page's title and language switch are the front page's words
// for it, in the same language.
func init() {
	for lang, w := range statusCatalog {
		m := catalog[lang]
		w.Title, w.SwitchLanguage, w.SwitchTo = m.Status, m.SwitchLanguage, m.SwitchTo
	}
}

// wordsFor is the status page's words in lang, Vietnamese unless "en".
func wordsFor(lang string) *statusWords {
	if w, ok := statusCatalog[lang]; ok {
		return w
	}
	return statusCatalog["vi"]
}

// plainProblem says what a kind of problem means, in the page's words, for
// the admin reading the status page; the exact error stays beside it.
func (w *statusWords) plainProblem(kind string, status int) string {
	p, ok := w.problems[kind]
	if !ok {
		return w.other
	}
	switch kind {
	case "forbidden", "server-error", "http-error":
		return fmt.Sprintf(p, status)
	}
	return p
}

// duration writes d the way people say it: "3 ngày", "5 hours", "40 phút".
func (w *statusWords) duration(d time.Duration) string {
	var n, unit int
	switch {
	case d >= 48*time.Hour:
		n, unit = int(d.Round(24*time.Hour)/(24*time.Hour)), 0
	case d >= 2*time.Hour:
		n, unit = int(d.Round(time.Hour)/time.Hour), 1
	case d >= time.Minute:
		n, unit = int(d.Round(time.Minute)/time.Minute), 2
	default:
		n, unit = int(d.Round(time.Second)/time.Second), 3
	}
	if n == 1 {
		return fmt.Sprintf("%d %s", n, w.units[unit][0])
	}
	return fmt.Sprintf("%d %s", n, w.units[unit][1])
}
