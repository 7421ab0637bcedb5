package config

import (
	"testing"

	"newswire/internal/scrape"
)

func TestHTMLSource(t *testing.T) {
	c, err := Load("testdata/valid/html.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.Source("dai-tinh")
	if !s.IsHTML() {
		t.Errorf("dai-tinh: IsHTML() = false, want true")
	}
	want := scrape.Rules{Item: "article.card", Title: "h3.card-title", Link: "h3.card-title a", Date: "span.date",
		DateLayout: "15:04, 02/01/2006", Summary: "p.sapo", Image: "a.thumb img", Detail: true, Body: "div.noi-dung"}
	if got := s.HTML.Rules(); got != want {
		t.Errorf("rules:\n got %+v\nwant %+v", got, want)
	}
	if feed, _ := c.Source("bao-tinh"); feed.IsHTML() {
		t.Errorf("bao-tinh: IsHTML() = true for type feed")
	}
}
