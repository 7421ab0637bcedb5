package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"newswire/internal/config"
)

// keyFile holds the install's key for the digests that stand for secrets
// in logs, on /api/config and in check-config -diff (config.DigestKey),
// readable by its owner only.
func keyFile(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "newswire.key") }

// digestKeySize is the length of the key in bytes.
const digestKeySize = 32

// digestKey reads the install's key; with create, a missing one is made,
// and one that is not a key (of another length) is replaced, which
// replaced says: the digests in logs written before no longer compare.
func digestKey(cfg *config.Config, create bool) (key []byte, replaced string, err error) {
	path := keyFile(cfg)
	b, err := os.ReadFile(path)
	switch {
	case err == nil && len(b) == digestKeySize:
		return b, "", nil
	case err == nil:
		if !create {
			return nil, "", fmt.Errorf("%s: %d bytes, not a key of %d", path, len(b), digestKeySize)
		}
		replaced = fmt.Sprintf("%s held %d bytes, not a key of %d", path, len(b), digestKeySize)
	case !errors.Is(err, fs.ErrNotExist) || !create:
		return nil, "", err
	}
	b = make([]byte, digestKeySize)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, "", err
	}
	return b, replaced, nil
}
