//go:build !linux

package uffd

import "errors"

var errNotLinux = errors.New("single-page faults need Linux")

// FD does nothing outside Linux, where fault-around is unknown.
type FD struct{}

func Open() (*FD, error)                { return nil, errNotLinux }
func (*FD) Register(_, _ uintptr) error { return errNotLinux }
func (*FD) Close() error                { return nil }

// Mapping is one mapping of a process.
type Mapping struct {
	Start, End uintptr
	Perms      string
	Path       string
	Resident   int64
	Anonymous  int64
	Flags      []string
}

func (*FD) Executable() ([]Mapping, error) { return nil, errNotLinux }
