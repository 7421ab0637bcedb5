// Package sanitize owns the normalise step of an item: outlet HTML made safe
// to republish, and plain text for titles, summaries and labels.
//
// HTML keeps a small allowlist of elements (paragraphs, links, images,
// figures, lists, quotes, emphasis, headings, tables, audio and video) and
// drops everything else: scripts, styles, frames, forms, event handlers,
// style attributes and any URL that is not http, https or (in a link's
// href alone, not in what a browser loads) mailto. Relative
// URLs are made absolute against the item link; a protocol-relative one
// (//host/x) becomes https. Links get rel="nofollow noopener". data: URLs are
// refused, images included: readers differ in how they treat them, and
// inlined images would bloat the store and every feed that carries the item.
//
// It does not parse feeds, fix character sets or dates (package feeds does),
// and it does not decide where an item goes (internal/route).
package sanitize
