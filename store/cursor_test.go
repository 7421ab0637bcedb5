package store

import (
	"slices"
	"testing"
)

// TestCursorAfter stops a listing after every position of a page and checks
// that the cursor continues exactly with the next story, in both a category
// and the index of every story.
func TestCursorAfter(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 45)
	for _, category := range []string{AllCategory, "van-hoa"} {
		want := s.all(category, 100)
		for i, st := range want {
			page, err := s.Latest(category, 3, CursorAfter(st))
			if err != nil {
				t.Fatalf("%s: Latest after story %d: %v", category, st.ID, err)
			}
			end := min(i+4, len(want))
			if got, exp := ids(page.Stories), ids(want[i+1:end]); !slices.Equal(got, exp) {
				t.Fatalf("%s: after story %d (position %d): got %v, want %v", category, st.ID, i, got, exp)
			}
		}
	}
}
