package store

import (
	"encoding/base64"

	"newswire/feeds"
)

// CursorAfter returns the cursor Latest would hand out had a page ended on
// st: passing it to Latest continues with the stories older than st. It lets
// a reader that filters what Latest returns stop in the middle of a page and
// still give out a stable link to the rest.
func CursorAfter(st feeds.Story) string {
	return base64.RawURLEncoding.EncodeToString(timeKey(st.SortTime, st.ID))
}
