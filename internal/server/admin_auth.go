package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// adminOnly lets through requests from this machine (not forwarded by a
// proxy on it), and, when the config
// sets admin_token, requests that carry it as a bearer token: the admin
// endpoints hand out the whole store.
//
// Every admin answer names the store the daemon holds (StoreHeader), so
// that a command reading a store through the daemon can tell it is asking
// the daemon of its own store, not another at an address a crashed one
// left behind.
func (s *Server) adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if isLoopback(r) || s.adminToken(r) {
			if s.storeFile != "" {
				w.Header().Set(StoreHeader, s.storeFile)
			}
			next(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="newswire admin"`)
		http.Error(w, "admin endpoints answer on loopback, or to the admin token", http.StatusUnauthorized)
	}
}

// isLoopback reports a request from this machine that no proxy forwarded:
// a reverse proxy on the same host connects from loopback for every
// client it serves, and says so in these headers (or the daemon would
// hand the store to the whole web).
func isLoopback(r *http.Request) bool {
	for _, h := range forwardedHeaders {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// forwardedHeaders are those proxies and CDNs add to the requests they
// forward (canonical forms, as net/http keys them).
var forwardedHeaders = []string{
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port",
	"X-Forwarded-Server", "X-Original-Forwarded-For", "X-Real-Ip", "X-Client-Ip", "X-Cluster-Client-Ip",
	"True-Client-Ip", "Cf-Connecting-Ip", "Fastly-Client-Ip", "Via",
}

func (s *Server) adminToken(r *http.Request) bool {
	want := s.cfg.AdminToken
	got := bearerToken(r)
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// bearerToken is the token of the request's "Authorization: Bearer"
// header, the scheme in any case (RFC 9110 section 11.1); empty if none.
func bearerToken(r *http.Request) string {
	auth := firstValue(r.Header["Authorization"])
	if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// StoreHeader names, in every admin answer, the absolute path of the store
// the daemon holds.
const StoreHeader = "Newswire-Store"

// handleStore answers with the absolute path of the store the daemon holds,
// as StoreHeader does: the commands ask it which store a daemon holds.
func (s *Server) handleStore(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(s.storeFile + "\n"))
}
