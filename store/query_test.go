package store

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"newswire/feeds"
)

// fillStories stores n stories of source, in documents of 40 items, with
// publication times that repeat every 7 stories so that ties on SortTime occur.
// Every third story is also in "van-hoa".
func fillStories(t testing.TB, s *testStore, source string, n int) {
	t.Helper()
	var doc []Incoming
	for i := range n {
		cats := []string{"thoi-su"}
		if i%3 == 0 {
			cats = append(cats, "van-hoa")
		}
		link := fmt.Sprintf("https://baotuyenquang.example/tin/%d.html", i)
		doc = append(doc, news(fmt.Sprintf("tq-%d", i), link, fmt.Sprintf("Tin vắn Tuyên Quang số %d", i), (i/7)*5, cats...))
		if len(doc) == 40 || i == n-1 {
			s.apply(source, t0.Add(24*time.Hour), doc...)
			doc = doc[:0]
		}
	}
}

func TestLatestPaging(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 120)
	tests := []struct {
		category string
		limit    int
		want     int
	}{
		{AllCategory, 7, 120},
		{AllCategory, 50, 120},
		{AllCategory, 120, 120},
		{AllCategory, 500, 120},
		{AllCategory, 0, 120},
		{"van-hoa", 9, 40},
		{"khong-co", 10, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.category, tt.limit), func(t *testing.T) {
			got := s.all(tt.category, tt.limit)
			if len(got) != tt.want {
				t.Fatalf("%d stories, want %d", len(got), tt.want)
			}
			seen := map[uint64]bool{}
			for i, st := range got {
				if seen[st.ID] {
					t.Fatalf("story %d twice", st.ID)
				}
				seen[st.ID] = true
				if i == 0 {
					continue
				}
				prev := got[i-1]
				if st.SortTime.After(prev.SortTime) || st.SortTime.Equal(prev.SortTime) && st.ID > prev.ID {
					t.Errorf("story %d (%v) after %d (%v): not newest first", st.ID, st.SortTime, prev.ID, prev.SortTime)
				}
			}
		})
	}

	t.Run("first page", func(t *testing.T) {
		p, err := s.Latest(AllCategory, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Stories) != 50 || p.Next == "" {
			t.Fatalf("%d stories, next %q", len(p.Stories), p.Next)
		}
		if p.Stories[0].ID != 120 {
			t.Errorf("newest = %d, want 120", p.Stories[0].ID)
		}
	})
	t.Run("exact last page has no next", func(t *testing.T) {
		p, err := s.Latest("van-hoa", 40, "")
		if err != nil || len(p.Stories) != 40 || p.Next != "" {
			t.Fatalf("%d stories, next %q, err %v", len(p.Stories), p.Next, err)
		}
	})
}

func TestLatestCursorSurvivesWrites(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 60)
	first, err := s.Latest(AllCategory, 25, "")
	if err != nil {
		t.Fatal(err)
	}
	// A newer story and an older one arrive between two page requests.
	s.apply("baohagiang", t0.Add(48*time.Hour),
		news("hg-new", hgLink, "Hà Giang đón mưa xuân", 24*60, "thoi-su"),
		news("hg-old", lcLink, "Tin cũ được đăng lại", -60, "thoi-su"))
	var rest []feeds.Story
	for cursor := first.Next; cursor != ""; {
		p, err := s.Latest(AllCategory, 25, cursor)
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, p.Stories...)
		cursor = p.Next
	}
	got := append(ids(first.Stories), ids(rest)...)
	if len(got) != 61 {
		t.Errorf("%d stories, want the 60 plus the older arrival", len(got))
	}
	if slices.Contains(got, 61) {
		t.Error("the newer arrival appeared on an older page")
	}
	if got[len(got)-1] != 62 {
		t.Errorf("last story %d, want the older arrival 62", got[len(got)-1])
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != 61 {
		t.Error("a story appeared twice")
	}
}

func TestLatestBadCursor(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 5)
	for _, cursor := range []string{
		"!!!",
		"AAAA",
		base64.RawURLEncoding.EncodeToString(make([]byte, 15)),
		base64.RawURLEncoding.EncodeToString(make([]byte, 17)),
		base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")),
	} {
		t.Run(cursor, func(t *testing.T) {
			if _, err := s.Latest(AllCategory, 10, cursor); !errors.Is(err, ErrBadCursor) {
				t.Errorf("err = %v, want ErrBadCursor", err)
			}
		})
	}
}

func TestStory(t *testing.T) {
	s := newTestStore(t)
	s.apply("baohagiang", t0, news("hg-1", hgLink, "Mèo Vạc tổ chức chợ tình Khâu Vai", 0, "van-hoa"))
	tests := []struct {
		id     uint64
		wantOK bool
	}{{1, true}, {2, false}, {0, false}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.id), func(t *testing.T) {
			st, ok, err := s.Story(tt.id)
			if err != nil || ok != tt.wantOK || ok && st.ID != tt.id {
				t.Errorf("Story(%d) = %d, %v, %v", tt.id, st.ID, ok, err)
			}
		})
	}
}

func TestForEach(t *testing.T) {
	s := newTestStore(t)
	const n = 2*forEachPage + 13
	fillStories(t, s, "baotuyenquang", n)

	var got []uint64
	if err := s.ForEach(func(st feeds.Story) error { got = append(got, st.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != n || !slices.IsSorted(got) || got[0] != 1 {
		t.Errorf("%d stories from %v, sorted %v; want %d from 1 ascending", len(got), got[:1], slices.IsSorted(got), n)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != n {
		t.Error("ForEach repeated a story")
	}

	stop := errors.New("enough")
	calls := 0
	err := s.ForEach(func(feeds.Story) error {
		calls++
		if calls == forEachPage+1 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != forEachPage+1 {
		t.Errorf("err %v after %d calls, want %v after %d", err, calls, stop, forEachPage+1)
	}

	// fn may write: ForEach holds no transaction while calling it.
	first := true
	err = s.ForEach(func(feeds.Story) error {
		if first {
			first = false
			_, err := s.Apply("baohagiang", []Incoming{news("hg-x", hgLink, "Tin chen giữa chừng", 0)}, t0)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSources(t *testing.T) {
	s := newTestStore(t)
	if _, ok, err := s.Source("baohagiang"); ok || err != nil {
		t.Fatalf("Source of an empty store = %v, %v", ok, err)
	}
	states := []SourceState{
		{ID: "baotuyenquang", LastPoll: t0, LastResult: "ok", ETag: `"abc"`, Interval: 15 * time.Minute, LastNew: 3},
		{ID: "baohagiang", LastPoll: t0, LastResult: "error", LastError: "fetch: GET https://baohagiang.example/rss: 503 Service Unavailable", ConsecutiveFailures: 2},
	}
	for _, st := range states {
		if err := s.SaveSource(st); err != nil {
			t.Fatal(err)
		}
	}
	states[1].ConsecutiveFailures = 3
	if err := s.SaveSource(states[1]); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Source("baohagiang")
	if err != nil || !ok || got.ConsecutiveFailures != 3 || got.LastError != states[1].LastError || !got.LastPoll.Equal(t0) {
		t.Errorf("Source = %+v, %v, %v", got, ok, err)
	}
	all, err := s.Sources()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "baohagiang" || all[1].ID != "baotuyenquang" || all[1].ETag != `"abc"` {
		t.Errorf("Sources = %+v", all)
	}
	if err := s.SaveSource(SourceState{}); err == nil {
		t.Error("SaveSource without id succeeded")
	}
}
