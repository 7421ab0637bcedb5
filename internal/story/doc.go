// Package story owns story identity: deciding when two outlet items are the
// same piece of news.
//
// Two ways lead there. CanonicalLink is the key under which links from
// different outlets, or the same outlet on different days, count as one item.
// When links differ, the text decides: NewDoc fingerprints an item (its
// headline without outlet affixes, the numbers, provinces and names it gives,
// and a MinHash sketch of its text's word 3-shingles), Bands gives the LSH
// keys under which a store files and finds candidates, and Confirm compares
// two fingerprints and says why they are or are not one story.
//
// Confirm is built to avoid harm first. Guards can only forbid a join: the
// languages must agree, the publication times must lie within a window
// (DefaultWindow), numbers in the headlines must agree (the bulletin of 13
// December is not that of 14 December, nor the 2021 meeting the 2022 one),
// neither headline may say the opposite of the other (opening and closing),
// and the provinces and other names in the headlines must agree ("Hà Giang:
// …" is not "Hà Nam: …"). Only then are the headlines and the texts measured.
// Text is compared normalised (Normalize): NFC, case folded, one placement of
// Vietnamese tone marks, punctuation dropped, diacritics kept, so that "Hà
// Giang" and "Hà Giảng" stay different words.
//
// The package does not fetch, parse, store or route anything, and it never
// looks at a page behind a link.
package story
