//go:build unix

package main

import (
	"fmt"
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

// ownLike gives file, a store a maintenance command made (compact's copy,
// restore's), the owner and group of like (the store it replaces, or the
// data_dir for a store that is new), and like's permissions when like is
// a file: a command run as root must not leave a store the daemon's user
// cannot open. Where file already has them, nothing is changed.
func ownLike(file, like string) error {
	want, err := os.Stat(like)
	if err != nil {
		return err
	}
	got, err := os.Stat(file)
	if err != nil {
		return err
	}
	w, ok1 := want.Sys().(*syscall.Stat_t)
	g, ok2 := got.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return nil
	}
	if w.Uid != g.Uid || w.Gid != g.Gid {
		if err := os.Chown(file, int(w.Uid), int(w.Gid)); err != nil {
			return fmt.Errorf("%s belongs to %s, and the store made here cannot be given to them (%w): run the command as that user, or as root", like, fileOwner(want), err)
		}
	}
	if !want.IsDir() && want.Mode().Perm() != got.Mode().Perm() {
		return os.Chmod(file, want.Mode().Perm())
	}
	return nil
}
