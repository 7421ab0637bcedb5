// Package story owns story identity: deciding when two outlet items are the
// same piece of news.
//
// For now that is CanonicalLink, the key under which links from different
// outlets, or the same outlet on different days, count as one item. It does
// not fetch, parse, store or route anything, and it never looks at a page's
// content: two links that differ after canonicalisation are different items.
package story
