package notice

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestEnglishAsBefore: the English of every notice is, to the byte, what the
// poller and the scraper wrote before their warnings had codes: tools read
// it in /api/status and the log.
func TestEnglishAsBefore(t *testing.T) {
	tests := []struct {
		n    Notice
		want string
	}{
		{New(Malformed, 2, 5), `the document is malformed: 2 of its items could not be read (the 5 read are stored); check the outlet's feed`},
		{New(Emptied, 12), `the feed had 12 items and now parses to none; check the outlet's feed`},
		{New(DatesUnreadable, 3, 50, "29 tháng 11, 2026 8 giờ"), `3 of 50 items have a date newswire cannot read ("29 tháng 11, 2026 8 giờ"): they are dated when first seen`},
		{New(DatesUnreadable, 1, 50, "hôm qua"), `1 of 50 items has a date newswire cannot read ("hôm qua"): it is dated when first seen`},
		{New(DatesFuture, 2, 50, "2026-12-03 08:00 +07:00"), `2 of 50 items are dated in the future ("2026-12-03 08:00 +07:00"): they are dated when first seen instead; check the outlet's time zone`},
		{New(Repeated, 2, 0, "tin-1", "tin-2"), `2 items repeat the guid (or link) of an earlier item of the same story ("tin-1", "tin-2"); only the first of each is stored`},
		{New(Repeated, 9, 2, "a", "b", "c"), `9 items repeat the guid (or link) of an earlier item of the same story ("a", "b", "c" and 2 more); only the first of each is stored`},
		{New(SharedGUID, 0, "g1", 2), `several stories share the guid "g1" (2 stories); each is known by its link instead`},
		{New(SharedLink, 1, "https://tin.example.vn/thoi-su", 3, "https://tin.example.vn/kinh-te", 2, "https://tin.example.vn/van-hoa", 2),
			`several stories share the link "https://tin.example.vn/thoi-su" (3 stories), "https://tin.example.vn/kinh-te" (2 stories), "https://tin.example.vn/van-hoa" (2 stories) and 1 more; each is known by its guid, else its headline, instead`},
		{New(UnreadHeld, 1, 4, 1, 3), `1 of the changes on a page of the source could not be read (the 4 read are stored): the page is read again at the next poll (reading 1 of 3) before they are skipped; check the source newswire or a proxy before it`},
		{New(UnreadSkipped, 1, 3, 4), `1 of the changes on a page of the source could not be read in 3 readings and are skipped (the 4 read are stored); check the source newswire or a proxy before it`},
		{New(SelectorTitle, 1, 6, "h3.card-title"), `1 of 6 items left out: title selector "h3.card-title" matched nothing or empty text in them`},
		{New(SelectorLink, 2, 6, "a.title"), `2 of 6 items left out: link selector "a.title" matched no usable href in them`},
		{New(SelectorDate, 1, 4, "td.ngay"), `1 of 4 items without a date: date selector "td.ngay" matched nothing in them`},
		{New(SelectorDateText, 2, 5, "span.date", "15:04, 02/01/2006", "hôm qua"), `2 of 5 items without a date: no date in the layout "15:04, 02/01/2006" in the text of date selector "span.date" (first: "hôm qua")`},
		{New(SelectorDateText, 2, 5, "span.date", "", "hôm qua"), `2 of 5 items without a date: no date in a known form (set date_layout) in the text of date selector "span.date" (first: "hôm qua")`},
		{New(SelectorSummary, "div.des"), `summary selector "div.des" matched nothing in any item`},
		{New(SelectorImage, "img.anh"), `image selector "img.anh" matched no image in any item`},
		{New(SelectorBody, "div.noi-dung", 2, 5, "http://tin.example.vn/a.html"), `body selector "div.noi-dung" matched nothing on 2 of 5 item pages (first: http://tin.example.vn/a.html)`},
		{New(DetailFailed, 1, "fetch: GET http://127.0.0.1:1/a.html: connection refused"), `1 item pages could not be fetched; they are tried again at the next change of the page (first: fetch: GET http://127.0.0.1:1/a.html: connection refused)`},
		{New(DetailPostponed, 6, 20), `6 item pages wait for the next change of the page (at most 20 fetched per poll)`},
		{New(IntervalRetryAfter, 429), `server: Retry-After on 429`},
		{New(IntervalBackoff, 1), `backoff: 1 failure`},
		{New(IntervalBackoff, 4), `backoff: 4 failures in a row`},
		{New(IntervalCache), `server: Cache-Control/Expires`},
		{New(Echo), `came back through this source from this newswire (base_url)`},
	}
	for _, tt := range tests {
		if got := tt.n.Text("en"); got != tt.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tt.n.Code, tt.n.Args, got, tt.want)
		}
	}
	if got, want := English([]Notice{New(Emptied, 3), New(SelectorImage, "img")}), `the feed had 3 items and now parses to none; check the outlet's feed; image selector "img" matched no image in any item`; got != want {
		t.Errorf("English = %q, want %q", got, want)
	}
}

// TestUpdatedDates: the notices of the items' updated dates say what
// became of them, in the singular and the plural.
func TestUpdatedDates(t *testing.T) {
	tests := []struct {
		n      Notice
		en, vi string
	}{
		{New(UpdatedUnreadable, 1, 50, "thứ Hai, 31/13/2026"),
			`1 of 50 items has an updated date newswire cannot read ("thứ Hai, 31/13/2026"): it is dated by its publication date alone`,
			"1 trong số 50 tin có ngày cập nhật mà newswire không đọc được (“thứ Hai, 31/13/2026”): tin này lấy ngày đăng làm ngày cập nhật"},
		{New(UpdatedUnreadable, 2, 50, "hôm kia"),
			`2 of 50 items have an updated date newswire cannot read ("hôm kia"): they are dated by their publication dates alone`,
			"2 trong số 50 tin có ngày cập nhật mà newswire không đọc được (“hôm kia”): các tin này lấy ngày đăng làm ngày cập nhật"},
		{New(UpdatedFuture, 3, 50, "2099-06-01T08:00:00+07:00"),
			`3 of 50 items have an updated date in the future ("2099-06-01T08:00:00+07:00"): they are taken as updated when first seen instead; check the outlet's time zone`,
			"3 trong số 50 tin ghi ngày cập nhật ở tương lai (“2099-06-01T08:00:00+07:00”): các tin này lấy lúc newswire thấy lần đầu làm ngày cập nhật; hãy kiểm tra múi giờ của báo"},
	}
	for _, tt := range tests {
		if got := tt.n.Text("en"); got != tt.en {
			t.Errorf("%s %q:\n got %s\nwant %s", tt.n.Code, tt.n.Args, got, tt.en)
		}
		if got := tt.n.Text("vi"); got != tt.vi {
			t.Errorf("%s %q in Vietnamese:\n got %s\nwant %s", tt.n.Code, tt.n.Args, got, tt.vi)
		}
	}
}

// TestVietnamese: every code has its own Vietnamese wording, which quotes
// the outlet's words as they are, and no missing argument makes it panic.
func TestVietnamese(t *testing.T) {
	for _, code := range slices.Sorted(maps.Keys(wordings)) {
		n := New(code, 3, 7, "Ngày “lạ”", "", "x")
		vi, en := n.Text("vi"), n.Text("en")
		if vi == "" || vi == en {
			t.Errorf("%s: Vietnamese %q, English %q", code, vi, en)
		}
		_ = New(code).Text("vi") // no arguments: a notice of another build
	}
	if got, want := New(DatesUnreadable, 3, 50, "29 tháng 11, 2026 8 giờ").Text("vi"),
		"3 trong số 50 tin có ngày đăng mà newswire không đọc được (“29 tháng 11, 2026 8 giờ”): các tin này lấy lúc newswire thấy lần đầu làm ngày đăng"; got != want {
		t.Errorf("dates:\n got %s\nwant %s", got, want)
	}
	if got := New("later-code", "a").Text("vi"); got != "later-code a" || New("later-code").Known() {
		t.Errorf("a code this build does not know: %q", got)
	}
}

// TestReasonReadsBack: every interval reason, as the poller writes it in
// English, is read back as the notice it words.
func TestReasonReadsBack(t *testing.T) {
	for _, code := range slices.Sorted(maps.Keys(wordings)) {
		var reasons []Notice
		switch {
		case code == IntervalRetryAfter:
			reasons = []Notice{New(code, 429), New(code, 503)}
		case code == IntervalBackoff:
			reasons = []Notice{New(code, 1), New(code, 5)}
		case strings.HasPrefix(code, "interval-"):
			reasons = []Notice{New(code)}
		}
		for _, n := range reasons {
			got, ok := Reason(n.Text("en"))
			if !ok || !Equal([]Notice{got}, []Notice{n}) {
				t.Errorf("%q read back as %+v, %v; want %+v", n.Text("en"), got, ok, n)
			}
		}
	}
	if _, ok := Reason("something else"); ok {
		t.Error("an unknown reason was read")
	}
}
