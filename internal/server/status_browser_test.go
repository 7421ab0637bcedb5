package server

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestStatusInBrowser opens the status page in headless chromium as a phone
// and as a desktop: it must not scroll sideways, and on a phone every source
// is a card.
func TestStatusInBrowser(t *testing.T) {
	needBrowser(t)
	ss := newStatusSite(t)
	ss.pollTwice(t)
	tb := newTab(t)
	site := ss.srv.URL
	for _, tt := range []struct {
		width   int64
		display string // of a source's row
	}{{360, "block"}, {1280, "table-row"}} {
		t.Run(fmt.Sprint(tt.width), func(t *testing.T) {
			tb.do(t, "opening the status page",
				chromedp.EmulateViewport(tt.width, 800),
				chromedp.Navigate(site+"/status"),
				chromedp.WaitVisible(chromedp.CSS("tr.source")),
			)
			if w := eval[[]int](t, tb, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
				t.Errorf("page is %d px wide in a %d px window: it scrolls sideways", w[0], w[1])
			}
			if d := eval[string](t, tb, `getComputedStyle(document.querySelector("tr.source")).display`); d != tt.display {
				t.Errorf("a source's row displays as %q, want %q", d, tt.display)
			}
			// The stylesheet applied: CSP let it through.
			if c := eval[string](t, tb, `getComputedStyle(document.querySelector("#nguon-hong .state")).fontWeight`); c != "600" {
				t.Errorf("state font-weight = %q: site.css not applied", c)
			}
			tb.screenshot(t, fmt.Sprintf("status-%d.jpg", tt.width))
			tb.checkClean(t, "status page", site)
		})
	}
}
