package server

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromium = "/usr/bin/chromium"

// needBrowser skips the test when chromium is absent, except in CI, where
// scripts/test-deps must have installed it.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: scripts/test-deps should have installed it", chromium)
		}
		t.Skipf("%s not installed (run scripts/test-deps): the front page is not tested in a browser", chromium)
	}
}

// tab is one chromium tab and what it saw: every request it sent, every
// console error, exception, failed load and dialog.
type tab struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	problems []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTime)
	tb := &tab{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			tb.requests = append(tb.requests, ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				tb.problems = append(tb.problems, fmt.Sprintf("console.%s %v", ev.Type, ev.Args))
			}
		case *runtime.EventExceptionThrown:
			tb.problems = append(tb.problems, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
				tb.problems = append(tb.problems, fmt.Sprintf("%s %s: %s %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
			}
		case *page.EventJavascriptDialogOpening:
			tb.problems = append(tb.problems, "dialog: "+ev.Message)
		}
	})
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, cdplog.Enable, struct{}{})
			return err
		}),
	); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return tb
}

// seen returns the requests and problems so far, and forgets them.
func (tb *tab) seen() (requests, problems []string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	requests, problems = tb.requests, tb.problems
	tb.requests, tb.problems = nil, nil
	return requests, problems
}

func (tb *tab) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// screenshot saves the whole page as name, under $NEWSWIRE_ARTIFACTS when
// it is set (CI keeps them), else in the test's temporary folder.
func (tb *tab) screenshot(t *testing.T, name string) {
	t.Helper()
	shot, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("NEWSWIRE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact folder: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatalf("saving the screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
}

// checkClean fails on any console problem and on any request to a host other
// than allowed, which are the origins the page may load from.
func (tb *tab) checkClean(t *testing.T, when string, allowed ...string) {
	t.Helper()
	requests, problems := tb.seen()
	for _, p := range problems {
		t.Errorf("%s: %s", when, p)
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil || !slices.Contains(allowed, u.Scheme+"://"+u.Host) {
			t.Errorf("%s: request to a foreign host: %s", when, r)
		}
	}
}

// TestFrontInBrowser opens the front page in headless chromium as a phone and
// as a desktop, and uses it as a reader would.
func TestFrontInBrowser(t *testing.T) {
	needBrowser(t)
	fs := newFrontSite(t, 40)
	tb := newTab(t)
	site := fs.srv.URL
	// A reader whose browser asks for Vietnamese.
	if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "vi-VN,vi;q=0.9"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: "granted", Origin: site,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}

	for _, width := range []int64{360, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			tb.do(t, "opening the front page",
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(site+"/"),
				chromedp.WaitVisible(chromedp.CSS(".story")),
			)
			if lang := eval[string](t, tb, `document.documentElement.lang`); lang != "vi" {
				t.Errorf("lang=%q, want vi", lang)
			}
			type storyInfo struct {
				Title   string   `json:"title"`
				Outlets []string `json:"outlets"`
				Visible bool     `json:"visible"`
			}
			stories := eval[[]storyInfo](t, tb, `[...document.querySelectorAll(".story")].map(s => ({
				title: s.querySelector("h2").innerText,
				outlets: [...s.querySelectorAll(".outlets > span:not(.badge)")].map(o => o.innerText),
				visible: s.getBoundingClientRect().width > 0 && getComputedStyle(s).visibility === "visible"}))`)
			if len(stories) != frontPageSize {
				t.Fatalf("%d stories shown, want %d", len(stories), frontPageSize)
			}
			first := stories[0]
			if first.Title != "Ruộng bậc thang Hoàng Su Phì vào mùa nước đổ" || !slices.Equal(first.Outlets, []string{"Báo Hà Giang", "TTXVN", "VOV"}) || !first.Visible {
				t.Errorf("first story %+v", first)
			}
			if !slices.ContainsFunc(stories, func(s storyInfo) bool { return strings.HasPrefix(s.Title, "<script>alert(1)</script>") }) {
				t.Errorf("the story with markup in its title is not shown as text")
			}
			if n := eval[int](t, tb, `document.querySelectorAll("h1").length`); n != 1 {
				t.Errorf("%d h1 elements", n)
			}
			if w := eval[[]int](t, tb, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
				t.Errorf("page is %d px wide in a %d px window: it scrolls sideways", w[0], w[1])
			}
			// Every link says where it goes.
			if bad := eval[[]string](t, tb, `[...document.querySelectorAll("a")].filter(a => !a.innerText.trim() && !a.getAttribute("aria-label")).map(a => a.outerHTML)`); len(bad) > 0 {
				t.Errorf("links without text: %q", bad)
			}
			tb.screenshot(t, fmt.Sprintf("front-%d.jpg", width))
			tb.checkClean(t, "front page", site)
		})
	}

	t.Run("category link", func(t *testing.T) {
		tb.do(t, "following the category link",
			chromedp.EmulateViewport(360, 800),
			chromedp.Navigate(site+"/"),
			chromedp.Click(chromedp.Search(`//nav[@class="cats"]//a[text()="Du lịch"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.cats a[aria-current="page"][href="/c/du-lich"]`)),
		)
		if loc := eval[string](t, tb, `location.pathname`); loc != "/c/du-lich" {
			t.Errorf("at %s, want /c/du-lich", loc)
		}
		if h1 := eval[string](t, tb, `document.querySelector("h1").innerText`); h1 != "Du lịch" {
			t.Errorf("h1 %q", h1)
		}
		if n := eval[int](t, tb, `document.querySelectorAll(".story").length`); n != 3 {
			t.Errorf("%d stories in Du lịch, want 3", n)
		}
		tb.checkClean(t, "category page", site)
	})

	t.Run("copy feed address", func(t *testing.T) {
		want := site + "/feeds/du-lich.rss"
		tb.do(t, "copying the RSS address",
			chromedp.Navigate(site+"/c/du-lich"),
			chromedp.WaitVisible(chromedp.CSS(".subscribe button.copy")),
			chromedp.ScrollIntoView(chromedp.CSS(".subscribe button.copy")),
			chromedp.Click(chromedp.CSS(".subscribe button.copy")),
			chromedp.WaitReady(chromedp.CSS(".subscribe[data-copied]")),
		)
		if got := eval[string](t, tb, `navigator.clipboard.readText()`); got != want {
			t.Errorf("clipboard holds %q, want %q", got, want)
		}
		if got := eval[string](t, tb, `document.querySelector(".copy-status").innerText`); !strings.Contains(got, want) {
			t.Errorf("copy status %q", got)
		}
		// Without the script the address is a plain link to the feed.
		if got := eval[string](t, tb, `document.querySelector(".subscribe a[data-copy]").href`); got != want {
			t.Errorf("RSS link %q, want %q", got, want)
		}
		tb.checkClean(t, "copying", site)
	})

	t.Run("English", func(t *testing.T) {
		tb.do(t, "switching to English",
			chromedp.Navigate(site+"/c/du-lich"),
			chromedp.Click(chromedp.CSS("[data-switch-lang]")),
			chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)),
		)
		if got := eval[string](t, tb, `document.querySelector("#theo-doi-h").innerText`); got != "Follow this section: Du lịch" {
			t.Errorf("subscribe heading %q", got)
		}
		// The choice holds while browsing, whatever the browser asks for.
		tb.do(t, "browsing in English",
			chromedp.Click(chromedp.Search(`//nav[@class="cats"]//a[text()="All stories"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.cats a[aria-current="page"]`)),
		)
		if got := eval[[]string](t, tb, `[document.documentElement.lang, document.querySelector("h1").innerText, location.search]`); !slices.Equal(got, []string{"en", "All stories", "?lang=en"}) {
			t.Errorf("after a category link: %q", got)
		}
		tb.checkClean(t, "English", site)
	})

	t.Run("images on", func(t *testing.T) {
		outlet := fs.outlet.URL
		tb.do(t, "showing images",
			chromedp.EmulateViewport(360, 2000),
			chromedp.Navigate(site+"/?images=1"),
			chromedp.WaitVisible(chromedp.CSS("img.thumb")),
		)
		loaded := eval[[]string](t, tb, `new Promise(done => {
			const imgs = [...document.querySelectorAll("img.thumb")];
			const check = () => imgs.every(i => i.complete) ? done(imgs.filter(i => i.naturalWidth > 0).map(i => i.src)) : setTimeout(check, 20);
			check();
		})`)
		if want := []string{outlet + "/img/ruong.png", outlet + "/img/kinh-te.png"}; !slices.Equal(loaded, want) {
			t.Errorf("images loaded %q, want the stories' own %q", loaded, want)
		}
		// Images come from the outlets' own addresses, and nothing else does.
		tb.checkClean(t, "images on", site, outlet)
	})
}
