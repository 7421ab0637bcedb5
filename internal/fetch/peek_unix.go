//go:build unix

package fetch

import "syscall"

// quiet reports whether an idle connection is as the last response left
// it: nothing arrived on it since and the server has not closed it. A
// server that sent more than its Content-Length, or anything else between
// requests, would have those bytes read as the start of the next response,
// which then fails on a connection whose answer was fine. It looks without
// waiting and without taking anything off the socket.
func quiet(raw syscall.RawConn) bool {
	if raw == nil {
		return true
	}
	var buf [1]byte
	var n int
	var err error
	if rerr := raw.Read(func(fd uintptr) bool {
		n, _, err = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}); rerr != nil {
		return false
	}
	// n > 0: bytes nobody asked for; n == 0 without an error: closed.
	return n < 0 || err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
}
