package poll

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"newswire/feeds"
	"newswire/internal/config"
)

// TestRoutingCountsAndLanguage polls a source that declares no language:
// each filter's drops are counted on the source's state, and the items that
// stay get a detected language, so that language routing applies to them.
func TestRoutingCountsAndLanguage(t *testing.T) {
	url := serveOn(t, "127.0.0.61", fixture(t, "identity.xml"))
	cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir: %s
poll:
%s
sources:
  - {id: huyen, url: %q}
categories:
  - {id: thoi-su}
  - {id: english, languages: [en]}
default_category: thoi-su
filters:
  drop_title_prefixes: ["Quảng cáo"]
  drop_keywords: ["tài trợ"]
`, t.TempDir(), fastPoll, url+"/rss")), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, st, _ := newPoller(t, cfg)
	rep := p.Poll(context.Background(), source(t, cfg, "huyen"))
	if rep.Err != nil || rep.New != 2 || rep.Dropped != 3 {
		t.Fatalf("report = %+v", rep)
	}
	want := map[string]int{
		`filters.drop_title_prefixes: "Quảng cáo"`: 2,
		`filters.drop_keywords: "tài trợ"`:         1,
	}
	got := savedState(t, st, "huyen").Dropped
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dropped = %v, want %v", got, want)
	}

	langs := map[string]string{}
	cats := map[string][]string{}
	if err := st.ForEach(func(s feeds.Story) error {
		langs[s.Link], cats[s.Link] = s.Language, s.Categories
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if l := langs["http://huyen.test/tin-hoc.html"]; l != "vi" {
		t.Errorf("Vietnamese item detected as %q", l)
	}
	if l := langs["http://huyen.test/en/computer-class.html"]; l != "en" {
		t.Errorf("English item detected as %q", l)
	}
	if c := cats["http://huyen.test/en/computer-class.html"]; len(c) != 1 || c[0] != "english" {
		t.Errorf("English item routed to %v, want [english]", c)
	}
}

// TestDeclaredLanguageOverruled: a Vietnamese site whose feed template
// declares en-US has its Vietnamese stories stored as Vietnamese and kept
// out of the English category; its one English story, with Vietnamese
// place names in it, stays English; a headline with no summary is told by
// its words in lower case, or by all its words when it is in capitals, and
// one too short to tell keeps the feed's word.
func TestDeclaredLanguageOverruled(t *testing.T) {
	feed := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo Bắc Mê</title><link>http://bacme.test/</link><description>Tin huyện</description>
<language>en-US</language>
<item><title>Huyện Bắc Mê khởi công cầu treo qua sông Gâm</title><link>http://bacme.test/cau-treo.html</link>
<description>Cây cầu dài 120 mét được xây dựng trong 8 tháng, giúp người dân các thôn bên kia sông đi lại thuận tiện hơn khi mùa mưa đến.</description>
<pubDate>Sat, 28 Nov 2026 08:00:00 +0700</pubDate></item>
<item><title>Bac Me starts work on a suspension bridge</title><link>http://bacme.test/en/bridge.html</link>
<description>The 120-metre bridge over the Gâm river in Bắc Mê will take eight months to build, and it is the first in the district.</description>
<pubDate>Sat, 28 Nov 2026 09:00:00 +0700</pubDate></item>
<item><title>Video: cầu treo Bắc Mê</title><link>http://bacme.test/video.html</link>
<pubDate>Sat, 28 Nov 2026 10:00:00 +0700</pubDate></item>
<item><title>Bắc Mê: mùa gặt trên ruộng bậc thang đẹp như tranh</title><link>http://bacme.test/mua-gat.html</link>
<pubDate>Sat, 28 Nov 2026 11:00:00 +0700</pubDate></item>
<item><title>BẮC MÊ ĐÓN ĐOÀN KHÁCH DU LỊCH ĐẦU TIÊN QUA CẦU TREO SÔNG GÂM</title><link>http://bacme.test/doan-khach.html</link>
<pubDate>Sat, 28 Nov 2026 12:00:00 +0700</pubDate></item>
<item><title>BAC ME BRIDGE OVER THE GÂM RIVER OPENS TO VISITORS</title><link>http://bacme.test/en/visitors.html</link>
<pubDate>Sat, 28 Nov 2026 13:00:00 +0700</pubDate></item>
</channel></rss>`
	url := serveOn(t, "127.0.0.62", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = io.WriteString(w, feed)
	}))
	cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir: %s
poll:
%s
sources:
  - {id: bacme, url: %q}
categories:
  - {id: thoi-su}
  - {id: english, languages: [en]}
default_category: thoi-su
`, t.TempDir(), fastPoll, url+"/rss")), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, st, _ := newPoller(t, cfg)
	if rep := p.Poll(context.Background(), source(t, cfg, "bacme")); rep.Err != nil || rep.New != 6 {
		t.Fatalf("report = %+v", rep)
	}
	langs := map[string]string{}
	cats := map[string]string{}
	if err := st.ForEach(func(s feeds.Story) error {
		langs[s.Link], cats[s.Link] = s.Language, strings.Join(s.Categories, ",")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for link, want := range map[string][2]string{
		"http://bacme.test/cau-treo.html":    {"vi", "thoi-su"},
		"http://bacme.test/en/bridge.html":   {"en-US", "english"},
		"http://bacme.test/video.html":       {"en-US", "english"},
		"http://bacme.test/mua-gat.html":     {"vi", "thoi-su"},
		"http://bacme.test/doan-khach.html":  {"vi", "thoi-su"},
		"http://bacme.test/en/visitors.html": {"en-US", "english"},
	} {
		if langs[link] != want[0] || cats[link] != want[1] {
			t.Errorf("%s: language %q in %q, want %q in %q", link, langs[link], cats[link], want[0], want[1])
		}
	}
}

// TestLanguageOfAnotherScript: an item in a script neither Vietnamese nor
// English writes is stored in the language that script tells, whether its
// feed declares vi (a border district's outlet carrying its neighbours'
// news) or nothing, and reaches the category of that language; a headline
// of Vietnamese words in lower case in a feed declaring en-US is
// Vietnamese, as are short syllables without marks among them.
func TestLanguageOfAnotherScript(t *testing.T) {
	doc := func(language string, items ...[2]string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo Biên giới</title><link>http://bien.test/</link><description>Tin biên giới</description>%s`, language)
		for i, it := range items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>http://bien.test/%s.html</link><pubDate>Sat, 28 Nov 2026 0%d:00:00 +0700</pubDate></item>\n", it[1], it[0], i+1)
		}
		return b.String() + "</channel></rss>"
	}
	docs := map[string]string{
		"/vi": doc("<language>vi</language>", [2]string{"cua-khau", "边境口岸货物通关量增加"}, [2]string{"hoi-che", "ខេត្តភ្នំជួបជុំកសិករដាំតែ"},
			[2]string{"cho-phien", "Chợ phiên Mèo Vạc đông vui ngày cuối tuần"}),
		"/none": doc("", [2]string{"le-hoi", "ສະຫຼອງບຸນຊາວບ້ານ"}, [2]string{"hang-hoa", "河江省茶叶出口日本"}),
		"/en":   doc("<language>en-US</language>", [2]string{"tam-giac-mach", "người dân vùng cao háo hức đón mùa hoa tam giác mạch năm nay"}),
	}
	url := serveOn(t, "127.0.0.63", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = io.WriteString(w, docs[r.URL.Path])
	}))
	cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir: %s
poll:
%s
sources:
  - {id: bien-vi, url: %q}
  - {id: bien-none, url: %q}
  - {id: bien-en, url: %q}
categories:
  - {id: thoi-su}
  - {id: english, languages: [en]}
  - {id: lang-gieng, languages: [zh, km, lo]}
default_category: thoi-su
`, t.TempDir(), fastPoll, url+"/vi", url+"/none", url+"/en")), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, st, _ := newPoller(t, cfg)
	for _, id := range []string{"bien-vi", "bien-none", "bien-en"} {
		if rep := p.Poll(context.Background(), source(t, cfg, id)); rep.Err != nil {
			t.Fatalf("%s: %+v", id, rep)
		}
	}
	got := map[string][2]string{}
	if err := st.ForEach(func(s feeds.Story) error {
		got[s.Link] = [2]string{s.Language, strings.Join(s.Categories, ",")}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for link, want := range map[string][2]string{
		"http://bien.test/cua-khau.html":      {"zh", "lang-gieng"},
		"http://bien.test/hoi-che.html":       {"km", "lang-gieng"},
		"http://bien.test/cho-phien.html":     {"vi", "thoi-su"},
		"http://bien.test/le-hoi.html":        {"lo", "lang-gieng"},
		"http://bien.test/hang-hoa.html":      {"zh", "lang-gieng"},
		"http://bien.test/tam-giac-mach.html": {"vi", "thoi-su"},
	} {
		if got[link] != want {
			t.Errorf("%s: language and categories %q, want %q", link, got[link], want)
		}
	}
}
