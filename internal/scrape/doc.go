// Package scrape builds feed items from the web pages of outlets that publish
// no feed: a listing page is read with CSS selectors (goquery) into
// feeds.Item values, optionally filled from each item's own page, so that they
// go through the same pipeline as items parsed from feeds. It also proposes
// selectors for a page it has never seen (Propose), for `newswire probe`.
//
// Selectors that stop matching are errors that name the selector, never an
// empty success: an outlet's redesign must show on the status page at the
// next poll.
//
// It does not schedule, store or route anything, and fetches only through the
// Fetcher it is given, so that per-host politeness holds for detail pages.
package scrape
