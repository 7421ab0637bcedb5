package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// adminOnly lets through requests from this machine, and, when the config
// sets admin_token, requests that carry it as a bearer token: the admin
// endpoints hand out the whole store.
func (s *Server) adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if isLoopback(r) || s.adminToken(r) {
			next(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="newswire admin"`)
		http.Error(w, "admin endpoints answer on loopback, or to the admin token", http.StatusUnauthorized)
	}
}

func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

func (s *Server) adminToken(r *http.Request) bool {
	want := s.cfg.AdminToken
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return want != "" && ok && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
