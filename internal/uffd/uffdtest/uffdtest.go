//go:build linux

// Package uffdtest holds what tests of single-page faults share.
package uffdtest

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// NeedWPAsync skips on kernels older than 6.7, which cannot register a file
// mapping with a userfaultfd; on any newer one registering must work, and a
// test that finds it does not fails.
func NeedWPAsync(t testing.TB) {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	rel := unix.ByteSliceToString(u.Release[:])
	var major, minor int
	if _, err := fmt.Sscanf(rel, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("kernel release %q: %v", rel, err)
	}
	if major < 6 || major == 6 && minor < 7 {
		t.Skipf("Linux %s has no UFFD_FEATURE_WP_ASYNC (6.7)", rel)
	}
}
