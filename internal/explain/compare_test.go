package explain

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/story"
	"newswire/store"
)

// TestCompare: for two stories kept apart, Compare names what kept them
// apart: a guard of the confirmation, an outlet that carried both, no band
// key in common, joining turned off; and it says when two are one.
func TestCompare(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC)
	crash := "Vụ va chạm giữa xe khách và xe tải xảy ra lúc 5 giờ sáng trên Quốc lộ 2, đoạn qua xã Đạo Đức, huyện Vị Xuyên. " +
		"Lực lượng cứu hộ đã đưa những người bị thương đến bệnh viện đa khoa tỉnh. Cơ quan công an đang điều tra nguyên nhân, " +
		"đoạn đường bị ùn tắc khoảng hai giờ trước khi thông xe trở lại."
	var stored uint64 // a fresh store numbers its stories from 1
	put := func(source, slug, title, text string, minutes int) uint64 {
		t.Helper()
		link := "https://" + source + ".example/" + slug
		pub := at.Add(time.Duration(minutes) * time.Minute)
		in := store.Incoming{
			Item: feeds.Item{GUID: link, Link: link, Title: title, Summary: text, Published: pub},
			Key:  story.CanonicalLink(link), Categories: []string{"thoi-su"},
			Doc: story.NewDoc(story.Input{Title: title, Text: text, Published: pub}),
		}
		res, err := st.Apply(source, []store.Incoming{in}, pub)
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 1 {
			t.Fatalf("%s/%s: %+v, want one new story", source, slug, res)
		}
		stored++
		return stored
	}
	two := put("vov", "tai-nan-ql2", "Tai nạn trên Quốc lộ 2 qua Hà Giang, 2 người tử vong", "Hai người tử vong. "+crash, 0)
	four := put("ttxvn", "tai-nan-ql2", "Tai nạn trên Quốc lộ 2 qua Hà Giang, 4 người tử vong", "Bốn người tử vong. "+crash, 20)
	again := put("vov", "tai-nan-ql2-cap-nhat", "Cập nhật: tai nạn trên Quốc lộ 2 qua Hà Giang, 2 người tử vong", "Hai người tử vong. "+crash, 40)
	festival := put("baohagiang", "le-hoi-tam-giac-mach", "Khai mạc lễ hội hoa tam giác mạch trên cao nguyên đá",
		"Lễ hội năm nay kéo dài mười ngày với chợ phiên, thi làm bánh và đêm văn nghệ của đồng bào Mông ở Đồng Văn, Mèo Vạc và Yên Minh.", 60)

	id := Identity{Window: 72 * time.Hour, Joins: func(source string) bool { return source != "baohagiang" }}
	compare := func(a, b uint64) string {
		t.Helper()
		var out strings.Builder
		if err := Compare(&out, st, a, b, id); err != nil {
			t.Fatalf("compare %d %d: %v", a, b, err)
		}
		return out.String()
	}
	for _, tt := range []struct {
		name string
		a, b uint64
		want []string
	}{
		{"a guard failed", four, two, []string{
			"why story 2 was not joined to story 1:",
			"of story 2's 28 band keys are story 1's too",
			"confirmation of ttxvn's text against story 1's: different stories",
			"FAILED",
		}},
		{"one outlet", two, again, []string{"vov carried both: an outlet's two items are never one story by their text"}},
		{"nothing in common", festival, two, []string{
			"the candidate search cannot find story 1 from story 4's text: none of its",
			"joining by text is off for baohagiang",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := compare(tt.a, tt.b)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("want %q in:\n%s", w, out)
				}
			}
		})
	}
	if err := Compare(&strings.Builder{}, st, two, two, id); !errors.Is(err, ErrSameStory) {
		t.Errorf("a story with itself: %v, want ErrSameStory", err)
	}
	for _, pair := range [][2]uint64{{two, 99}, {99, two}} {
		if err := Compare(&strings.Builder{}, st, pair[0], pair[1], id); !errors.Is(err, ErrNoStory) || !strings.HasSuffix(err.Error(), ": 99") {
			t.Errorf("%d with %d: %v, want ErrNoStory naming 99 alone", pair[0], pair[1], err)
		}
	}
}
