//go:build !linux

package store

import "errors"

// pageFaults does nothing outside Linux, where fault-around is unknown.
type pageFaults struct{}

func (pageFaults) open()              {}
func (pageFaults) track(_, _ uintptr) {}
func (pageFaults) close()             {}
func (pageFaults) err() error         { return errors.New("single-page faults need Linux") }

// mapSize is the store's initial mapping. On Windows, bbolt grows the file
// to its mapping.
func mapSize() int { return initialMmapSize }
