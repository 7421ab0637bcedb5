package config

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"newswire/internal/urlsafe"
)

// Redacted returns a copy of c whose secrets (partner tokens, the WebSub
// secret, the admin token, the password and the keys or tokens in a
// source's URL) are replaced by a short digest: enough to tell that one
// changed, not enough to use it. The digests are keyed with c.DigestKey
// (an HMAC): without the key, a digest cannot be checked against guessed
// secrets, and the same secret gives other digests on another install.
func (c *Config) Redacted() *Config {
	r := *c
	digest := func(secret string) string { return digest(c.DigestKey, secret) }
	r.Partners = slices.Clone(c.Partners)
	for i := range r.Partners {
		r.Partners[i].Token = digest(r.Partners[i].Token)
	}
	r.Sources = slices.Clone(c.Sources)
	for i := range r.Sources {
		r.Sources[i].URL = urlsafe.Digested(r.Sources[i].URL, digest)
	}
	r.WebSub.Secret = digest(r.WebSub.Secret)
	r.AdminToken = digest(r.AdminToken)
	return &r
}

// processKey keys the digests of a config without a DigestKey: they agree
// within the process alone.
var processKey = func() (k [32]byte) {
	_, _ = rand.Read(k[:]) // never fails (crypto/rand)
	return k
}()

func digest(key []byte, secret string) string {
	if secret == "" {
		return ""
	}
	if len(key) == 0 {
		key = processKey[:]
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(secret))
	return "redacted:" + hex.EncodeToString(mac.Sum(nil)[:6])
}
