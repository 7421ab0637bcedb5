package store

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
	"newswire/internal/story"
)

// textItem is an item of source-side identity guid, with its fingerprint,
// published at t0 plus minutes.
func textItem(guid, title, text string, minutes int) Incoming {
	link := "https://" + guid + ".example/tin.html"
	pub := t0.Add(time.Duration(minutes) * time.Minute)
	return Incoming{
		Item: feeds.Item{GUID: guid, Link: link, Title: title, Summary: text, Published: pub, Language: "vi"},
		Key:  link, Categories: []string{"thoi-su"},
		Doc: story.NewDoc(story.Input{Title: title, Text: text, Published: pub, Language: "vi"}),
	}
}

const (
	hgTitle = "Hà Giang đón 50 nghìn lượt khách dịp lễ hội hoa tam giác mạch"
	hgText  = "Trong ba ngày diễn ra lễ hội hoa tam giác mạch, tỉnh Hà Giang đón khoảng 50 nghìn lượt khách, tăng gần một phần ba so với năm trước. Các homestay ở huyện Đồng Văn và Mèo Vạc kín phòng từ cuối tuần. Doanh thu từ du lịch ước đạt 120 tỷ đồng."
	hgCut   = "Trong ba ngày diễn ra lễ hội hoa tam giác mạch, tỉnh Hà Giang đón khoảng 50 nghìn lượt khách, tăng gần một phần ba so với năm trước. Các homestay ở huyện Đồng Văn và Mèo Vạc kín phòng từ cuối tuần."
)

func TestJoinByText(t *testing.T) {
	s := newTestStore(t)
	if r := s.apply("baohagiang", t0, textItem("hg-1", hgTitle, hgText, 0)); r.New != 1 {
		t.Fatalf("first item: %+v", r)
	}
	first := s.all(AllCategory, 50)

	tests := []struct {
		name   string
		source string
		in     Incoming
		want   Result
	}{
		{"another outlet, prefix and a cut paragraph", "ttxvn",
			textItem("tx-1", "Hà Giang: "+hgTitle+" (TTXVN)", hgCut, 70), Result{Joined: 1}},
		{"the same outlet item again", "ttxvn",
			textItem("tx-1", "Hà Giang: "+hgTitle+" (TTXVN)", hgCut, 70), Result{Unchanged: 1}},
		{"a third outlet, suffix and a word changed", "vov",
			textItem("vov-1", "Hà Giang đón 50 nghìn lượt du khách dịp lễ hội hoa tam giác mạch | VOV", hgText, 300), Result{Joined: 1}},
		{"the neighbouring province", "baohanam",
			textItem("hn-1", "Hà Nam: Đón 50 nghìn lượt khách dịp lễ hội chùa Tam Chúc",
				"Trong ba ngày diễn ra lễ hội, tỉnh Hà Nam đón khoảng 50 nghìn lượt khách, tăng gần một phần ba so với năm trước. Các khách sạn ở huyện Kim Bảng kín phòng từ cuối tuần. Doanh thu từ du lịch ước đạt 120 tỷ đồng.", 60),
			Result{New: 1}},
		{"outside the window", "dantoc", textItem("dt-1", hgTitle, hgText, 5*24*60), Result{New: 1}},
		{"the first outlet's second copy stays its own", "baohagiang", textItem("hg-2", hgTitle, hgText, 30), Result{New: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.apply(tt.source, t0.Add(6*time.Hour), tt.in); got != tt.want {
				t.Errorf("Apply = %+v, want %+v", got, tt.want)
			}
		})
	}

	t.Run("joining off", func(t *testing.T) {
		in := textItem("nd-1", hgTitle, hgText, 90)
		in.Doc = nil
		if got := s.apply("nhandan", t0.Add(6*time.Hour), in); got.New != 1 {
			t.Errorf("Apply = %+v, want a new story", got)
		}
	})

	st := s.story(first[0].ID)
	if st.Title != hgTitle || st.Link != "https://hg-1.example/tin.html" {
		t.Errorf("representative changed: %q %s", st.Title, st.Link)
	}
	var srcs []string
	for _, o := range st.Sources {
		srcs = append(srcs, o.Source)
	}
	if fmt.Sprint(srcs) != "[baohagiang ttxvn vov]" {
		t.Errorf("sources = %v, want baohagiang, ttxvn, vov", srcs)
	}
	// A join never moves the story: it keeps its place in every feed.
	all := s.all(AllCategory, 50)
	if all[len(all)-1].ID != first[0].ID { // the oldest of them all
		t.Errorf("story %d moved: %v", first[0].ID, ids(all))
	}

	ex, ok, err := s.Explain(first[0].ID)
	if err != nil || !ok {
		t.Fatalf("Explain: %v, %v", ok, err)
	}
	if ex.Representative != "baohagiang" || len(ex.Joins) != 2 || ex.Joins[0].Source != "ttxvn" || !ex.Joins[0].Verdict.Same {
		t.Errorf("explanation = %+v", ex)
	}
	checkFingerprints(t, s)
}

// TestJoinedArticleFoundByItsLink: an outlet joined to a story by its text
// gives the story its article's link too, so that an aggregator's item
// linking to that article joins the same story by link, and so does the
// outlet's article listed again under another guid.
func TestJoinedArticleFoundByItsLink(t *testing.T) {
	s := newTestStore(t)
	s.apply("baohagiang", t0, textItem("hg-1", hgTitle, hgText, 0))
	txLink := "https://tx-1.example/tin.html"
	copied := textItem("tx-1", "Hà Giang: "+hgTitle+" (TTXVN)", hgCut, 70)
	copied.Key = story.CanonicalLink(txLink) // as the poller keys an item
	if r := s.apply("ttxvn", t0.Add(time.Hour), copied); r.Joined != 1 {
		t.Fatalf("the copy did not join by text: %+v", r)
	}
	agg := Incoming{Item: feeds.Item{GUID: "tonghop-77", Link: txLink + "?utm_source=tonghop", Title: "Tổng hợp tin vùng cao", Published: t0.Add(2 * time.Hour)},
		Key: story.CanonicalLink(txLink + "?utm_source=tonghop"), Categories: []string{"thoi-su"}}
	if r := s.apply("tonghop", t0.Add(2*time.Hour), agg); r.Joined != 1 {
		t.Errorf("an aggregator's item linking to the joined article: %+v, want it joined", r)
	}
	again := textItem("tx-1-moi", "Hà Giang: "+hgTitle+" (TTXVN)", hgCut, 70)
	again.Item.Link, again.Key, again.Doc = txLink, story.CanonicalLink(txLink), nil // found by its link alone
	if r := s.apply("ttxvn", t0.Add(3*time.Hour), again); r.New != 0 || r.Joined != 0 {
		t.Errorf("the joined article listed again under another guid: %+v, want no new story", r)
	}
	if n := len(s.all(AllCategory, 50)); n != 1 {
		t.Errorf("%d stories, want 1", n)
	}
}

// TestJoinByTextAcrossPeriods joins copies published on the other side of
// a period boundary from the story they copy, later and earlier: a lookup
// reads every period its window overlaps, up to the newest period filed.
func TestJoinByTextAcrossPeriods(t *testing.T) {
	boundary := time.Unix((t0.Unix()/periodSeconds+1)*periodSeconds, 0).UTC()
	minutes := func(d time.Duration) int { return int(boundary.Add(d).Sub(t0) / time.Minute) }
	tests := []struct {
		name          string
		first, second time.Duration // publication times around the boundary
	}{
		{"the copy in the next period", -30 * time.Minute, 30 * time.Minute},
		{"the copy in the period before", 30 * time.Minute, -30 * time.Minute},
		{"the copy two days before", 30 * time.Minute, -48 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			now := boundary.Add(3 * time.Hour)
			if r := s.apply("baohagiang", now, textItem("hg-1", hgTitle, hgText, minutes(tt.first))); r.New != 1 {
				t.Fatalf("first item: %+v", r)
			}
			copied := textItem("tx-1", "Hà Giang: "+hgTitle+" (TTXVN)", hgCut, minutes(tt.second))
			if r := s.apply("ttxvn", now, copied); r != (Result{Joined: 1}) {
				t.Fatalf("copy across the period boundary: %+v, want joined", r)
			}
			checkFingerprints(t, s)
		})
	}
}

// checkFingerprints verifies that every fingerprint entry points to a stored
// story, and every band key has its fixed width.
func checkFingerprints(t *testing.T, s *testStore) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		stories := tx.Bucket(bucketStories)
		if err := tx.Bucket(bucketFPBands).ForEach(func(k, v []byte) error {
			if len(k) != 20 || len(v) != 8 {
				return fmt.Errorf("band entry %x → %x: bad width", k, v)
			}
			if stories.Get(k[12:]) == nil {
				return fmt.Errorf("band entry %x points to missing story %d", k, binary.BigEndian.Uint64(k[12:]))
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketFPDocs).ForEach(func(k, _ []byte) error {
			if stories.Get(k) == nil {
				return fmt.Errorf("fingerprints of missing story %x", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Error(err)
	}
}

// TestFingerprintOddTimes stores items with no date and with dates far in
// the past or future: the period arithmetic must neither wrap nor loop.
func TestFingerprintOddTimes(t *testing.T) {
	for _, at := range []time.Time{{}, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Unix(0, 0)} {
		t.Run(at.String(), func(t *testing.T) {
			s := newTestStore(t)
			for i, src := range []string{"baohagiang", "ttxvn"} {
				in := textItem(fmt.Sprintf("%s-1", src), hgTitle, hgText, 0)
				in.Item.Published = at
				in.Doc = story.NewDoc(story.Input{Title: hgTitle, Text: hgText, Published: at})
				r := s.apply(src, t0, in)
				if want := (Result{New: 1 - i, Joined: i}); r != want {
					t.Errorf("%s: Apply = %+v, want %+v", src, r, want)
				}
			}
			checkFingerprints(t, s)
		})
	}
}

// TestCorrectionRefiles: an outlet that corrects its item (the death toll
// in headline and text) gets the corrected fingerprint filed, so that
// another outlet's coverage of the corrected facts joins its story, where
// the first fingerprint's numbers forbade it; coverage of the first
// version still joins it too. The outlet keeps its first fingerprint and
// its latest, not every version between.
func TestCorrectionRefiles(t *testing.T) {
	const (
		title1 = "Hà Giang: Mưa lũ làm 3 người chết tại huyện Hoàng Su Phì"
		text1  = "Mưa lớn kéo dài từ đêm qua gây lũ quét tại huyện Hoàng Su Phì, làm 3 người chết và 2 người mất tích. Nhiều tuyến đường liên xã bị sạt lở, hàng chục ngôi nhà bị ngập sâu. Chính quyền huyện đã huy động lực lượng tìm kiếm người mất tích và di dời các hộ dân ở vùng nguy hiểm."
		title2 = "Hà Giang: Mưa lũ làm 4 người chết, 1 người mất tích tại huyện Hoàng Su Phì"
		text2  = "Mưa lớn kéo dài từ đêm qua gây lũ quét tại huyện Hoàng Su Phì, làm 4 người chết và 1 người mất tích. Nhiều tuyến đường liên xã bị sạt lở, hàng chục ngôi nhà bị ngập sâu. Chính quyền huyện đã huy động lực lượng tìm kiếm người mất tích và di dời các hộ dân ở vùng nguy hiểm."
	)
	s := newTestStore(t)
	if r := s.apply("baohagiang", t0, textItem("hg-lu", title1, text1, 0)); r.New != 1 {
		t.Fatalf("first version: %+v", r)
	}
	id := s.all(AllCategory, 1)[0].ID
	if r := s.apply("baohagiang", t0.Add(time.Hour), textItem("hg-lu", title2, text2, 0)); r.Updated != 1 {
		t.Fatalf("correction: %+v, want an update", r)
	}
	r := s.apply("tuoitre", t0.Add(2*time.Hour), textItem("tt-lu", "Mưa lũ ở Hà Giang: 4 người chết, 1 người mất tích tại Hoàng Su Phì", text2, 90))
	if r.Joined != 1 {
		t.Fatalf("coverage of the corrected facts: %+v, want it joined to story %d", r, id)
	}
	r = s.apply("vov", t0.Add(2*time.Hour), textItem("vov-lu", "Lũ quét tại Hoàng Su Phì làm 3 người chết, 2 người mất tích", text1, 60))
	if r.Joined != 1 {
		t.Fatalf("coverage of the first version: %+v, want it joined too", r)
	}
	const title3 = "Hà Giang: Mưa lũ làm 4 người chết, 1 người mất tích tại Hoàng Su Phì, đã tìm thấy 2 người"
	if r := s.apply("baohagiang", t0.Add(3*time.Hour), textItem("hg-lu", title3, text2, 0)); r.Updated != 1 {
		t.Fatalf("second correction: %+v, want an update", r)
	}
	var srcs []string
	for _, o := range s.story(id).Sources {
		srcs = append(srcs, o.Source)
	}
	if len(srcs) != 3 {
		t.Errorf("story %d credits %v, want baohagiang, tuoitre and vov", id, srcs)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		e, err := loadDocs(tx.Bucket(bucketFPDocs), id)
		if err != nil {
			return err
		}
		var got []string
		for _, d := range e.Docs {
			if d.Source == "baohagiang" {
				got = append(got, d.Doc.Title)
			}
		}
		want := []string{story.NewDoc(story.Input{Title: title1}).Title, story.NewDoc(story.Input{Title: title3}).Title}
		if !slices.Equal(got, want) {
			t.Errorf("baohagiang's fingerprints in story %d are of %q, want its first and its latest version %q", id, got, want)
		}
		return checkBandIndex(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkFingerprints(t, s)
}

// TestJoinNamesTheVersion: a join by text records the outlet whose item it
// was confirmed against, and whether that was the outlet's first version or
// its correction; the explanation lists the outlets that corrected their
// item; a comparison says which item its verdict is of, and what the
// story's first versions alone would say.
func TestJoinNamesTheVersion(t *testing.T) {
	const (
		title1 = "Lào Cai: Sạt lở đất ở Bát Xát, 2 người mất tích"
		text1  = "Mưa lớn suốt đêm gây sạt lở đất tại thôn Sàng Ma Sáo, huyện Bát Xát, vùi lấp hai ngôi nhà. 2 người mất tích, lực lượng cứu hộ đang tìm kiếm. Chính quyền xã đã di dời 12 hộ dân ở khu vực nguy hiểm đến nơi an toàn."
		title2 = "Lào Cai: Sạt lở đất ở Bát Xát, 3 người mất tích"
		text2  = "Mưa lớn suốt đêm gây sạt lở đất tại thôn Sàng Ma Sáo, huyện Bát Xát, vùi lấp hai ngôi nhà. 3 người mất tích, lực lượng cứu hộ đang tìm kiếm. Chính quyền xã đã di dời 12 hộ dân ở khu vực nguy hiểm đến nơi an toàn."
	)
	s := newTestStore(t)
	s.apply("baolaocai", t0, textItem("lc-sl", title1, text1, 0))
	id := s.all(AllCategory, 1)[0].ID
	if r := s.apply("vov", t0.Add(time.Hour), textItem("vov-sl", "Bát Xát: 2 người mất tích sau sạt lở đất", text1, 50)); r.Joined != 1 {
		t.Fatalf("coverage of the first version: %+v, want it joined", r)
	}
	// Another outlet has the corrected toll first: another story, for now.
	if r := s.apply("tintuc", t0.Add(2*time.Hour), textItem("tt-sl", "Sạt lở ở Bát Xát, Lào Cai: 3 người mất tích", text2, 100)); r.New != 1 {
		t.Fatalf("the corrected toll before the correction: %+v, want a story of its own", r)
	}
	other := s.all(AllCategory, 1)[0].ID
	if r := s.apply("baolaocai", t0.Add(3*time.Hour), textItem("lc-sl", title2, text2, 0)); r.Updated != 1 {
		t.Fatalf("correction: %+v, want an update", r)
	}
	// The story the correction now agrees with: joined now, not by the
	// first versions.
	c, ok, err := s.Compare(other, id, 0)
	if err != nil || !ok {
		t.Fatalf("Compare: %v, %v", ok, err)
	}
	if !c.Verdict.Same || c.FirstVersions.Same {
		t.Errorf("verdict now %v, on the first versions %v; want the same story now and not on the first versions", c.Verdict, c.FirstVersions)
	}
	if c.From != "tintuc" || c.Against != "baolaocai" || !c.AgainstCorrected || !c.FromText || !c.AgainstText {
		t.Errorf("comparison of %s's item (text %v) against %s's (corrected %v, text %v), want tintuc's against baolaocai's correction, both with text",
			c.From, c.FromText, c.Against, c.AgainstCorrected, c.AgainstText)
	}
	if !slices.Equal(c.Earlier.Corrected, []string{"baolaocai"}) || len(c.Later.Corrected) != 0 {
		t.Errorf("corrected outlets: %v and %v, want baolaocai in the earlier story alone", c.Earlier.Corrected, c.Later.Corrected)
	}
	if r := s.apply("dantri", t0.Add(4*time.Hour), textItem("dt-sl", "Bát Xát: 3 người mất tích sau sạt lở đất", text2, 150)); r.Joined != 1 {
		t.Fatalf("coverage of the corrected version: %+v, want it joined", r)
	}

	ex, ok, err := s.Explain(id)
	if err != nil || !ok {
		t.Fatalf("Explain: %v, %v", ok, err)
	}
	if !slices.Equal(ex.Corrected, []string{"baolaocai"}) {
		t.Errorf("corrected outlets = %v, want baolaocai", ex.Corrected)
	}
	want := []Join{
		{Source: "vov", Against: "baolaocai", AgainstVersions: 1},
		{Source: "dantri", Against: "baolaocai", AgainstCorrected: true, AgainstVersions: 2},
	}
	if len(ex.Joins) != len(want) {
		t.Fatalf("joins = %+v, want %d", ex.Joins, len(want))
	}
	for i, w := range want {
		j := ex.Joins[i]
		if j.Source != w.Source || j.Against != w.Against || j.AgainstCorrected != w.AgainstCorrected || j.AgainstVersions != w.AgainstVersions {
			t.Errorf("join %d = %s against %s (corrected %v, of %d versions), want %+v", i, j.Source, j.Against, j.AgainstCorrected, j.AgainstVersions, w)
		}
	}

	checkFingerprints(t, s)
}

// TestGUIDGivenToAnotherStory: an outlet that gives the GUID of its
// morning story to an evening story of another link and text has the
// evening story stored as a new one, dated as it is, and the morning one
// kept as it was; a correction under the GUID, its slug changed with its
// headline and its text mostly the same, still updates the story.
func TestGUIDGivenToAnotherStory(t *testing.T) {
	item := func(link, title, text string, minutes int, join bool) Incoming {
		in := textItem("123", title, text, minutes)
		in.Item.Link, in.Key = link, link
		if !join {
			in.Doc = nil
		}
		return in
	}
	const (
		teaLink    = "https://baotayninh.example.vn/kinh-te/nha-may-che.html"
		teaTitle   = "Khánh thành nhà máy chế biến chè xuất khẩu công suất 20 tấn mỗi ngày"
		teaText    = "Nhà máy chế biến chè của hợp tác xã Tân Thành tạo việc làm cho 150 lao động địa phương, thu mua chè búp tươi của hơn 400 hộ trồng chè trong vùng với giá ổn định."
		stormLink  = "https://baotayninh.example.vn/thoi-tiet/canh-bao-loc-set.html"
		stormTitle = "Cảnh báo lốc sét và mưa đá tại các huyện phía bắc tỉnh chiều tối nay"
		stormText  = "Trung tâm khí tượng thủy văn tỉnh khuyến cáo người dân không trú dưới gốc cây lớn, chằng chống nhà cửa và theo dõi bản tin thời tiết trong những giờ tới."
		fixLink    = "https://baotayninh.example.vn/kinh-te/nha-may-che-30-tan.html"
		fixTitle   = "Khánh thành nhà máy chế biến chè xuất khẩu công suất 30 tấn mỗi ngày"
		fixText    = "Nhà máy chế biến chè của hợp tác xã Tân Thành tạo việc làm cho 150 lao động địa phương, thu mua chè búp tươi của hơn 400 hộ trồng chè trong vùng với giá ổn định, công suất 30 tấn."
	)
	for _, join := range []bool{true, false} {
		t.Run(fmt.Sprintf("joining %v", join), func(t *testing.T) {
			s := newTestStore(t)
			if r := s.apply("baotayninh", t0, item(teaLink, teaTitle, teaText, 0, join)); r.New != 1 {
				t.Fatalf("morning: %+v", r)
			}
			tea := s.all(AllCategory, 1)[0]
			// The correction: same GUID, headline and slug changed, text mostly kept.
			if r := s.apply("baotayninh", t0.Add(time.Hour), item(fixLink, fixTitle, fixText, 0, join)); r != (Result{Updated: 1}) {
				t.Fatalf("correction: %+v, want an update", r)
			}
			if st := s.story(tea.ID); st.Title != fixTitle || st.Link != fixLink {
				t.Fatalf("corrected story: %q %s", st.Title, st.Link)
			}
			storm := item(stormLink, stormTitle, stormText, 8*60+5, join)
			if r := s.apply("baotayninh", t0.Add(8*time.Hour), storm); r != (Result{New: 1}) {
				t.Fatalf("the GUID on another story: %+v, want a new story", r)
			}
			stories := s.all(AllCategory, 5)
			if len(stories) != 2 {
				t.Fatalf("%d stories, want 2", len(stories))
			}
			if st := s.story(tea.ID); st.Title != fixTitle || st.Link != fixLink || !st.Updated.Equal(t0.Add(time.Hour)) {
				t.Errorf("the morning story became %q %s, updated %s", st.Title, st.Link, st.Updated)
			}
			evening := stories[0]
			if evening.ID == tea.ID || evening.Title != stormTitle || !evening.Published.Equal(t0.Add(8*time.Hour+5*time.Minute)) {
				t.Errorf("the evening story: %d %q published %s", evening.ID, evening.Title, evening.Published)
			}
			// Polled again, either is found and nothing is written.
			tx := s.txID()
			if r := s.apply("baotayninh", t0.Add(9*time.Hour), item(stormLink, stormTitle, stormText, 8*60+5, join)); r != (Result{Unchanged: 1}) {
				t.Errorf("the evening story again: %+v, want it unchanged", r)
			}
			if r := s.apply("baotayninh", t0.Add(9*time.Hour), item(fixLink, fixTitle, fixText, 0, join)); r != (Result{Unchanged: 1}) {
				t.Errorf("the morning story again: %+v, want it unchanged", r)
			}
			if got := s.txID(); got != tx {
				t.Errorf("polls with nothing new committed %d transactions", got-tx)
			}
		})
	}
}

// TestStoryGivenAnOldGUIDCorrected: a story stored apart because its guid
// was another story's is updated by its correction (a headline and slug
// changed, the text kept), not stored again; the earlier story keeps the
// guid, and the outlet editing that one still updates it.
func TestStoryGivenAnOldGUIDCorrected(t *testing.T) {
	item := func(link, title, text string, minutes int) Incoming {
		in := textItem("r1", title, text, minutes)
		in.Item.Link, in.Key = link, link
		return in
	}
	const (
		marketText = "Chợ nông sản mới của thị xã có hơn hai trăm gian hàng, ưu tiên bố trí cho các hộ trồng rau an toàn và các hợp tác xã trong vùng, mở cửa từ bốn giờ sáng."
		bridgeText = "Cây cầu treo dài 120 mét thay cho bến đò ngang, giúp hơn ba nghìn người dân hai bên bờ sông đi lại an toàn trong mùa mưa lũ, học sinh không còn phải lội suối đến trường."
	)
	market := item("https://baoyenbai.example.vn/kinh-te/cho-nong-san.html", "Thị xã khai trương chợ nông sản đầu mối", marketText, 0)
	bridge := item("https://baoyenbai.example.vn/xa-hoi/cau-treo-ban-nam.html", "Khánh thành cầu treo bản Nậm qua sông Chảy", bridgeText, 6*60)
	fixed := item("https://baoyenbai.example.vn/xa-hoi/cau-treo-ban-nam-coc.html", "Khánh thành cầu treo bản Nậm Cọc qua sông Chảy", bridgeText, 6*60)
	s := newTestStore(t)
	if r := s.apply("baoyenbai", t0, market); r != (Result{New: 1}) {
		t.Fatalf("first story: %+v", r)
	}
	if r := s.apply("baoyenbai", t0.Add(6*time.Hour), bridge); r != (Result{New: 1}) {
		t.Fatalf("the guid on another story: %+v, want a new story", r)
	}
	if r := s.apply("baoyenbai", t0.Add(7*time.Hour), fixed); r != (Result{Updated: 1}) {
		t.Fatalf("its correction: %+v, want an update", r)
	}
	if r := s.apply("baoyenbai", t0.Add(8*time.Hour), fixed); r != (Result{Unchanged: 1}) {
		t.Errorf("the correction again: %+v, want it unchanged", r)
	}
	marketFixed := market
	marketFixed.Item.Summary += " Ban quản lý miễn phí thuê gian hàng ba tháng đầu."
	if r := s.apply("baoyenbai", t0.Add(9*time.Hour), marketFixed); r != (Result{Updated: 1}) {
		t.Errorf("the first story edited: %+v, want an update", r)
	}
	got := map[string]bool{}
	for _, st := range s.all(AllCategory, 10) {
		got[st.Title] = true
	}
	if len(got) != 2 || !got[market.Item.Title] || !got[fixed.Item.Title] {
		t.Errorf("stories %v, want the market's and the corrected bridge's", got)
	}
}

// TestCorrectionInPlace: an item no key finds, which came into its outlet's
// document in the place of an item of the same second (Incoming.Corrects),
// updates the outlet's story of that second when it keeps its text: a
// headline corrected under a link that follows it. Another text in that
// place under the same headline (a bulletin's next edition), the same item
// with no such mark, or one of another second is a story of its own.
func TestCorrectionInPlace(t *testing.T) {
	const (
		title   = "Sạt lở đất vùi lấp hai ngôi nhà ở xã Tả Van"
		text    = "Mưa lớn kéo dài từ chiều qua gây sạt lở taluy dương, vùi lấp hai ngôi nhà của người dân thôn Giàng Tả Chải; chính quyền đã di dời khẩn cấp năm hộ gia đình đến nơi an toàn."
		fixed   = "Sạt lở đất vùi lấp ba ngôi nhà ở xã Tả Van"
		fixText = "Mưa lớn kéo dài từ chiều qua gây sạt lở taluy dương, vùi lấp ba ngôi nhà của người dân thôn Giàng Tả Chải; chính quyền đã di dời khẩn cấp năm hộ gia đình đến nơi an toàn."
		other   = "Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác khuyến nông năm nay, biểu dương mười hai hợp tác xã có mô hình trồng dược liệu dưới tán rừng hiệu quả."
	)
	item := func(slug, title, text string, minutes int, corrects bool) Incoming {
		in := textItem("", title, text, minutes)
		in.Item.Link = "https://baolaocai.example/" + slug + ".html"
		in.Key = in.Item.Link
		if corrects {
			in.Corrects = in.Item.Published.Unix()
		}
		return in
	}
	for _, c := range []struct {
		name string
		in   Incoming
	}{
		{"no mark", item("sat-lo-ba-nha", fixed, fixText, 0, false)},
		{"another second", item("sat-lo-ba-nha", fixed, fixText, 1, true)},
		{"unrelated text under the headline", item("hoi-nghi-khuyen-nong", title, other, 0, true)},
	} {
		s := newTestStore(t)
		s.apply("baolaocai", t0, item("sat-lo-hai-nha", title, text, 0, false))
		if r := s.apply("baolaocai", t0.Add(time.Hour), c.in); r.New != 1 {
			t.Errorf("%s: %+v, want a story of its own", c.name, r)
		}
	}
	s := newTestStore(t)
	if r := s.apply("baolaocai", t0, item("sat-lo-hai-nha", title, text, 0, false)); r.New != 1 {
		t.Fatalf("first version: %+v", r)
	}
	id := s.all(AllCategory, 1)[0].ID
	fix := item("sat-lo-ba-nha", fixed, fixText, 0, true)
	if r := s.apply("baolaocai", t0.Add(2*time.Hour), fix); r != (Result{Updated: 1}) {
		t.Fatalf("the correction in place: %+v, want the story updated", r)
	}
	if st := s.story(id); st.Title != fixed || st.Link != fix.Item.Link || !st.Updated.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("the corrected story: %q %s updated %s", st.Title, st.Link, st.Updated)
	}
	if r := s.apply("baolaocai", t0.Add(3*time.Hour), item("sat-lo-ba-nha", fixed, fixText, 0, false)); r != (Result{Unchanged: 1}) {
		t.Errorf("the correction again: %+v, want it found by its link", r)
	}
}
