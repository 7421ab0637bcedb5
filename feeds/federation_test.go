package feeds

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// lowerRenderer and lowerStories are a newswire of a province as another
// newswire above it polls it: a central outlet's English story without an
// author, and a provincial one's Vietnamese story with one.
func lowerRenderer() Renderer {
	return Renderer{
		Authority: "hagiang.newswire.example",
		Outlets: map[string]Outlet{
			"newsb":  {ID: "newsb", Title: "News B Central", Link: "https://newsb.example.vn/", FeedURL: "https://newsb.example.vn/rss/all.rss", Level: "central"},
			"baohg":  {ID: "baohg", Title: "Báo Hà Giang", Link: "https://baohagiang.example.vn/", FeedURL: "https://baohagiang.example.vn/rss.xml", Level: "provincial"},
			"dainhd": {ID: "dainhd", Title: "Đài Nhân Dân", Link: "https://dainhandan.example.vn/", FeedURL: "https://dainhandan.example.vn/rss.xml", Level: "central"},
		},
	}
}

func lowerStories() []Story {
	t0 := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	return []Story{
		{
			ID: 7, Title: "Ha Giang tea growers sign first export deal with Japan",
			Link:      "https://newsb.example.vn/en/ha-giang-tea-export-9921",
			Summary:   "Shan tuyet tea from Vi Xuyen district will reach Japanese shops this winter.",
			Published: t0, Updated: t0, FirstSeen: t0, SortTime: t0, Language: "en",
			Sources: []Occurrence{
				{Source: "newsb", Link: "https://newsb.example.vn/en/ha-giang-tea-export-9921", Published: t0, FirstSeen: t0},
				{Source: "dainhd", Link: "https://dainhandan.example.vn/en/tea-japan-77", Published: t0.Add(time.Hour), FirstSeen: t0.Add(time.Hour)},
			},
		},
		{
			ID: 6, Title: "Mèo Vạc khai mạc chợ phiên cuối năm",
			Link:      "https://baohagiang.example.vn/van-hoa/cho-phien-meo-vac-310",
			Summary:   "Chợ phiên Mèo Vạc mở cửa từ sáng sớm với hàng trăm gian hàng thổ cẩm.",
			Authors:   []Person{{Name: "Lò Thị Mai"}},
			Published: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour), FirstSeen: t0.Add(-time.Hour), SortTime: t0.Add(-time.Hour), Language: "vi",
			Sources: []Occurrence{{Source: "baohg", Link: "https://baohagiang.example.vn/van-hoa/cho-phien-meo-vac-310", Published: t0.Add(-time.Hour), FirstSeen: t0.Add(-time.Hour)}},
		},
	}
}

// parseLower renders the lower newswire's "all" feed in format ext and parses
// it back as the newswire above reads it.
func parseLower(t *testing.T, ext string) *Feed {
	t.Helper()
	ch := Channel{
		ID: "https://hagiang.newswire.example/feeds/all", Title: "Tất cả tin", Link: "https://hagiang.newswire.example/",
		SelfURL: "https://hagiang.newswire.example/feeds/all." + ext, Language: "vi",
	}
	var buf bytes.Buffer
	for _, f := range formats {
		if f.ext == ext {
			if err := f.render(lowerRenderer(), &buf, ch, lowerStories()); err != nil {
				t.Fatal(err)
			}
		}
	}
	feed, err := Parse(buf.Bytes(), ParseOptions{FeedURL: ch.SelfURL, Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 2 {
		t.Fatalf("%s: %d items, want 2", ext, len(feed.Items))
	}
	return feed
}

// TestFederatedAuthorsAndLanguages: the three formats of a newswire give the
// newswire above the same language and the same authors for each story:
// none for a story whose outlet named no author, rather than the lower
// feed's title, which Atom writes as the feed's author.
func TestFederatedAuthorsAndLanguages(t *testing.T) {
	for _, f := range formats {
		feed := parseLower(t, f.ext)
		if got := []string{feed.Items[0].Language, feed.Items[1].Language}; !slices.Equal(got, []string{"en", "vi"}) {
			t.Errorf("%s: languages %q, want en, vi", f.ext, got)
		}
		if got := feed.Items[0].Authors; len(got) != 0 {
			t.Errorf("%s: a story without an author is credited to %+v", f.ext, got)
		}
		if got := feed.Items[1].Authors; !slices.Equal(got, []Person{{Name: "Lò Thị Mai"}}) {
			t.Errorf("%s: authors %+v, want Lò Thị Mai", f.ext, got)
		}
	}
}

// TestAtomEntryAuthors: an entry's own authors, else its atom:source's but
// the one that names the source feed itself, else, for an entry not copied
// from another feed, the feed's.
func TestAtomEntryAuthors(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Tổng hợp</title><id>urn:tonghop</id><updated>2026-11-28T08:00:00Z</updated>
<author><name>Tổng hợp</name></author>
<entry><id>urn:tonghop:1</id><updated>2026-11-28T08:00:00Z</updated><title>Tin một</title><link href="https://a.example.vn/1"/>
<source><id>https://a.example.vn/feed</id><title>Báo A</title><updated>2026-11-28T08:00:00Z</updated><author><name>Báo A</name></author></source></entry>
<entry><id>urn:tonghop:2</id><updated>2026-11-28T07:00:00Z</updated><title>Tin hai</title><link href="https://b.example.vn/2"/>
<source><id>https://b.example.vn/feed</id><title>Nhật ký Bản Giốc</title><updated>2026-11-28T07:00:00Z</updated><author><name>Nông Văn Dìn</name></author></source></entry>
<entry><id>urn:tonghop:3</id><updated>2026-11-28T06:00:00Z</updated><title>Tin ba</title><link href="https://c.example.vn/3"/><author><name>Hoàng Thu</name></author>
<source><id>https://c.example.vn/feed</id><title>Báo C</title><author><name>Báo C</name></author></source></entry>
<entry><id>urn:tonghop:4</id><updated>2026-11-28T05:00:00Z</updated><title>Tin bốn</title><link href="https://tonghop.example.vn/4"/></entry>
</feed>`
	feed, err := Parse([]byte(doc), splitOpt("https://tonghop.example.vn/atom"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]Person{nil, {{Name: "Nông Văn Dìn"}}, {{Name: "Hoàng Thu"}}, {{Name: "Tổng hợp"}}}
	for i, it := range feed.Items {
		if !slices.Equal(it.Authors, want[i]) {
			t.Errorf("entry %d: authors %+v, want %+v", i+1, it.Authors, want[i])
		}
	}
}

// TestFederatedOrigin: each format of a newswire tells the newswire above
// which outlet published each story: the one atom:source, RSS <source> and
// the JSON Feed's _newswire.sources name, not the newswire itself.
func TestFederatedOrigin(t *testing.T) {
	for _, f := range formats {
		feed := parseLower(t, f.ext)
		want := []Origin{
			{Title: "News B Central", FeedURL: "https://newsb.example.vn/rss/all.rss", Link: "https://newsb.example.vn/", Level: "central"},
			{Title: "Báo Hà Giang", FeedURL: "https://baohagiang.example.vn/rss.xml", Link: "https://baohagiang.example.vn/", Level: "provincial"},
		}
		for i := range want {
			switch f.ext {
			case "rss":
				want[i].Link = "" // <source> has the feed and its title alone
				fallthrough
			case "atom":
				want[i].Level = ""
			}
			if got := feed.Items[i].Origin; got != want[i] {
				t.Errorf("%s: item %d origin %+v, want %+v", f.ext, i, got, want[i])
			}
		}
	}
}

// TestOriginOfOutletsOwnFeed: an RSS <source> names the feed an item was
// copied from; an outlet that names its own feed there names no origin.
func TestOriginOfOutletsOwnFeed(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Báo Bắc Kạn</title><link>https://backan.example.vn/</link><description>Tin Bắc Kạn</description>
<item><title>Ba Bể đón khách đầu mùa</title><link>https://backan.example.vn/ba-be-1</link><source url="https://backan.example.vn/rss">Báo Bắc Kạn</source></item>
<item><title>Giá lúa tăng nhẹ</title><link>https://ttx.example.vn/gia-lua-2</link><source url="https://ttx.example.vn/rss/kinh-te.rss">Thông tấn X</source></item>
</channel></rss>`
	feed, err := Parse([]byte(doc), splitOpt("https://backan.example.vn/rss"))
	if err != nil {
		t.Fatal(err)
	}
	if o := feed.Items[0].Origin; !o.IsZero() {
		t.Errorf("the outlet's own feed as its item's origin: %+v", o)
	}
	if o, want := feed.Items[1].Origin, (Origin{Title: "Thông tấn X", FeedURL: "https://ttx.example.vn/rss/kinh-te.rss"}); o != want {
		t.Errorf("origin %+v, want %+v", o, want)
	}
}

// TestFederatedChain: a story a newswire got through another names its
// outlet in each of its own formats too, so that a third newswire above
// (national above province above district) credits the outlet as well.
func TestFederatedChain(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	origin := Origin{Title: "News B Central", FeedURL: "https://newsb.example.vn/rss/all.rss", Link: "https://newsb.example.vn/", Level: "central"}
	province := Renderer{
		Authority: "hagiang.newswire.example",
		Outlets: map[string]Outlet{
			"xinman": {ID: "xinman", Title: "Newswire Xín Mần", Link: "https://xinman.newswire.example/", FeedURL: "https://xinman.newswire.example/feeds/all.json", Level: "provincial"},
		},
	}
	stories := []Story{{
		ID: 3, Title: "Ha Giang tea growers sign first export deal with Japan", Link: "https://newsb.example.vn/en/ha-giang-tea-export-9921",
		Published: t0, Updated: t0, FirstSeen: t0, SortTime: t0, Language: "en",
		Sources: []Occurrence{{Source: "xinman", Link: "https://newsb.example.vn/en/ha-giang-tea-export-9921", Published: t0, FirstSeen: t0, Origin: origin}},
	}}
	ch := Channel{ID: "https://hagiang.newswire.example/feeds/all", Title: "Tất cả tin", Link: "https://hagiang.newswire.example/", Language: "vi"}
	for _, f := range formats {
		ch.SelfURL = "https://hagiang.newswire.example/feeds/all." + f.ext
		var buf bytes.Buffer
		if err := f.render(province, &buf, ch, stories); err != nil {
			t.Fatal(err)
		}
		feed, err := Parse(buf.Bytes(), ParseOptions{FeedURL: ch.SelfURL, Now: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		want := origin
		switch f.ext {
		case "rss":
			want.Link = ""
			fallthrough
		case "atom":
			want.Level = ""
		}
		if got := feed.Items[0].Origin; got != want {
			t.Errorf("%s: origin %+v, want %+v", f.ext, got, want)
		}
		if !bytes.Contains(buf.Bytes(), []byte("Newswire Xín Mần")) {
			t.Errorf("%s: the newswire the story came through is not credited:\n%s", f.ext, buf.Bytes())
		}
	}
}

// TestFederatedUpdates: a story changed after it was published (a corrected
// headline) reaches the newswire above with its updated date in every
// format, RSS included (atom:updated, as RSS 2.0 has no element for it),
// and a story never changed carries no date of change in RSS.
func TestFederatedUpdates(t *testing.T) {
	stories := testStories()
	for _, f := range formats {
		ch := channelFor(f.ext)
		var buf bytes.Buffer
		if err := f.render(testRenderer(), &buf, ch, stories); err != nil {
			t.Fatal(err)
		}
		if f.ext == "rss" {
			if n := strings.Count(buf.String(), "<atom:updated>"); n != 1 {
				t.Errorf("rss: %d atom:updated, want the changed story's alone:\n%s", n, buf.String())
			}
		}
		feed, err := Parse(buf.Bytes(), ParseOptions{FeedURL: ch.SelfURL, Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stories {
			var got *Item
			for i := range feed.Items {
				if feed.Items[i].GUID == StoryID(testRenderer().Authority, s.ID) {
					got = &feed.Items[i]
				}
			}
			if got == nil {
				t.Fatalf("%s: story %d not read back", f.ext, s.ID)
			}
			want := s.Updated
			if !s.Updated.After(s.Published) {
				// Never changed: no date of change, or its publication
				// (in Atom, within the millisecond above).
				if !got.Updated.IsZero() && got.Updated.Sub(got.Published).Abs() >= time.Millisecond {
					t.Errorf("%s: story %d, never changed, read as updated %v (published %v)", f.ext, s.ID, got.Updated, got.Published)
				}
				continue
			}
			// Atom tells apart stories dated alike within a millisecond.
			if d := got.Updated.Sub(want).Abs(); d >= time.Millisecond {
				t.Errorf("%s: story %d read as updated %v, want %v", f.ext, s.ID, got.Updated, want)
			}
		}
	}
}
