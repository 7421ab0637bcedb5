package server

import (
	"fmt"
	"net/http"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// uiLanguages are the interface languages, the default first: a request that
// asks for neither gets Vietnamese.
var uiLanguages = []language.Tag{language.Vietnamese, language.English}

var uiMatcher = language.NewMatcher(uiLanguages)

// pickLanguage chooses the interface language of a page: ?lang=vi|en when
// given (explicit is then true, and links carry it on), else the best match
// for Accept-Language, else Vietnamese.
func pickLanguage(r *http.Request) (lang string, explicit bool) {
	switch q := r.URL.Query().Get("lang"); q {
	case "vi", "en":
		return q, true
	}
	_, i := language.MatchStrings(uiMatcher, r.Header.Get("Accept-Language"))
	base, _ := uiLanguages[i].Base()
	return base.String(), false
}

// messages holds the interface text of one language.
type messages struct {
	AllStories     string
	Tagline        string
	Categories     string
	SwitchLanguage string // the name of the other language, in that language
	SwitchTo       string // the other language's code
	StoryLanguage  string
	AnyLanguage    string
	ShowImages     string
	HideImages     string
	ImagesNote     string
	FirstPublished string
	Outlets        string
	NoStories      string
	Older          string
	Newest         string
	Subscribe      string
	SubscribeJump  string
	SubscribeHelp  string
	SubscribeHow   string
	AllFeedsOPML   string
	Copy           string
	Copied         string
	Status         string
	SourcesOPML    string
	Skip           string
	Pages          string

	justNow, minuteAgo, minutesAgo, hourAgo, hoursAgo, yesterday string
	sameYear, otherYear                                          string // time layouts
}

var catalog = map[string]*messages{
	"vi": {
		AllStories:     "Tất cả tin",
		Tagline:        "Tin của báo chí địa phương và trung ương, mỗi tin một lần, ghi rõ báo nào đăng.",
		Categories:     "Chuyên mục",
		SwitchLanguage: "English",
		SwitchTo:       "en",
		StoryLanguage:  "Ngôn ngữ của tin",
		AnyLanguage:    "Mọi ngôn ngữ",
		ShowImages:     "Hiện ảnh",
		HideImages:     "Ẩn ảnh",
		ImagesNote:     "ảnh tải từ trang của các báo",
		FirstPublished: "đăng đầu tiên",
		Outlets:        "Báo đăng tin",
		NoStories:      "Chưa có tin nào ở đây.",
		Older:          "Tin cũ hơn →",
		Newest:         "← Tin mới nhất",
		Subscribe:      "Theo dõi mục này",
		SubscribeJump:  "Theo dõi (RSS)",
		SubscribeHelp: "Không cần mở trang này mỗi ngày: trình đọc tin (feed reader) như Thunderbird, NetNewsWire, " +
			"Feedly hay Miniflux tự lấy tin mới về cho bạn.",
		SubscribeHow: "Chép một địa chỉ dưới đây rồi dán vào mục “thêm nguồn” (Subscribe, Add feed) của trình đọc. " +
			"Ba định dạng cùng nội dung; RSS hợp với hầu hết trình đọc.",
		AllFeedsOPML: "Mọi chuyên mục một lần (tệp OPML để nhập vào trình đọc)",
		Copy:         "Chép",
		Copied:       "Đã chép địa chỉ",
		Status:       "Trạng thái nguồn tin",
		SourcesOPML:  "Danh sách nguồn (OPML)",
		Skip:         "Tới danh sách tin",
		Pages:        "Trang",
		justNow:      "vừa xong",
		minuteAgo:    "1 phút trước",
		minutesAgo:   "%d phút trước",
		hourAgo:      "1 giờ trước",
		hoursAgo:     "%d giờ trước",
		yesterday:    "hôm qua 15:04",
		sameYear:     "15:04 2/1",
		otherYear:    "2/1/2006",
	},
	"en": {
		AllStories:     "All stories",
		Tagline:        "News from provincial and central outlets, each story once, crediting every outlet that carried it.",
		Categories:     "Sections",
		SwitchLanguage: "Tiếng Việt",
		SwitchTo:       "vi",
		StoryLanguage:  "Story language",
		AnyLanguage:    "Any language",
		ShowImages:     "Show images",
		HideImages:     "Hide images",
		ImagesNote:     "images load from the outlets' sites",
		FirstPublished: "first published",
		Outlets:        "Carried by",
		NoStories:      "No stories here yet.",
		Older:          "Older stories →",
		Newest:         "← Newest stories",
		Subscribe:      "Follow this section",
		SubscribeJump:  "Follow (RSS)",
		SubscribeHelp: "No need to open this page every day: a feed reader such as Thunderbird, NetNewsWire, " +
			"Feedly or Miniflux fetches new stories for you.",
		SubscribeHow: "Copy an address below and paste it where your reader says “Subscribe” or “Add feed”. " +
			"The three formats carry the same stories; RSS suits most readers.",
		AllFeedsOPML: "Every section at once (an OPML file to import into a reader)",
		Copy:         "Copy",
		Copied:       "Copied",
		Status:       "Source status",
		SourcesOPML:  "Sources (OPML)",
		Skip:         "Skip to stories",
		Pages:        "Pages",
		justNow:      "just now",
		minuteAgo:    "1 minute ago",
		minutesAgo:   "%d minutes ago",
		hourAgo:      "1 hour ago",
		hoursAgo:     "%d hours ago",
		yesterday:    "yesterday 15:04",
		sameYear:     "2 Jan 15:04",
		otherYear:    "2 Jan 2006",
	},
}

// when says how long ago t was, in the province's zone and in words: "2 giờ
// trước", "hôm qua 15:22", "15:22 3/11"; times ahead of now (a clock a little
// off) count as just now.
func (m *messages) when(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	t, now = t.In(hcm), now.In(hcm)
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case d < time.Minute:
		return m.justNow
	case d < 2*time.Minute:
		return m.minuteAgo
	case d < time.Hour:
		return fmt.Sprintf(m.minutesAgo, int(d/time.Minute))
	case d < 2*time.Hour:
		return m.hourAgo
	case ty == ny && tm == nm && td == nd:
		return fmt.Sprintf(m.hoursAgo, int(d/time.Hour))
	}
	if y, mo, dd := now.AddDate(0, 0, -1).Date(); ty == y && tm == mo && td == dd {
		return t.Format(m.yesterday)
	}
	if ty == ny {
		return t.Format(m.sameYear)
	}
	return t.Format(m.otherYear)
}

// languageName names a story language (a primary subtag) in the interface
// language, falling back to its own name and then to the code.
func languageName(code, ui string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	namer := display.Vietnamese.Languages()
	if ui == "en" {
		namer = display.English.Languages()
	}
	if n := namer.Name(tag); n != "" {
		return n
	}
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	return code
}
