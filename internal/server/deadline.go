package server

import (
	"net/http"
	"time"
)

// The daemon's http.Server bounds the wait for a request's header
// (ReadHeaderTimeout) and for the next request on an idle connection
// (IdleTimeout). What else can hold a connection long is bounded per
// request, only where it can happen: reading a request body, and writing a
// response body that a client may read slowly. A 304 or a HEAD answers with
// a header alone, which the kernel's socket buffer takes at once, and takes
// no deadline: on the busiest path, setting deadlines cost more than the rest
// of the handler.
const (
	// BodyTimeout bounds reading a request body.
	BodyTimeout = 30 * time.Second
	// WriteTimeout bounds writing a response.
	WriteTimeout = 2 * time.Minute
)

// setDeadlines sets the request's read deadline, and its write deadline
// when write is set. net/http clears both before it reads the next request
// on the connection.
func (s *Server) setDeadlines(w http.ResponseWriter, r *http.Request, write bool) {
	rc := http.NewResponseController(w)
	now := time.Now()
	if r.ContentLength != 0 {
		_ = rc.SetReadDeadline(now.Add(s.bodyTimeout))
	}
	if write {
		_ = rc.SetWriteDeadline(now.Add(s.writeTimeout))
	}
}

// setWriteDeadline bounds the writing of a response body.
func (s *Server) setWriteDeadline(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeTimeout))
}
