// Package route decides where an item goes: dropped by a filter, or into
// which categories.
//
// A Router is built once from a validated config (filters and category
// rules pre-tokenised) and is then safe for concurrent use; one Route call
// tokenises the item once and looks its words up. Matching works on whole
// words of NFC, case-folded text, so "chè" does not match "chèo" and a
// keyword typed in decomposed Unicode still matches.
//
// It does not validate the config (internal/config does; a category id a
// source names but no category defines is ignored here), and it does not
// store items or decide whether an item is new.
package route
