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
			"confirmation of ttxvn's text (story 2) against vov's text (story 1), pairs read story 2 / story 1: different stories",
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
		if err := Compare(&strings.Builder{}, st, pair[0], pair[1], id); !errors.Is(err, ErrNoStory) || !strings.Contains(err.Error(), ": 99 (") || !strings.Contains(err.Error(), "retention") {
			t.Errorf("%d with %d: %v, want ErrNoStory naming 99 alone", pair[0], pair[1], err)
		}
	}
}

// outlets stores items in a fresh store, each from its own outlet, and
// numbers the stories they create from 1.
type outlets struct {
	t  *testing.T
	st *store.Store
	at time.Time
}

func newOutlets(t *testing.T) *outlets {
	st, err := store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &outlets{t: t, st: st, at: time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)}
}

// put stores source's item slug, published minutes after o.at, declared in
// language (none when empty), and returns what Apply did.
func (o *outlets) put(source, slug, title, text, language string, minutes int) store.Result {
	o.t.Helper()
	link := "https://" + source + ".example/" + slug
	pub := o.at.Add(time.Duration(minutes) * time.Minute)
	in := store.Incoming{
		Item: feeds.Item{GUID: link, Link: link, Title: title, Summary: text, Published: pub, Language: language},
		Key:  story.CanonicalLink(link), Categories: []string{"thoi-su"},
		Doc: story.NewDoc(story.Input{Title: title, Text: text, Published: pub, Language: language}),
	}
	res, err := o.st.Apply(source, []store.Incoming{in}, pub.Add(time.Minute))
	if err != nil {
		o.t.Fatal(err)
	}
	return res
}

func (o *outlets) compare(a, b uint64) string {
	o.t.Helper()
	var out strings.Builder
	if err := Compare(&out, o.st, a, b, Identity{Window: 72 * time.Hour}); err != nil {
		o.t.Fatalf("compare %d %d: %v", a, b, err)
	}
	return out.String()
}

const (
	slTitle2 = "Lào Cai: Sạt lở đất ở Bát Xát, 2 người mất tích"
	slText2  = "Mưa lớn suốt đêm gây sạt lở đất tại thôn Sàng Ma Sáo, huyện Bát Xát, vùi lấp hai ngôi nhà. 2 người mất tích, lực lượng cứu hộ đang tìm kiếm. Chính quyền xã đã di dời 12 hộ dân ở khu vực nguy hiểm đến nơi an toàn."
	slTitle3 = "Lào Cai: Sạt lở đất ở Bát Xát, 3 người mất tích"
	slText3  = "Mưa lớn suốt đêm gây sạt lở đất tại thôn Sàng Ma Sáo, huyện Bát Xát, vùi lấp hai ngôi nhà. 3 người mất tích, lực lượng cứu hộ đang tìm kiếm. Chính quyền xã đã di dời 12 hộ dân ở khu vực nguy hiểm đến nơi an toàn."
)

// TestCompareAfterCorrection: two stories kept apart by a death toll, until
// the first one's outlet corrects its item to the other's toll: the
// comparison says the correction is why nothing keeps them apart now.
func TestCompareAfterCorrection(t *testing.T) {
	o := newOutlets(t)
	o.put("baolaocai", "sat-lo", slTitle2, slText2, "vi", 0)
	if r := o.put("tintuc", "sat-lo-bat-xat", "Sạt lở ở Bát Xát, Lào Cai: 3 người mất tích", slText3, "vi", 60); r.New != 1 {
		t.Fatalf("the other toll: %+v, want a story of its own", r)
	}
	before := o.compare(2, 1)
	if !strings.Contains(before, "numbers FAILED") {
		t.Fatalf("before the correction:\n%s", before)
	}
	if r := o.put("baolaocai", "sat-lo", slTitle3, slText3, "vi", 0); r.Updated != 1 {
		t.Fatalf("correction: %+v", r)
	}
	after := o.compare(1, 2)
	for _, want := range []string{
		"confirmation of tintuc's text (story 2) against baolaocai's corrected text (story 1), pairs read story 2 / story 1: same story",
		"nothing keeps them apart now: baolaocai corrected its item in story 1, and story 2's item confirms against the correction; against story 1's items as first filed: different stories",
		"numbers FAILED",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("want %q in:\n%s", want, after)
		}
	}
	if strings.Contains(after, "nothing found now") {
		t.Errorf("the limits of the search given as the reason:\n%s", after)
	}
}

// TestCompareDeclaredLanguage: a headline alone, declared English by its
// feed and too short to overrule, kept apart from the Vietnamese story it
// repeats: the comparison says it compared a headline, and that the English
// was declared, not detected.
func TestCompareDeclaredLanguage(t *testing.T) {
	o := newOutlets(t)
	o.put("baohagiang", "mua-da", "Mưa đá trắng xóa Đồng Văn",
		"Chiều qua, mưa đá kèm gió lốc trút xuống các xã của huyện Đồng Văn, làm hư hại mái nhà của nhiều hộ dân và hoa màu trên nương.", "vi", 0)
	if r := o.put("tinvungcao", "mua-da-dong-van", "Mưa đá trắng xóa Đồng Văn", "", "en", 30); r.New != 1 {
		t.Fatalf("the headline declared English: %+v, want a story of its own", r)
	}
	out := o.compare(1, 2)
	for _, want := range []string{
		"confirmation of tinvungcao's headline alone (story 2) against baohagiang's text (story 1)",
		"language FAILED (en / vi)",
		"language of story 2: en was declared (by tinvungcao's item, feed or source), not detected: its headline alone reads as vi",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "language of story 1") {
		t.Errorf("the Vietnamese story's language called declared:\n%s", out)
	}
}
