package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

// changes pulls category from cursor with page size limit until the log has
// no more, and returns the stories and the last cursor.
func (ts *testStore) changes(category, cursor string, limit int) ([]feeds.Story, string) {
	ts.t.Helper()
	var out []feeds.Story
	for {
		p, err := ts.Changes(category, limit, cursor, nil)
		if err != nil {
			ts.t.Fatalf("Changes(%s, %d, %q): %v", category, limit, cursor, err)
		}
		if len(p.Stories) > limit {
			ts.t.Fatalf("Changes(%s, %d, %q) gave %d stories", category, limit, cursor, len(p.Stories))
		}
		out = append(out, p.Stories...)
		cursor = p.Next
		if !p.More {
			return out, cursor
		}
	}
}

func (ts *testStore) head() string {
	ts.t.Helper()
	h, err := ts.Head()
	if err != nil {
		ts.t.Fatal(err)
	}
	return h
}

func titles(stories []feeds.Story) []string {
	out := make([]string, len(stories))
	for i, st := range stories {
		out[i] = st.Title
	}
	return out
}

func TestChanges(t *testing.T) {
	a := news("a", "https://baohagiang.example.vn/a", "Khánh thành cầu treo Nậm Lang", 0, "thoi-su")
	b := news("b", "https://baohagiang.example.vn/b", "Mùa hoa tam giác mạch", 5, "du-lich")
	c := news("c", "https://baohagiang.example.vn/c", "Chợ phiên Đồng Văn", 10, "du-lich")
	aEdited := a
	aEdited.Item.Title = "Khánh thành cầu treo Nậm Lang (cập nhật)"
	// Another outlet carries b, and routes it to one more category.
	bJoined := news("vov-b", "https://baohagiang.example.vn/b", "Hoa tam giác mạch nở rộ", 6, "du-lich", "thoi-su")
	// Another outlet carries c with no new category: partners learn who
	// else published it.
	cJoined := news("vov-c", "https://baohagiang.example.vn/c", "Chợ phiên", 11, "du-lich")

	tests := []struct {
		name     string
		category string
		limit    int
		// after runs once the first three stories are stored and the
		// cursor taken.
		after []func(ts *testStore)
		want  []string
	}{
		{
			name: "nothing changed", category: AllCategory, limit: 10,
		},
		{
			name: "an edit is delivered again", category: AllCategory, limit: 10,
			after: []func(ts *testStore){func(ts *testStore) { ts.apply("baohagiang", t0.Add(time.Hour), aEdited) }},
			want:  []string{aEdited.Item.Title},
		},
		{
			name: "unchanged items are not", category: AllCategory, limit: 10,
			after: []func(ts *testStore){func(ts *testStore) { ts.apply("baohagiang", t0.Add(time.Hour), a, b, c) }},
		},
		{
			name: "a join that adds a category reaches it", category: "thoi-su", limit: 10,
			after: []func(ts *testStore){func(ts *testStore) { ts.apply("vov", t0.Add(time.Hour), bJoined) }},
			want:  []string{b.Item.Title},
		},
		{
			name: "a join that adds only an outlet is delivered again", category: AllCategory, limit: 10,
			after: []func(ts *testStore){func(ts *testStore) { ts.apply("vov", t0.Add(time.Hour), cJoined) }},
			want:  []string{c.Item.Title},
		},
		{
			name: "oldest change first, across pages", category: AllCategory, limit: 1,
			after: []func(ts *testStore){
				func(ts *testStore) {
					ts.apply("baohagiang", t0.Add(time.Hour), news("d", "https://baohagiang.example.vn/d", "Tin D", 20, "du-lich"))
				},
				func(ts *testStore) { ts.apply("baohagiang", t0.Add(2*time.Hour), aEdited) },
				func(ts *testStore) {
					ts.apply("baohagiang", t0.Add(3*time.Hour), news("e", "https://baohagiang.example.vn/e", "Tin E", 1, "du-lich"))
				},
			},
			want: []string{"Tin D", aEdited.Item.Title, "Tin E"},
		},
		{
			name: "other categories are skipped", category: "du-lich", limit: 10,
			after: []func(ts *testStore){
				func(ts *testStore) { ts.apply("baohagiang", t0.Add(time.Hour), aEdited) },
				func(ts *testStore) {
					ts.apply("baohagiang", t0.Add(2*time.Hour), news("d", "https://baohagiang.example.vn/d", "Tin D", 20, "du-lich"))
				},
			},
			want: []string{"Tin D"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestStore(t)
			ts.apply("baohagiang", t0, a, b, c)
			first, cursor := ts.changes(AllCategory, "", 2)
			if got, want := titles(first), []string{a.Item.Title, b.Item.Title, c.Item.Title}; !slices.Equal(got, want) {
				t.Fatalf("from the start: %q, want %q", got, want)
			}
			if h := ts.head(); h != cursor {
				t.Fatalf("cursor after reading everything = %q, Head = %q", cursor, h)
			}
			for _, fn := range tt.after {
				fn(ts)
			}
			got, next := ts.changes(tt.category, cursor, tt.limit)
			if !slices.Equal(titles(got), tt.want) {
				t.Errorf("changes = %q, want %q", titles(got), tt.want)
			}
			if again, _ := ts.changes(tt.category, next, tt.limit); len(again) > 0 {
				t.Errorf("changes after the returned cursor = %q, want none", titles(again))
			}
		})
	}
}

func TestChangesBadCursor(t *testing.T) {
	ts := newTestStore(t)
	ts.apply("baohagiang", t0, news("a", "https://baohagiang.example.vn/a", "Tin A", 0))
	for _, cursor := range []string{"!!", "AAAB", ChangeCursor(2), ChangeCursor(1 << 40)} {
		t.Run(cursor, func(t *testing.T) {
			if _, err := ts.Changes(AllCategory, 10, cursor, nil); !errors.Is(err, ErrBadCursor) {
				t.Errorf("err = %v, want ErrBadCursor", err)
			}
		})
	}
	empty := newTestStore(t)
	if _, err := empty.Changes(AllCategory, 10, ChangeCursor(1), nil); !errors.Is(err, ErrBadCursor) {
		t.Errorf("cursor ahead of an empty store: err = %v, want ErrBadCursor", err)
	}
	if p, err := empty.Changes(AllCategory, 10, "", nil); err != nil || len(p.Stories) > 0 || p.Next != ChangeCursor(0) {
		t.Errorf("empty store = %+v, %v; want no stories and the start cursor", p, err)
	}
}

// TestChangesSkipsDeleted removes stories with retention's own deletion and
// checks that the log neither fails on them nor loses the stories after them.
func TestChangesSkipsDeleted(t *testing.T) {
	ts := newTestStore(t)
	var items []Incoming
	for i := range 6 {
		items = append(items, news(fmt.Sprint(i), fmt.Sprintf("https://baohagiang.example.vn/%d", i), fmt.Sprintf("Tin %d", i), i))
	}
	ts.apply("baohagiang", t0, items...)
	for _, id := range []uint64{1, 4} {
		removeStory(t, ts, id)
	}
	got, _ := ts.changes(AllCategory, "", 2)
	if want := []string{"Tin 1", "Tin 2", "Tin 4", "Tin 5"}; !slices.Equal(titles(got), want) {
		t.Errorf("changes = %q, want %q", titles(got), want)
	}
}

// removeStory deletes story id with every entry that refers to it, as
// retention does.
func removeStory(t *testing.T, ts *testStore, id uint64) {
	t.Helper()
	err := ts.db.Update(func(tx *bolt.Tx) error {
		pr := newPruner(tx, t0)
		rec, err := loadRecord(pr.stories, id)
		if err != nil {
			return err
		}
		if err := pr.remove(rec); err != nil {
			return err
		}
		return pr.saveTotals()
	})
	if err != nil {
		t.Fatalf("remove story %d: %v", id, err)
	}
}

// TestChangesLogsOlderStores checks that a store written before the change
// log existed gets its stories logged, in id order, at its first write.
func TestChangesLogsOlderStores(t *testing.T) {
	ts := newTestStore(t)
	ts.apply("baohagiang", t0, news("a", "https://baohagiang.example.vn/a", "Tin A", 0), news("b", "https://baohagiang.example.vn/b", "Tin B", 1))
	err := ts.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketChanges); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketChangeOf)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.changes(AllCategory, "", 10); len(got) > 0 {
		t.Fatalf("before any write: %q, want none", titles(got))
	}
	ts.apply("baohagiang", t0, news("c", "https://baohagiang.example.vn/c", "Tin C", 2))
	got, _ := ts.changes(AllCategory, "", 10)
	if want := []string{"Tin A", "Tin B", "Tin C"}; !slices.Equal(titles(got), want) {
		t.Errorf("changes = %q, want %q", titles(got), want)
	}
}

// TestChangesConcurrentWrites pulls the log while writers store new stories
// and edit old ones: every version of every story arrives exactly once, in
// the order it was written.
func TestChangesConcurrentWrites(t *testing.T) {
	ts := newTestStore(t)
	const writers, perWriter = 3, 60
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range perWriter {
				src := fmt.Sprintf("src%d", w)
				link := fmt.Sprintf("https://%s.example.vn/%d", src, i)
				items := []Incoming{news(link, link, fmt.Sprintf("%s tin %d", src, i), i, "thoi-su")}
				if i > 0 && r.IntN(3) == 0 {
					j := r.IntN(i)
					old := fmt.Sprintf("https://%s.example.vn/%d", src, j)
					items = append(items, news(old, old, fmt.Sprintf("%s tin %d sửa lúc %d", src, j, i), j, "thoi-su"))
				}
				if _, err := ts.Apply(src, items, t0.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Errorf("Apply: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]bool{} // id and title: one version of a story
	latest := map[uint64]string{}
	cursor := ""
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true // one more pull after the last write
		default:
		}
		got, next := ts.changes("thoi-su", cursor, 7)
		cursor = next
		for _, st := range got {
			v := fmt.Sprint(st.ID, st.Title)
			if seen[v] {
				t.Errorf("story %d %q delivered twice", st.ID, st.Title)
			}
			seen[v] = true
			latest[st.ID] = st.Title
		}
	}
	stored := ts.all(AllCategory, 50)
	if len(stored) != writers*perWriter {
		t.Fatalf("stored %d stories, want %d", len(stored), writers*perWriter)
	}
	for _, st := range stored {
		if latest[st.ID] != st.Title {
			t.Errorf("story %d: last delivered %q, stored %q", st.ID, latest[st.ID], st.Title)
		}
	}
}

// TestAuthorityChangeRelogsEveryStory: when tag_authority replaces the
// authority a store published its ids under, every id changes, and a
// partner pulling with since gets every story again, oldest change first,
// across transactions; recording the same authority again logs nothing.
func TestAuthorityChangeRelogsEveryStory(t *testing.T) {
	defer func(b int) { relogBatch = b }(relogBatch)
	relogBatch = 2
	ts := newTestStore(t)
	if err := ts.SetAuthority("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	a := news("a", "https://baohagiang.example.vn/a", "Khánh thành cầu treo Nậm Lang", 0, "thoi-su")
	b := news("b", "https://baohagiang.example.vn/b", "Hoa tam giác mạch nở rộ", 5, "du-lich")
	c := news("c", "https://baohagiang.example.vn/c", "Chợ phiên Đồng Văn", 10, "du-lich")
	ts.apply("baohagiang", t0, a, b, c)
	aEdited := a
	aEdited.Item.Title = "Khánh thành cầu treo Nậm Lang (cập nhật)"
	ts.apply("baohagiang", t0.Add(time.Hour), aEdited) // the log now reads b, c, a
	_, cursor := ts.changes(AllCategory, "", 10)
	if got, _ := ts.changes(AllCategory, cursor, 10); len(got) != 0 {
		t.Fatalf("before the change: %q", titles(got))
	}
	if err := ts.SetAuthority("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.changes(AllCategory, cursor, 10); len(got) != 0 {
		t.Fatalf("the same authority again relogged %q", titles(got))
	}

	if err := ts.SetAuthority("tin.example.vn"); err != nil {
		t.Fatal(err)
	}
	got, next := ts.changes(AllCategory, cursor, 10)
	if want := []string{b.Item.Title, c.Item.Title, aEdited.Item.Title}; !slices.Equal(titles(got), want) {
		t.Errorf("since the cursor before the change: %q, want %q", titles(got), want)
	}
	if du, _ := ts.changes("du-lich", cursor, 10); len(du) != 2 {
		t.Errorf("du-lich since the cursor: %q, want b and c", titles(du))
	}
	if auth, err := ts.Authority(); err != nil || auth != "tin.example.vn" {
		t.Errorf("authority %q, %v", auth, err)
	}
	if again, _ := ts.changes(AllCategory, next, 10); len(again) != 0 {
		t.Errorf("after the returned cursor: %q", titles(again))
	}
}

// TestRelogCategoryMadePublic: a category made public logs as changed the
// stories that were in no public category, which partners pulling all with
// since were not given; one that was in a public category too was given to
// them then, and does not come again.
func TestRelogCategoryMadePublic(t *testing.T) {
	ts := newTestStore(t)
	ts.apply("baohagiang", t0,
		news("a", "https://baohagiang.example.vn/a", "Hỗ trợ gạo cho hộ nghèo xã Lũng Cú", 0, "doi-tac"),
		news("b", "https://baohagiang.example.vn/b", "Khánh thành trường bán trú Mèo Vạc", 5, "doi-tac", "thoi-su"),
		news("c", "https://baohagiang.example.vn/c", "Giải việt dã Đồng Văn mở rộng", 10, "doi-tac", "the-thao-rieng"),
		news("d", "https://baohagiang.example.vn/d", "Thời tiết vùng cao chuyển lạnh", 15, "thoi-su"))
	cursor := ts.head()
	n, err := ts.RelogCategory("doi-tac", []string{"doi-tac", "the-thao-rieng"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ts.changes(AllCategory, cursor, 10)
	want := []string{"Hỗ trợ gạo cho hộ nghèo xã Lũng Cú", "Giải việt dã Đồng Văn mở rộng"}
	if !slices.Equal(titles(got), want) || n != len(want) {
		t.Errorf("relogged %d: %q, want %q", n, titles(got), want)
	}
}

// TestRelogCategoryNotSentAgainToItsFeeds: the stories a category made
// public logs again come to "all" alone. The feeds of their categories gave
// them already: a cursor that had them gets none of them again, from that
// category or from another partners-only one they are in too, and a cursor
// from before gets each once; an edit afterwards comes to every feed. Made
// partners-only and public again, the same holds.
func TestRelogCategoryNotSentAgainToItsFeeds(t *testing.T) {
	ts := newTestStore(t)
	a := news("a", "https://baosonglo.example.vn/a", "Xã Tân Trào khánh thành cầu treo qua suối Khuôn", 0, "doi-tac")
	ts.apply("baosonglo", t0, a)
	behind := ts.head() // a partner that has a, not b
	b := news("b", "https://baosonglo.example.vn/b", "Hợp tác xã chè Mỹ Bằng đạt chứng nhận hữu cơ", 5, "doi-tac", "noi-bo")
	ts.apply("baosonglo", t0.Add(time.Minute), b,
		news("c", "https://baosonglo.example.vn/c", "Nắng ấm trở lại vùng trung du", 10, "thoi-su"))
	upToDate := ts.head()
	hidden := []string{"doi-tac", "noi-bo"}

	made := func() {
		t.Helper()
		if _, err := ts.RelogCategory("doi-tac", hidden); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when, category, cursor string, want ...string) string {
		t.Helper()
		got, next := ts.changes(category, cursor, 10)
		if !slices.Equal(titles(got), want) {
			t.Errorf("%s: %s since %s = %q, want %q", when, category, cursor, titles(got), want)
		}
		return next
	}

	made()
	check("made public", "doi-tac", upToDate)
	check("made public", "noi-bo", upToDate)
	check("made public", "doi-tac", behind, b.Item.Title)
	check("made public", AllCategory, upToDate, a.Item.Title, b.Item.Title)
	cursor := ts.head()

	aEdited := a
	aEdited.Item.Title = "Xã Tân Trào khánh thành cầu treo qua suối Khuôn (cập nhật)"
	ts.apply("baosonglo", t0.Add(time.Hour), aEdited)
	check("an edit after", "doi-tac", cursor, aEdited.Item.Title)
	cursor = check("an edit after", AllCategory, cursor, aEdited.Item.Title)

	// Partners-only again, then public again.
	made()
	check("public again", "doi-tac", cursor)
	check("public again", "doi-tac", upToDate, aEdited.Item.Title)
	check("public again", "doi-tac", behind, aEdited.Item.Title, b.Item.Title)
}
