package server

import (
	"net/http"
	"time"
)

// The daemon's Guard (guard.go) bounds the wait for a request's header, for
// the next request on an idle connection, and a response's writing. A
// Server used without one bounds what else can hold a connection long per
// request, only where it can happen: reading a request body, and writing a
// response body that a client may read slowly; a request body has its
// deadline either way. A 304 or a HEAD answers with
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

// setWriteDeadline bounds the writing of a response, unless the write
// timeout is 0.
func (s *Server) setWriteDeadline(w http.ResponseWriter) {
	if s.writeTimeout > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeTimeout))
	}
}

// SetWriteTimeout sets how long a response may take to write (WriteTimeout
// unless set); 0 sets no deadline, for a server whose connections a Guard
// bounds instead.
func (s *Server) SetWriteTimeout(d time.Duration) { s.writeTimeout = d }
