package poll

import (
	"context"
	"net/http"
	"testing"
)

// TestOwnStoriesComeBackUnstored: a newswire that polls another which
// polls it back finds its own stories in that one's feed, under its own
// ids; they are not stored again as the other's.
func TestOwnStoriesComeBackUnstored(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <id>http://127.0.0.3:8080/feeds/all</id>
  <title>Tin tỉnh bạn</title>
  <updated>2026-11-29T07:00:00Z</updated>
  <author><name>Tin tỉnh bạn</name></author>
  <entry>
    <id>tag:127.0.0.1,2026:story/5</id>
    <title>Hà Giang mở lại đường lên cửa khẩu sau mưa lũ</title>
    <link href="http://baohagiang.test/tin/5"/>
    <updated>2026-11-29T06:00:00Z</updated>
    <summary>Đường đã thông xe từ sáng nay sau ba ngày sạt lở.</summary>
  </entry>
  <entry>
    <id>tag:127.0.0.3,2026:story/12</id>
    <title>Tuyên Quang khai mạc lễ hội thành Tuyên</title>
    <link href="http://baotuyenquang.test/tin/12"/>
    <updated>2026-11-29T06:30:00Z</updated>
    <summary>Lễ hội kéo dài ba ngày với hàng chục mô hình đèn trung thu.</summary>
  </entry>
  <entry>
    <id>tag:127.0.0.1,2026:story/5x</id>
    <title>Lào Cai đón đoàn khách du lịch đầu tiên qua cửa khẩu</title>
    <link href="http://baolaocai.test/tin/7"/>
    <updated>2026-11-29T06:40:00Z</updated>
    <summary>Đoàn gồm bốn mươi du khách, ở lại hai ngày.</summary>
  </entry>
</feed>`
	url := serveOn(t, "127.0.0.3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		_, _ = w.Write([]byte(doc))
	}))
	cfg := testConfig(t, fastPoll, "tinh-ban "+url+"/feeds/all.atom")
	if a := cfg.Authority(); a != "127.0.0.1" {
		t.Fatalf("authority %q", a)
	}
	p, st, _ := newPoller(t, cfg)
	rep := p.Poll(context.Background(), source(t, cfg, "tinh-ban"))
	if rep.Err != nil || rep.New != 2 || rep.Dropped != 1 {
		t.Fatalf("poll: %d new, %d dropped, err %v; want the two others' stories stored and its own left", rep.New, rep.Dropped, rep.Err)
	}
	if s := savedState(t, st, "tinh-ban"); s.Dropped[dropOwnStory] != 1 {
		t.Errorf("dropped %v", s.Dropped)
	}
}
