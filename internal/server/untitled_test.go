package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/poll"
	"newswire/store"
)

// TestUntitledStoryHasNoInventedBody: a radio bulletin with no title and
// no text is given a headline below (the kind and file of its audio, and
// its outlet), and nothing else. A newswire above that reads it, in each
// of the three formats, stores the headline and its audio, with no summary
// and no body made of that headline.
func TestUntitledStoryHasNoInventedBody(t *testing.T) {
	lower := newFeedSite(t, "")
	const headline = "Âm thanh: ban-tin-sang.mp3 (Báo Hà Giang)"
	bulletin := story("baohagiang", "ban-tin-sang", headline, 5, "thoi-su")
	bulletin.Item.Summary, bulletin.Item.ContentHTML, bulletin.Item.Authors = "", "", nil
	bulletin.Item.Enclosures = []feeds.Enclosure{{URL: "https://baohagiang.example.vn/media/ban-tin-sang.mp3", Type: "audio/mpeg", Length: 4404019}}
	lower.apply(t, "baohagiang", bulletin)

	for _, ext := range []string{"rss", "atom", "json"} {
		cfg, err := config.Parse(fmt.Appendf(nil, `
base_url: http://127.0.0.1:9
data_dir: %s
sources: [{id: tinh, url: "%s/feeds/all.%s"}]
categories: [{id: tin-tinh, title: Tin tỉnh}]
default_category: tin-tinh
`, filepath.Join(t.TempDir(), "upper"), lower.srv.URL, ext), "config.yaml")
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := poll.New(cfg, st, slog.New(slog.DiscardHandler))
		if rep := p.Poll(context.Background(), cfg.Sources[0]); rep.Err != nil || rep.New != 1 {
			t.Fatalf("%s: %+v", ext, rep)
		}
		page, err := st.Latest(store.AllCategory, 10, "")
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Stories {
			if s.Title != headline || s.Summary != "" || s.ContentHTML != "" || len(s.Enclosures) != 1 {
				t.Errorf("%s: stored above: title %q, summary %q, body %q, enclosures %v", ext, s.Title, s.Summary, s.ContentHTML, s.Enclosures)
			}
		}
	}
}
