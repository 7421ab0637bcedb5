package config

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"newswire/internal/urlsafe"
)

// Redacted returns a copy of c whose secrets (partner tokens, the WebSub
// secret, the admin token, the password and the keys or tokens in a
// source's URL) are replaced by a short digest: enough to tell that one
// changed, not enough to use it.
func (c *Config) Redacted() *Config {
	r := *c
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

func digest(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return "redacted:" + hex.EncodeToString(sum[:4])
}
