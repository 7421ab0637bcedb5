//go:build unix

package main

import (
	"os"
	"os/user"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileOwner names the user who owns the file fi describes; "" when not known.
func fileOwner(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	uid := strconv.FormatUint(uint64(st.Uid), 10)
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}

// accessible tells whether this process may read path, and with write
// write to it (make and remove entries, for a folder), as access(2) does:
// without touching it, its permissions, access lists and a read-only
// mount all counted.
func accessible(path string, write bool) error {
	mode := uint32(unix.R_OK)
	if write {
		mode |= unix.W_OK
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		mode |= unix.X_OK
	}
	return unix.Access(path, mode)
}
