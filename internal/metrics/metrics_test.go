package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandlerServesPollMetrics(t *testing.T) {
	m := New()
	m.Poll.Polled("ok", 200, 5000, 20*time.Millisecond)
	m.Poll.Polled("not-modified", 304, 0, time.Millisecond)
	m.Poll.Polled("not-modified", 304, 0, time.Millisecond)
	m.Poll.Polled("error", 0, 0, time.Second)
	m.Poll.ParseError()
	var nilPoll *Poll
	nilPoll.Polled("ok", 200, 1, time.Second) // a poller without metrics counts nothing, and does not crash

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`newswire_poll_total{result="ok"} 1`,
		`newswire_poll_total{result="not-modified"} 2`,
		`newswire_poll_total{result="error"} 1`,
		`newswire_fetch_responses_total{code="304"} 2`,
		`newswire_fetch_bytes_total 5000`,
		`newswire_poll_parse_errors_total 1`,
		`newswire_fetch_not_modified_ratio 0.6666666666666666`,
		`newswire_poll_duration_seconds_count 4`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
