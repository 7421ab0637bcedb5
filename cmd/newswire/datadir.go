package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"newswire/internal/config"
)

// dataDirError is an error making or opening the store in data_dir that
// the folder is the cause of, said as what the folder is to the user this
// process runs as and what to do, naming data_dir and its line. It wraps
// the error it explains.
type dataDirError struct {
	msg string
	err error
}

func (e *dataDirError) Error() string { return e.msg }
func (e *dataDirError) Unwrap() error { return e.err }

// explainDataDir returns err, from making data_dir or opening the store in
// it (for writing, or for reading only), as a dataDirError when the user
// this process runs as cannot make the folder, reach it, write in it or
// open the store in it; other errors as they are.
func explainDataDir(cfg *config.Config, err error, write bool) error {
	if err == nil || !(errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.ENOTDIR)) {
		return err
	}
	var de *dataDirError
	if errors.As(err, &de) {
		return err
	}
	who := fmt.Sprintf("the user newswire runs as (%s)", runningUser())
	if trouble := dataDirTrouble(cfg.DataDir, storePath(cfg), write, who); trouble != "" {
		return &dataDirError{msg: cfg.DataDirAt() + ": " + trouble, err: err}
	}
	return err
}

// dataDirTrouble says what keeps this process from making dir, reaching it,
// writing in it or opening its store file (for writing, or reading only),
// and what to do for who, the user who needs them; "" when nothing does.
// It changes nothing on the disk.
func dataDirTrouble(dir, storeFile string, write bool, who string) string {
	me := runningUser()
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !write {
			return "" // the readers say there is no store, and make none
		}
		parent := dir
		for {
			next := filepath.Dir(parent)
			if next == parent {
				return ""
			}
			parent = next
			if _, err := os.Stat(parent); err == nil {
				break
			}
		}
		if err := accessible(parent, true); err != nil {
			return fmt.Sprintf("cannot create it: %s (%s, the folder it would be made in, %s); create it for %s, or point data_dir elsewhere",
				errnoText(err), parent, ownedBy(parent), who)
		}
		return ""
	case errors.Is(err, fs.ErrPermission):
		closed := closedFolder(dir)
		return fmt.Sprintf("cannot reach it: permission denied (%s, on its path, is closed to %s: it %s); open that folder to %s, or point data_dir elsewhere",
			closed, me, ownedBy(closed), who)
	case err != nil:
		return ""
	case !fi.IsDir():
		return "it is a file, not a folder; point data_dir at a folder (newswire makes one that does not exist)"
	}
	if _, err := os.Stat(storeFile); err == nil {
		how := "reading"
		if write {
			how = "writing"
		}
		switch err := accessible(storeFile, write); {
		case errors.Is(err, syscall.EROFS):
			return readOnlyFS(storeFile)
		case err != nil:
			return fmt.Sprintf("the store in it, %s, cannot be opened for %s: %s (it %s); give it to %s, or run newswire as its owner",
				filepath.Base(storeFile), how, errnoText(err), ownedBy(storeFile), who)
		}
	}
	if !write {
		return ""
	}
	switch err := accessible(dir, true); {
	case errors.Is(err, syscall.EROFS):
		return readOnlyFS(dir)
	case err != nil:
		return fmt.Sprintf("cannot write in it: %s (it %s); make it writable for %s, or point data_dir elsewhere",
			errnoText(err), ownedBy(dir), who)
	}
	return ""
}

// readOnlyFS says that path is on a file system mounted read-only.
func readOnlyFS(path string) string {
	return fmt.Sprintf("%s is on a read-only file system (as the system remounts a disk after I/O errors): check the disk; export, backup and stories still read the store", path)
}

// closedFolder is the folder on the path to dir whose entries this process
// cannot look up.
func closedFolder(dir string) string {
	var chain []string
	for p := dir; ; p = filepath.Dir(p) {
		chain = append(chain, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	for i := len(chain) - 2; i >= 0; i-- {
		if _, err := os.Lstat(chain[i]); errors.Is(err, fs.ErrPermission) {
			return chain[i+1]
		}
	}
	return dir
}

// errnoText is the system's words for err ("permission denied").
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// runningUser names the user this process runs as.
func runningUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

// ownedBy says whose path is and its mode: "belongs to root, mode
// drwxr-xr-x".
func ownedBy(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "cannot be looked at"
	}
	if owner := fileOwner(fi); owner != "" {
		return fmt.Sprintf("belongs to %s, mode %s", owner, fi.Mode())
	}
	return "has mode " + fi.Mode().String()
}
