package config

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// ListenProblem reports, as a problem of the file, that this machine cannot
// listen at c.Listen: an address on none of its interfaces, a host name that
// does not resolve. The daemon would fail to start there, so check-config
// says so, and a reload that brings such a listen is refused rather than
// take the service down at the next restart. A port that another process
// holds is no problem here (it may be the running daemon itself), nor is a
// port this process has no right to.
func (c *Config) ListenProblem() *Problem {
	ln, err := net.Listen("tcp", c.Listen)
	if err == nil {
		ln.Close()
		return nil
	}
	if errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EACCES) {
		// In use, maybe by the running daemon; or a port below 1024,
		// which the daemon's user may have the right to and the admin
		// running check-config not.
		return nil
	}
	return &Problem{Path: "listen", Line: c.listenLine, Message: fmt.Sprintf("this machine cannot listen at %q: %v", c.Listen, unwrapOp(err))}
}

// unwrapOp drops what a net.OpError repeats of the address.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
