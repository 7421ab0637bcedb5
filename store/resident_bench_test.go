//go:build linux

package store

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// farmDoc is document d of a source at the loopback farm's scale: 50 short
// stories, each in the same few topics as every other source's, so that a
// large store's identity index holds hundreds of entries per topic.
func farmDoc(d int) []Incoming {
	topics := []string{
		"Hà Giang mở thêm tuyến xe khách lên cao nguyên đá",
		"Lào Cai đón đoàn doanh nghiệp đến tìm hiểu vùng chè",
		"Tuyên Quang chuẩn bị lễ hội với nhiều mô hình đèn mới",
		"Cao Bằng sửa xong cầu treo trước mùa mưa lũ",
	}
	items := make([]Incoming, 50)
	for i := range items {
		n := d*50 + i
		t := fmt.Sprintf("%s (bản tin %d-%d)", topics[n%len(topics)], d, i)
		items[i] = textItem(fmt.Sprintf("nguon%d-%d", d, i), t,
			fmt.Sprintf("%s. Người dân và chính quyền địa phương cùng theo dõi, bản tin số %d của nguồn %d.", t, i, d), i)
	}
	return items
}

// BenchmarkBulkApply stores a source's first document (50 new stories) into
// a store of 20,000, as every source's first poll does, with the releases
// while the write runs (releaseDuring) at two ticks and without. It reports
// the process's CPU and the largest rise of its peak resident set (VmHWM,
// reset before each write) over one write: the file-backed pages bbolt read.
//
//	go test -run '^$' -bench BulkApply -benchtime 40x -count 3 ./store
func BenchmarkBulkApply(b *testing.B) {
	s := newTestStore(b)
	s.db.NoSync = true // filling is setup
	const docs = 400
	for d := range docs {
		if _, err := s.Store.Apply(fmt.Sprintf("nguon-%d", d), farmDoc(d), t0); err != nil {
			b.Fatal(err)
		}
	}
	s.db.NoSync = false
	tick := releaseTick
	b.Cleanup(func() { releaseTick = tick })
	next := docs
	for _, c := range []struct {
		name string
		tick time.Duration
	}{{"no-release-during", 0}, {"every-2ms", 2 * time.Millisecond}, {"every-5ms", 5 * time.Millisecond}} {
		b.Run(c.name, func(b *testing.B) {
			releaseTick = c.tick
			var peak int
			cpu := time.Duration(0)
			for b.Loop() {
				_ = s.ReleaseMapped()
				resetPeakRSS(b)
				base := statusKB(b, "VmRSS:")
				t := cpuTime()
				if _, err := s.Store.Apply(fmt.Sprintf("nguon-%d", next), farmDoc(next), t0); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - t
				peak = max(peak, statusKB(b, "VmHWM:")-base)
				next++
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(peak)/1024, "peak-rise-MiB")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func resetPeakRSS(tb testing.TB) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Skip("cannot reset the peak resident set:", err)
	}
}

// statusKB reads a kB field of /proc/self/status.
func statusKB(tb testing.TB, field string) int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.Fields(rest)[0])
			return kb
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}
