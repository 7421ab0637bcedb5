//go:build unix

package fetch

import "syscall"

// peeker looks at an idle connection's socket without waiting and without
// taking anything off it. It is made once per connection, so that a look
// allocates nothing.
type peeker struct {
	raw  syscall.RawConn
	buf  [1]byte
	n    int
	err  error
	look func(fd uintptr) bool
}

func newPeeker(raw syscall.RawConn) *peeker {
	if raw == nil {
		return nil
	}
	p := &peeker{raw: raw}
	p.look = func(fd uintptr) bool {
		p.n, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}
	return p
}

// quiet reports whether an idle connection is as the last response left
// it: nothing arrived on it since and the server has not closed it. A
// server that sent more than its Content-Length, or anything else between
// requests, would have those bytes read as the start of the next response,
// which then fails on a connection whose answer was fine.
func (p *peeker) quiet() bool {
	if p == nil {
		return true
	}
	if err := p.raw.Read(p.look); err != nil {
		return false
	}
	// n > 0: bytes nobody asked for; n == 0 without an error: closed.
	return p.err == syscall.EAGAIN || p.err == syscall.EWOULDBLOCK
}
