package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAdminEndpointsNeedLoopbackOrToken(t *testing.T) {
	const token = "admin-token-0123456789abcdef"
	fs := newFeedSite(t, "admin_token: "+token+"\n")
	h := fs.srv.Config.Handler
	tests := []struct {
		name   string
		remote string
		auth   string
		status int
	}{
		{"loopback", "127.0.0.1:5000", "", 200},
		{"loopback v6", "[::1]:5000", "", 200},
		{"remote without token", "192.0.2.10:5000", "", 401},
		{"remote with a wrong token", "192.0.2.10:5000", "Bearer " + token + "x", 401},
		{"remote with the token", "192.0.2.10:5000", "Bearer " + token, 200},
		// A reverse proxy on this machine connects from loopback for
		// every client of the web.
		{"proxied from loopback", "127.0.0.1:5000|X-Forwarded-For: 198.51.100.7", "", 401},
		{"proxied (RFC 7239) from loopback", "127.0.0.1:5000|Forwarded: for=198.51.100.7", "", 401},
		{"proxied from loopback with the token", "127.0.0.1:5000|X-Real-IP: 198.51.100.7", "Bearer " + token, 200},
		{"through a CDN from loopback", "127.0.0.1:5000|CF-Connecting-IP: 198.51.100.7", "", 401},
		{"proxied, the scheme in lower case", "127.0.0.1:5000|True-Client-IP: 198.51.100.7", "bearer " + token, 200},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/config", "/api/export", "/api/backup"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			remote, header, _ := strings.Cut(tt.remote, "|")
			req.RemoteAddr = remote
			if name, value, ok := strings.Cut(header, ": "); ok {
				req.Header.Set(name, value)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("%s: GET %s: %d, want %d", tt.name, path, rec.Code, tt.status)
			}
		}
	}
}
