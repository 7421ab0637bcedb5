package server

import (
	"net/http"
	"net/http/httptest"
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
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/config", "/api/export", "/api/backup"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.RemoteAddr = tt.remote
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
