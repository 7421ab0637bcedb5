package poll

import (
	"context"
	"fmt"
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
