//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestDaemonCutsEndlessHeader runs the real daemon: a client that opens a
// request's header and never ends it loses its connection after about 10 s
// (serve's Guard), while a kept-alive client is served all along.
func TestDaemonCutsEndlessHeader(t *testing.T) {
	_, addr, _ := serveOutlets(t, "/healthz")

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	if _, err := io.WriteString(slow, "GET /feeds/all.rss HTTP/1.1\r\nHost: newswire.test\r\nX-Chậm: "); err != nil {
		t.Fatal(err)
	}
	cut := make(chan time.Duration, 1)
	go func() {
		_ = slow.SetReadDeadline(start.Add(30 * time.Second))
		_, err := io.Copy(io.Discard, slow)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			cut <- 0
			return
		}
		cut <- time.Since(start)
	}()

	kept, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	r := bufio.NewReader(kept)
	served := 0
	for {
		select {
		case took := <-cut:
			if took == 0 {
				t.Fatal("the endless header's connection still open after 30 s")
			}
			if took < 9*time.Second {
				t.Fatalf("the endless header's connection was cut after %v, before its 10 s", took)
			}
			if served == 0 {
				t.Fatal("the kept-alive client was not served meanwhile")
			}
			t.Logf("an endless header was cut after %v; a kept-alive client was served %d times meanwhile", took, served)
			return
		default:
		}
		if _, err := io.WriteString(kept, "GET /healthz HTTP/1.1\r\nHost: newswire.test\r\n\r\n"); err != nil {
			t.Fatalf("kept-alive request %d: %v", served+1, err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("kept-alive request %d: %v", served+1, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		served++
		time.Sleep(500 * time.Millisecond)
	}
}
