package server

import (
	"fmt"
	"regexp"
	"strings"
	"time"
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

// plainProblem says what a kind of problem means, in Vietnamese, for the
// admin reading the status page; the exact error stays beside it.
func plainProblem(kind string, status int) string {
	switch kind {
	case "gone":
		return "Nguồn đã ngừng (410 Gone): không lấy tin nữa cho đến khi url trong config.yaml được sửa."
	case "rate-limited":
		return "Máy chủ của báo yêu cầu lấy tin thưa hơn (429): sẽ thử lại đúng lúc họ hẹn."
	case "not-found":
		return "Không còn feed ở địa chỉ này (404): hãy kiểm tra url."
	case "forbidden":
		return fmt.Sprintf("Máy chủ của báo không cho lấy tin (HTTP %d).", status)
	case "server-error":
		return fmt.Sprintf("Máy chủ của báo đang gặp sự cố (HTTP %d): sẽ thử lại sau.", status)
	case "http-error":
		return fmt.Sprintf("Máy chủ của báo trả lời lỗi HTTP %d.", status)
	case "store":
		return "Không ghi được vào kho tin (đĩa đầy hoặc hết hạn mức?): sẽ thử lại ở lần lấy sau."
	case "timeout":
		return "Máy chủ của báo không trả lời kịp (quá thời gian chờ)."
	case "dns":
		return "Không tìm thấy tên miền của báo (DNS)."
	case "refused":
		return "Máy chủ của báo từ chối kết nối."
	case "connection-lost":
		return "Kết nối bị ngắt giữa chừng."
	case "tls":
		return "Chứng chỉ bảo mật HTTPS của báo có vấn đề."
	case "too-large":
		return "Tài liệu feed lớn hơn giới hạn poll.max_body_bytes."
	case "redirects":
		return "Địa chỉ chuyển hướng quá nhiều lần."
	case "selector":
		return "Bộ chọn CSS không còn khớp với trang của báo: có lẽ trang đã đổi giao diện."
	case "not-a-feed":
		return "Địa chỉ không trả về một feed đọc được."
	case "malformed":
		return "Feed sai định dạng, không đọc được."
	}
	return "Lỗi khác: xem chi tiết."
}

// humanDuration writes d the way people say it, in Vietnamese: "3 ngày",
// "5 giờ", "40 phút".
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d ngày", int(d.Round(24*time.Hour)/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d giờ", int(d.Round(time.Hour)/time.Hour))
	case d >= time.Minute:
		return fmt.Sprintf("%d phút", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%d giây", int(d.Round(time.Second)/time.Second))
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
