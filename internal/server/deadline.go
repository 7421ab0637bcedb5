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

// setBodyDeadline bounds the reading of a request's body, if it has one.
// net/http clears the deadline before it reads the next request on the
// connection, as it does the write deadline.
func (s *Server) setBodyDeadline(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bodyTimeout))
	}
}

// setWriteDeadline bounds the writing of a response.
func (s *Server) setWriteDeadline(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeTimeout))
}
