package store

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

const (
	hgLink  = "https://baohagiang.example/xa-hoi/cau-treo-nam-dam-123.html"
	tqLink  = "https://baotuyenquang.example/van-hoa/hoi-thanh-tuyen-456.html"
	lcLink  = "https://baolaocai.example/giao-thong/sat-lo-quoc-lo-4d-789.html"
	engLink = "https://vietnamnews.example/society/ha-giang-bridge-opens.html"
)

func TestApplyCounts(t *testing.T) {
	type step struct {
		source string
		items  []Incoming
		want   Result
	}
	bridge := news("hg-123", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 0, "tin-tinh")
	festival := news("tq-456", tqLink, "Tuyên Quang sẵn sàng cho lễ hội Thành Tuyên", 30, "van-hoa")
	landslide := news("lc-789", lcLink, "Mưa lớn gây sạt lở trên quốc lộ 4D", 60, "thoi-su")
	bridgeEdited := bridge
	bridgeEdited.Item.Title = "Khánh thành cầu treo bản Nậm Đăm, xã Quản Bạ"
	bridgeCentral := news("vtv-9001", hgLink, "Hà Giang: cầu treo mới cho bà con Nậm Đăm", -20, "thoi-su")
	bridgeNewGUID := bridge
	bridgeNewGUID.Item.GUID = "hg-123-v2"
	noLink := news("", "", "Thông báo lịch tiếp công dân tháng 3", 90)
	noLink.Key = ""
	nothing := Incoming{Item: feeds.Item{Summary: "Nội dung không có tiêu đề"}}
	churn := func(guid string) Incoming {
		in := news(guid, "", "Hồ thủy điện tích nước đủ cho vụ đông xuân", 120)
		in.Key = ""
		return in
	}
	digest := func(guid string, day int) Incoming {
		in := news(guid, "", "Điểm tin sáng", 24*60*day)
		in.Key, in.Item.Summary = "", fmt.Sprintf("Các tin chính của ngày %d.", day+10)
		return in
	}
	undated := func(guid string) Incoming {
		in := churn(guid)
		in.Item.Published = time.Time{}
		return in
	}

	tests := []struct {
		name    string
		steps   []step
		stories int
	}{
		{
			name:    "new items",
			steps:   []step{{"baohagiang", []Incoming{bridge, festival, landslide}, Result{New: 3}}},
			stories: 3,
		},
		{
			name: "same document again",
			steps: []step{
				{"baohagiang", []Incoming{bridge, festival}, Result{New: 2}},
				{"baohagiang", []Incoming{bridge, festival}, Result{Unchanged: 2}},
			},
			stories: 2,
		},
		{
			name: "title edit",
			steps: []step{
				{"baohagiang", []Incoming{bridge, festival}, Result{New: 2}},
				{"baohagiang", []Incoming{bridgeEdited, festival}, Result{Updated: 1, Unchanged: 1}},
				{"baohagiang", []Incoming{bridgeEdited, festival}, Result{Unchanged: 2}},
			},
			stories: 2,
		},
		{
			name: "same link from another source joins",
			steps: []step{
				{"baohagiang", []Incoming{bridge}, Result{New: 1}},
				{"vtv", []Incoming{bridgeCentral, landslide}, Result{Joined: 1, New: 1}},
				{"vtv", []Incoming{bridgeCentral, landslide}, Result{Unchanged: 2}},
			},
			stories: 2,
		},
		{
			name:    "duplicate within one document",
			steps:   []step{{"baohagiang", []Incoming{bridge, festival, bridge}, Result{New: 2, Unchanged: 1}}},
			stories: 2,
		},
		{
			name: "same source changes its guid",
			steps: []step{
				{"baohagiang", []Incoming{bridge}, Result{New: 1}},
				{"baohagiang", []Incoming{bridgeNewGUID}, Result{Unchanged: 1}},
				{"baohagiang", []Incoming{bridgeNewGUID, bridge}, Result{Unchanged: 2}},
			},
			stories: 1,
		},
		{
			name: "item known by title only",
			steps: []step{
				{"baohagiang", []Incoming{noLink}, Result{New: 1}},
				{"baohagiang", []Incoming{noLink}, Result{Unchanged: 1}},
			},
			stories: 1,
		},
		{
			name: "link-less item whose guid changes at every request",
			steps: []step{
				{"baohagiang", []Incoming{churn("g-1")}, Result{New: 1}},
				{"baohagiang", []Incoming{churn("g-2")}, Result{Unchanged: 1}},
				{"baohagiang", []Incoming{churn("g-3")}, Result{Unchanged: 1}},
				{"baohagiang", []Incoming{undated("g-4")}, Result{New: 1}},
				{"baohagiang", []Incoming{undated("g-5")}, Result{Unchanged: 1}},
			},
			stories: 2,
		},
		{
			name: "link-less daily digests under one headline",
			steps: []step{
				{"baohagiang", []Incoming{digest("d-1", 1)}, Result{New: 1}},
				{"baohagiang", []Incoming{digest("d-2", 2), digest("d-1", 1)}, Result{New: 1, Unchanged: 1}},
			},
			stories: 2,
		},
		{
			name:    "item with nothing to know it by",
			steps:   []step{{"baohagiang", []Incoming{nothing, bridge}, Result{Skipped: 1, New: 1}}},
			stories: 1,
		},
		{
			name:    "empty document",
			steps:   []step{{"baohagiang", nil, Result{}}},
			stories: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			for i, st := range tt.steps {
				got := s.apply(st.source, t0.Add(time.Duration(i+1)*time.Hour), st.items...)
				if got != st.want {
					t.Errorf("step %d (%s): got %+v, want %+v", i, st.source, got, st.want)
				}
			}
			stats, err := s.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if stats.Stories != tt.stories {
				t.Errorf("stories = %d, want %d", stats.Stories, tt.stories)
			}
		})
	}
}

func TestApplyUnchangedWritesNothing(t *testing.T) {
	s := newTestStore(t)
	doc := []Incoming{
		news("hg-1", hgLink, "Hà Giang trồng mới 500 ha chè Shan tuyết", 0, "kinh-te"),
		news("hg-2", lcLink, "Đồng Văn đón đoàn khách quốc tế đầu năm", 10, "du-lich"),
	}
	if got := s.apply("baohagiang", t0.Add(time.Hour), doc...); got.New != 2 {
		t.Fatalf("first apply: %+v", got)
	}
	version, tx := s.Version(), s.txID()
	if version != 1 {
		t.Errorf("Version after one change = %d, want 1", version)
	}
	for i := range 3 {
		if got := s.apply("baohagiang", t0.Add(time.Duration(i+2)*time.Hour), doc...); got != (Result{Unchanged: 2}) {
			t.Fatalf("re-apply %d: %+v", i, got)
		}
	}
	if got := s.Version(); got != version {
		t.Errorf("Version after unchanged applies = %d, want %d", got, version)
	}
	if got := s.txID(); got != tx {
		t.Errorf("file tx id after unchanged applies = %d, want %d (something was committed)", got, tx)
	}
}

func TestEditKeepsIdentityAndPlace(t *testing.T) {
	s := newTestStore(t)
	older := news("hg-1", "https://baohagiang.example/a-1.html", "Lễ hội hoa tam giác mạch khai mạc", 0, "du-lich")
	bridge := news("hg-2", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 30, "du-lich")
	newer := news("hg-3", "https://baohagiang.example/a-3.html", "Quản Bạ ra mắt tour đi bộ", 60, "du-lich")
	seen := t0.Add(2 * time.Hour)
	s.apply("baohagiang", seen, older, bridge, newer)
	before := s.all("du-lich", 10)
	orig := before[1]
	if orig.Title != bridge.Item.Title {
		t.Fatalf("middle story = %q", orig.Title)
	}
	s.apply("vtv", seen, news("vtv-1", hgLink, "Cầu treo mới ở Hà Giang", 50, "thoi-su"))

	edited := bridge
	edited.Item.Title = "Khánh thành cầu treo bản Nậm Đăm, xã Quản Bạ"
	edited.Item.Link = "https://baohagiang.example/xa-hoi/cau-treo-nam-dam-123-cap-nhat.html"
	edited.Key = edited.Item.Link
	edited.Item.Updated = t0.Add(3 * time.Hour)
	editTime := t0.Add(4 * time.Hour)
	if got := s.apply("baohagiang", editTime, older, edited, newer); got != (Result{Updated: 1, Unchanged: 2}) {
		t.Fatalf("apply edit: %+v", got)
	}
	after := s.all("du-lich", 10)
	if !slices.Equal(ids(after), ids(before)) {
		t.Errorf("order after edit %v, before %v", ids(after), ids(before))
	}
	got := s.story(orig.ID)
	if got.Title != edited.Item.Title || got.Link != edited.Item.Link {
		t.Errorf("story not updated: %q %q", got.Title, got.Link)
	}
	if !got.FirstSeen.Equal(orig.FirstSeen) || !got.SortTime.Equal(orig.SortTime) || !got.Published.Equal(orig.Published) {
		t.Errorf("edit moved the story: first seen %v→%v, sort %v→%v", orig.FirstSeen, got.FirstSeen, orig.SortTime, got.SortTime)
	}
	if !got.Updated.Equal(edited.Item.Updated) {
		t.Errorf("Updated = %v, want the item's %v", got.Updated, edited.Item.Updated)
	}
	if i := slices.IndexFunc(got.Sources, func(o feeds.Occurrence) bool { return o.Source == "baohagiang" }); got.Sources[i].Title != edited.Item.Title {
		t.Errorf("occurrence title = %q", got.Sources[i].Title)
	}

	// Another outlet finding the story by its new link joins it.
	if res := s.apply("baotuyenquang", editTime, news("tq-1", edited.Key, "Hà Giang có thêm cầu treo", 45)); res.Joined != 1 {
		t.Errorf("join by the edited link: %+v", res)
	}

	// An edit without its own Updated time is dated when seen.
	edited.Item.Summary = "Cây cầu dài 120 mét nối hai bờ suối Nậm Đăm."
	s.apply("baohagiang", editTime.Add(time.Hour), edited)
	if got := s.story(orig.ID); !got.Updated.Equal(editTime.Add(time.Hour)) {
		t.Errorf("Updated = %v, want %v", got.Updated, editTime.Add(time.Hour))
	}

	// An edit by a joined outlet changes its occurrence, not the story.
	res := s.apply("vtv", editTime, news("vtv-1", hgLink, "Cầu treo mới ở Hà Giang đã thông xe", 50, "thoi-su"))
	if res.Updated != 1 {
		t.Errorf("joined outlet's edit: %+v", res)
	}
	got = s.story(orig.ID)
	if got.Title != edited.Item.Title {
		t.Errorf("joined outlet's edit changed the title to %q", got.Title)
	}
	i := slices.IndexFunc(got.Sources, func(o feeds.Occurrence) bool { return o.Source == "vtv" })
	if got.Sources[i].Title != "Cầu treo mới ở Hà Giang đã thông xe" {
		t.Errorf("vtv occurrence title = %q", got.Sources[i].Title)
	}

	// An outlet that only files its item under one more label has not
	// edited the story: its updated time stays, while it joins the
	// category the label routes it to.
	relabelled := edited
	relabelled.Item.Labels = append(slices.Clone(edited.Item.Labels), "Giao thông")
	relabelled.Categories = append(slices.Clone(edited.Categories), "giao-thong")
	if res := s.apply("baohagiang", editTime.Add(2*time.Hour), relabelled); res.Updated != 1 {
		t.Fatalf("relabelled: %+v", res)
	}
	got = s.story(orig.ID)
	if !got.Updated.Equal(editTime.Add(time.Hour)) {
		t.Errorf("a new label dated the story %v, want its last edit %v", got.Updated, editTime.Add(time.Hour))
	}
	if !slices.Contains(got.Categories, "giao-thong") || !slices.Contains(got.Labels, "Giao thông") {
		t.Errorf("relabelled story: categories %q, labels %q", got.Categories, got.Labels)
	}

	// Nor has one whose link only gains an anchor (to its comments): the
	// link is kept as given, the updated time stays.
	anchored := relabelled
	anchored.Item.Link = relabelled.Item.Link + "#binh-luan"
	if res := s.apply("baohagiang", editTime.Add(3*time.Hour), anchored); res.Updated != 1 {
		t.Fatalf("anchored: %+v", res)
	}
	got = s.story(orig.ID)
	if !got.Updated.Equal(editTime.Add(time.Hour)) || got.Link != anchored.Item.Link {
		t.Errorf("an anchor added to the link: updated %v (want %v), link %q", got.Updated, editTime.Add(time.Hour), got.Link)
	}
}

func TestJoinAcrossSources(t *testing.T) {
	s := newTestStore(t)
	local := news("hg-77", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 60, "tin-tinh")
	local.Item.Labels = []string{"Xã hội"}
	central := news("vn-5", hgLink, "Ha Giang opens a suspension bridge for Nam Dam village", 30, "thoi-su", "tin-tinh")
	central.Item.Labels = []string{"Society", "Xã hội"}
	central.Item.Language = "en"
	late := news("lc-5", hgLink, "Hà Giang thông xe cầu treo", 90, "giao-thong")

	// The local outlet is seen first, but the central one published earlier.
	s.apply("baohagiang", t0.Add(2*time.Hour), local)
	s.apply("vietnamnews", t0.Add(3*time.Hour), central)
	s.apply("baolaocai", t0.Add(4*time.Hour), late)

	all := s.all(AllCategory, 10)
	if len(all) != 1 {
		t.Fatalf("%d stories, want 1", len(all))
	}
	st := all[0]
	var order []string
	for _, o := range st.Sources {
		order = append(order, o.Source)
	}
	if want := []string{"vietnamnews", "baohagiang", "baolaocai"}; !slices.Equal(order, want) {
		t.Errorf("sources %v, want %v (first publisher first)", order, want)
	}
	if st.Title != local.Item.Title || st.Language != "vi" {
		t.Errorf("representative changed: %q %q", st.Title, st.Language)
	}
	if want := []string{"tin-tinh", "thoi-su", "giao-thong"}; !slices.Equal(st.Categories, want) {
		t.Errorf("categories %v, want %v", st.Categories, want)
	}
	if want := []string{"Xã hội", "Society", "Thời sự"}; !slices.Equal(st.Labels, want) {
		t.Errorf("labels %v, want %v", st.Labels, want)
	}
	for _, c := range []string{"tin-tinh", "thoi-su", "giao-thong"} {
		if got := ids(s.all(c, 10)); !slices.Equal(got, []uint64{st.ID}) {
			t.Errorf("category %s holds %v, want [%d]", c, got, st.ID)
		}
	}

	// The representative's edit keeps labels other outlets brought.
	local.Item.Labels = []string{"Giao thông"}
	s.apply("baohagiang", t0.Add(5*time.Hour), local)
	if got := s.story(st.ID).Labels; !slices.Equal(got, []string{"Giao thông", "Society", "Xã hội", "Thời sự"}) {
		t.Errorf("labels after edit %v", got)
	}
}

// TestJoinKeepsMedia: a story first seen without enclosures or an image
// takes those of the first outlet to carry them, tells partners following
// changes, keeps them through its representative's edits until that outlet
// has media of its own, and follows the edits of the outlet that gave them.
func TestJoinKeepsMedia(t *testing.T) {
	s := newTestStore(t)
	central := news("nd-9", hgLink, "Khánh thành cầu treo Nậm Lang ở Hà Giang", 70, "thoi-su")
	local := news("hg-9", hgLink, "Hà Giang khánh thành cầu treo Nậm Lang", 10, "tin-tinh")
	audio := []feeds.Enclosure{{URL: "https://baohagiang.example/audio/cau-treo.mp3", Type: "audio/mpeg", Length: 1843200}}
	local.Item.Enclosures, local.Item.Image = audio, "https://baohagiang.example/anh/cau.jpg"

	s.apply("nhandan", t0.Add(2*time.Hour), central)
	id := s.all(AllCategory, 1)[0].ID
	cursor := s.head()
	if res := s.apply("baohagiang", t0.Add(3*time.Hour), local); res.Joined != 1 {
		t.Fatalf("local outlet's item: %+v, want it joined", res)
	}
	st := s.story(id)
	if st.Title != central.Item.Title || !slices.Equal(st.Enclosures, audio) || st.Image != local.Item.Image {
		t.Fatalf("joined story: title %q, enclosures %v, image %q; want the central text with the local media", st.Title, st.Enclosures, st.Image)
	}
	if !st.Updated.Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("updated %v, want the join's time", st.Updated)
	}
	if got, _ := s.changes(AllCategory, cursor, 10); len(got) != 1 || !slices.Equal(got[0].Enclosures, audio) {
		t.Errorf("partner following changes got %d stories, want the story again with its audio", len(got))
	}

	// The representative's edit without media keeps the local ones.
	central.Item.Title = "Khánh thành cầu treo Nậm Lang, học sinh bớt 7 km đường"
	s.apply("nhandan", t0.Add(4*time.Hour), central)
	if st := s.story(id); st.Title != central.Item.Title || !slices.Equal(st.Enclosures, audio) {
		t.Errorf("after the representative's edit: %q with %v, want the new title and the audio", st.Title, st.Enclosures)
	}

	// The outlet that gave the media changes them; the story follows.
	fixed := []feeds.Enclosure{{URL: "https://baohagiang.example/audio/cau-treo-ban-day-du.mp3", Type: "audio/mpeg", Length: 3686400}}
	local.Item.Enclosures = fixed
	s.apply("baohagiang", t0.Add(5*time.Hour), local)
	if st := s.story(id); !slices.Equal(st.Enclosures, fixed) || !st.Updated.Equal(t0.Add(5*time.Hour)) {
		t.Errorf("after the local outlet's edit: %v updated %v, want %v at its time", st.Enclosures, st.Updated, fixed)
	}

	// Once the representative has media of its own, they win.
	central.Item.Image = "https://nhandan.example/anh/cau-treo.jpg"
	s.apply("nhandan", t0.Add(6*time.Hour), central)
	if st := s.story(id); st.Image != central.Item.Image || len(st.Enclosures) != 0 {
		t.Errorf("after the representative's own image: image %q, enclosures %v", st.Image, st.Enclosures)
	}
	local.Item.Image = "https://baohagiang.example/anh/cau-2.jpg"
	s.apply("baohagiang", t0.Add(7*time.Hour), local)
	if st := s.story(id); st.Image != central.Item.Image {
		t.Errorf("another outlet's edit replaced the representative's image: %q", st.Image)
	}
}

func TestCategories(t *testing.T) {
	tests := []struct {
		name string
		cats []string
		want []string
	}{
		{"none", nil, nil},
		{"duplicates", []string{"van-hoa", "du-lich", "van-hoa"}, []string{"van-hoa", "du-lich"}},
		{"all is implicit", []string{"all", "thoi-su", ""}, []string{"thoi-su"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			s.apply("baotuyenquang", t0, news("tq-1", tqLink, "Hội Thành Tuyên 2025 có 30 mô hình đèn lồng", 0, tt.cats...))
			st := s.all(AllCategory, 10)
			if len(st) != 1 || !slices.Equal(st[0].Categories, tt.want) {
				t.Fatalf("stories %+v, want one with categories %v", st, tt.want)
			}
			stats, err := s.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if len(stats.Categories) != len(tt.want) {
				t.Errorf("stats categories %v, want %v", stats.Categories, tt.want)
			}
			for _, c := range tt.want {
				if stats.Categories[c] != 1 {
					t.Errorf("stats categories %v, want 1 in %s", stats.Categories, c)
				}
			}
		})
	}
}

func TestApplyTimes(t *testing.T) {
	seen := t0.Add(time.Hour)
	tests := []struct {
		name               string
		published, updated time.Time
		wantPub, wantSort  time.Time
		wantUpdated        time.Time
	}{
		{"published before seen", t0, time.Time{}, t0, t0, t0},
		{"no date", time.Time{}, time.Time{}, seen, seen, seen},
		{"dated after seen", seen.Add(time.Hour), time.Time{}, seen.Add(time.Hour), seen, seen.Add(time.Hour)},
		{"updated later", t0, t0.Add(10 * time.Minute), t0, t0, t0.Add(10 * time.Minute)},
		{"other zone", t0.In(time.FixedZone("ICT", 7*3600)), time.Time{}, t0, t0, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			in := news("tq-9", tqLink, "Chiêm Hóa thu hoạch cam sành", 0)
			in.Item.Published, in.Item.Updated = tt.published, tt.updated
			s.apply("baotuyenquang", seen, in)
			st := s.story(1)
			if !st.Published.Equal(tt.wantPub) || !st.SortTime.Equal(tt.wantSort) || !st.Updated.Equal(tt.wantUpdated) || !st.FirstSeen.Equal(seen) {
				t.Errorf("published %v sort %v updated %v first seen %v; want %v %v %v %v",
					st.Published, st.SortTime, st.Updated, st.FirstSeen, tt.wantPub, tt.wantSort, tt.wantUpdated, seen)
			}
			if st.Published.Location() != time.UTC {
				t.Errorf("published in %v, want UTC", st.Published.Location())
			}
		})
	}
}

func TestApplyRejectsEmptySource(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.Apply("", []Incoming{news("a", hgLink, "Tin", 0)}, t0); err == nil {
		t.Fatal("Apply with no source id succeeded")
	}
}

func TestConcurrentApply(t *testing.T) {
	s := newTestStore(t)
	sources := []string{"baohagiang", "baotuyenquang", "baolaocai", "vtv"}
	const docs, perDoc, shared = 10, 8, 3
	const sharedPrefix = "https://chung.example/"
	var writers, readers sync.WaitGroup
	errs := make(chan error, len(sources)+1)
	for _, src := range sources {
		writers.Go(func() {
			for d := range docs {
				var items []Incoming
				for i := range perDoc {
					link := fmt.Sprintf("https://%s.example/tin-%d-%d.html", src, d, i)
					if i < shared {
						// Every source carries these: each must end up one story.
						link = fmt.Sprintf("%stin-%d-%d.html", sharedPrefix, d, i)
					}
					items = append(items, news(fmt.Sprintf("%s-%d-%d", src, d, i), link, "Tin tổng hợp "+link, d*perDoc+i, "thoi-su"))
				}
				if _, err := s.Apply(src, items, t0.Add(time.Duration(d)*time.Minute)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Latest("thoi-su", 20, ""); err != nil {
				errs <- err
				return
			}
		}
	})
	writers.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := s.all(AllCategory, 100)
	if want := docs * (shared + len(sources)*(perDoc-shared)); len(all) != want {
		t.Errorf("stories = %d, want %d", len(all), want)
	}
	for _, st := range all {
		want := 1
		if strings.HasPrefix(st.Link, sharedPrefix) {
			want = len(sources)
		}
		if len(st.Sources) != want {
			t.Errorf("story %d (%s) has %d sources, want %d", st.ID, st.Link, len(st.Sources), want)
		}
	}
}

// TestOutletBeforeTheNewswireThatCopiedIt: an outlet's item that another
// newswire brought first (naming the outlet its origin) is credited to the
// outlet first once it is polled directly, as it published it at the same
// time; an earlier publication still comes first. A newswire that names the
// origin of an item it brought before origins were read has the outlet
// moved first.
func TestOutletBeforeTheNewswireThatCopiedIt(t *testing.T) {
	s := newTestStore(t)
	origin := feeds.Origin{Title: "News B Central", FeedURL: "https://newsb.example.vn/rss", Level: "central"}
	copied := news("tag:hagiang.newswire.example,2026:story/7", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 0, "tin-tinh")
	copied.Item.Origin = origin
	if r := s.apply("hagiang", t0.Add(time.Hour), copied); r.New != 1 {
		t.Fatalf("copy: %+v", r)
	}
	direct := news("newsb-123", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 0, "tin-tinh")
	if r := s.apply("newsb", t0.Add(2*time.Hour), direct); r.Joined != 1 {
		t.Fatalf("direct: %+v", r)
	}
	st := s.all(AllCategory, 10)[0]
	if got := sourceIDs(st); !slices.Equal(got, []string{"newsb", "hagiang"}) || st.Sources[1].Origin != origin || !st.Sources[0].Origin.IsZero() {
		t.Fatalf("sources %+v, want newsb, then hagiang naming its origin", st.Sources)
	}
	earlier := news("ttx-9", hgLink, "Khánh thành cầu treo bản Nậm Đăm", -30, "tin-tinh")
	earlier.Item.Origin = feeds.Origin{Title: "Thông tấn X"}
	if r := s.apply("tonghop", t0.Add(3*time.Hour), earlier); r.Joined != 1 {
		t.Fatalf("earlier: %+v", r)
	}
	if got := sourceIDs(s.all(AllCategory, 10)[0]); !slices.Equal(got, []string{"tonghop", "newsb", "hagiang"}) {
		t.Fatalf("sources %q, want the earlier publication first", got)
	}

	// A store of before origins: the newswire's occurrence names none.
	s2 := newTestStore(t)
	plain := copied
	plain.Item.Origin = feeds.Origin{}
	s2.apply("hagiang", t0.Add(time.Hour), plain)
	s2.apply("newsb", t0.Add(2*time.Hour), direct)
	if got := sourceIDs(s2.all(AllCategory, 10)[0]); !slices.Equal(got, []string{"hagiang", "newsb"}) {
		t.Fatalf("before origins: sources %q", got)
	}
	if r := s2.apply("hagiang", t0.Add(3*time.Hour), copied); r.Updated != 1 {
		t.Fatalf("the copy naming its origin: %+v, want an update", r)
	}
	if got := sourceIDs(s2.all(AllCategory, 10)[0]); !slices.Equal(got, []string{"newsb", "hagiang"}) {
		t.Fatalf("once the copy names its origin: sources %q, want newsb first", got)
	}
}

func sourceIDs(st feeds.Story) []string {
	var ids []string
	for _, o := range st.Sources {
		ids = append(ids, o.Source)
	}
	return ids
}

// guidKeys reads the GUID keys story id keeps, and how many entries the
// GUID index holds.
func (ts *testStore) guidKeys(id uint64) (keys []string, index int) {
	ts.t.Helper()
	err := ts.db.View(func(tx *bolt.Tx) error {
		rec, err := loadRecord(tx.Bucket(bucketStories), id)
		if err != nil {
			return err
		}
		keys, index = rec.GUIDKeys, tx.Bucket(bucketGUIDs).Stats().KeyN
		return nil
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	return keys, index
}

// TestChangingGUIDBounded: an item whose GUID is new at every request but
// whose link stays is found by its link; a document with nothing else new
// writes nothing, and the GUIDs the story remembers stay a few, the latest,
// however often the outlet edits the item.
func TestChangingGUIDBounded(t *testing.T) {
	s := newTestStore(t)
	const link = "https://baocaobang.example.vn/kinh-te/ngan-hang-chinh-sach.html"
	title := "Ngân hàng chính sách giải ngân vốn vay cho hộ nghèo vùng biên"
	if r := s.apply("baocaobang", t0, news("req-0", link, title, 0)); r.New != 1 {
		t.Fatalf("first poll: %+v", r)
	}
	id := s.all(AllCategory, 1)[0].ID
	tx := s.txID()
	for i := 1; i <= 20; i++ {
		r := s.apply("baocaobang", t0.Add(time.Duration(i)*time.Minute), news(fmt.Sprintf("req-%d", i), link, title, 0))
		if r != (Result{Unchanged: 1}) {
			t.Fatalf("poll %d: %+v, want the story unchanged", i+1, r)
		}
	}
	if got := s.txID(); got != tx {
		t.Errorf("20 polls with nothing new but the GUID committed %d transactions, want none", got-tx)
	}
	if keys, _ := s.guidKeys(id); len(keys) != 1 {
		t.Errorf("story keeps %d GUID keys after 20 new GUIDs, want its first alone", len(keys))
	}
	for i := 21; i <= 40; i++ {
		in := news(fmt.Sprintf("req-%d", i), link, fmt.Sprintf("%s (cập nhật lần %d)", title, i), 0)
		if r := s.apply("baocaobang", t0.Add(time.Duration(i)*time.Minute), in); r != (Result{Updated: 1}) {
			t.Fatalf("edit %d: %+v, want an update", i, r)
		}
	}
	keys, index := s.guidKeys(id)
	want := []string{"baocaobang\x00req-37", "baocaobang\x00req-38", "baocaobang\x00req-39", "baocaobang\x00req-40"}
	if !slices.Equal(keys, want) || index != len(want) {
		t.Errorf("after 20 edits under new GUIDs the story keeps %q (%d in the index), want the latest %q", keys, index, want)
	}
	if st := s.story(id); !strings.HasSuffix(st.Title, "lần 40)") {
		t.Errorf("story title %q, want the last edit's", st.Title)
	}
	// The latest GUID still finds it, as the link does.
	if r := s.apply("baocaobang", t0.Add(time.Hour), news("req-40", "", title+" (cập nhật lần 40)", 0)); r.New != 0 {
		t.Errorf("the latest GUID without the link: %+v, want the story found", r)
	}
}

// TestTwoItemsOfOneDocumentOneStory: a store that holds two stories of a
// section page as one (the second's guid filed with the first when it was
// found by the link they share) gets the lost story back once when both are
// listed in one document, and neither updates the other at later polls,
// whatever their order.
func TestTwoItemsOfOneDocumentOneStory(t *testing.T) {
	const section = "https://baolaocai.example.vn/c/thoi-su"
	item := func(guid, title, text string, minutes int) Incoming {
		in := textItem(guid, title, text, minutes)
		in.Item.Link, in.Key = section, section
		return in
	}
	road := item("lc-mua", "Mưa lớn làm sạt lở đất trên quốc lộ 4D qua Sa Pa",
		"Đêm qua mưa kéo dài làm hàng trăm mét khối đất đá đổ xuống quốc lộ 4D, lực lượng chức năng đang khẩn trương thông tuyến cho xe qua lại.", 60)
	scan := item("lc-y", "Bệnh viện tỉnh đưa vào sử dụng máy chụp cộng hưởng từ",
		"Người bệnh không còn phải chuyển lên tuyến trên để chụp cộng hưởng từ, tiết kiệm chi phí và thời gian đi lại cho gia đình.", 0)
	s := newTestStore(t)
	// As an earlier version stored them, a document apart each: the
	// second found by the link, its guid filed with the first.
	if r := s.apply("baolaocai", t0.Add(time.Hour), road); r.New != 1 {
		t.Fatalf("first: %+v", r)
	}
	if r := s.apply("baolaocai", t0.Add(2*time.Hour), scan); r.Updated != 1 {
		t.Fatalf("second: %+v", r)
	}
	shared := func(ins ...Incoming) []Incoming {
		for i := range ins {
			ins[i].SharedLink, ins[i].Key = true, ""
		}
		return ins
	}
	if r := s.apply("baolaocai", t0.Add(3*time.Hour), shared(road, scan)...); r != (Result{Updated: 1, New: 1}) {
		t.Fatalf("both in one document: %+v, want one updated and the other stored again", r)
	}
	for i, order := range [][2]Incoming{{road, scan}, {scan, road}, {road, scan}} {
		tx := s.txID()
		if r := s.apply("baolaocai", t0.Add(time.Duration(4+i)*time.Hour), shared(order[0], order[1])...); r != (Result{Unchanged: 2}) {
			t.Errorf("poll %d: %+v, want both unchanged", i+1, r)
		}
		if got := s.txID(); got != tx {
			t.Errorf("poll %d committed %d transactions", i+1, got-tx)
		}
	}
	titles := map[string]bool{}
	for _, st := range s.all(AllCategory, 10) {
		titles[st.Title] = true
	}
	if len(titles) != 2 || !titles[road.Item.Title] || !titles[scan.Item.Title] {
		t.Errorf("stories %v, want the two", titles)
	}
}
