// Package farm runs a farm of outlet feeds on loopback addresses, for tests
// and benchmarks of polling at scale: thousands of RSS feeds spread over
// several hosts (127.0.0.2, 127.0.0.3, …, each its own server), answering
// conditional GETs as a well-run outlet does, and counting what they were
// asked.
//
// It owns the feeds' content and the counts. It knows nothing of newswire:
// anything that polls HTTP can be pointed at it.
//
// Linux routes all of 127.0.0.0/8 to the loopback interface, so the farm can
// listen on 127.0.0.2 and up without any setup.
package farm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options shape a farm. Zero values take the defaults in brackets.
type Options struct {
	Feeds int // [100]
	Items int // items in each feed [50]
	Hosts int // loopback addresses from 127.0.0.2 up, at most 250 [4]
	// Start is the publication time of every feed's newest item before any
	// change [now]; items are a minute apart.
	Start time.Time
	// Port is the port every host listens on [one the system picks for
	// each]: a poller's store then names the same URLs in a later farm.
	Port int
	// ChangeEachRequest adds an item to a feed before answering each request
	// for it, so that every poll finds one new item: a benchmark of changed
	// feeds can then run the farm in a process of its own, whose CPU time is
	// not the poller's.
	ChangeEachRequest bool
	// Detailed gives every item what a news outlet's feed carries besides
	// its summary: an HTML description with a lead image, three paragraphs
	// and a link (Detail), an author and a category. Such a 50-item document
	// is about 75 KB and takes some two and a half times as long to parse as
	// the plain one of about 23 KB.
	Detailed bool
}

// Farm is a running outlet farm. Its methods are safe for concurrent use.
type Farm struct {
	opt     Options
	urls    []string
	feeds   []feed
	servers []*http.Server

	unchanged, unchanged304, fresh, total atomic.Int64

	mu      sync.Mutex
	polls   [][]time.Time // per feed, when each request came
	changes []Change
}

type feed struct {
	mu      sync.Mutex
	version int       // bumped by each change
	served  int       // version last sent with a 200, -1 before the first
	changed time.Time // when version was made
	first   time.Time // when the current version was first sent with a 200
}

// Change is one feed's change: when it was made and the title of the item it
// added, so that a test can look for that title downstream.
type Change struct {
	Feed  int
	At    time.Time
	Title string
}

// Start listens on opt.Hosts loopback addresses and serves opt.Feeds feeds
// over them, feed i on host i mod Hosts. Close stops it.
func Start(opt Options) (*Farm, error) {
	if opt.Feeds <= 0 {
		opt.Feeds = 100
	}
	if opt.Items <= 0 {
		opt.Items = 50
	}
	if opt.Hosts <= 0 {
		opt.Hosts = 4
	}
	if opt.Hosts > 250 {
		return nil, fmt.Errorf("farm: %d hosts asked, at most 250 loopback addresses are used", opt.Hosts)
	}
	if opt.Start.IsZero() {
		opt.Start = time.Now()
	}
	f := &Farm{
		opt:   opt,
		feeds: make([]feed, opt.Feeds),
		polls: make([][]time.Time, opt.Feeds),
		urls:  make([]string, opt.Feeds),
	}
	for i := range f.feeds {
		f.feeds[i].served = -1 // never sent: the first request is not for an unchanged feed
	}
	bases := make([]string, opt.Hosts)
	for h := range opt.Hosts {
		addr := fmt.Sprintf("127.0.0.%d:%d", h+2, opt.Port)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("farm: listen on %s: %w", addr, err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 10 * time.Second}
		f.servers = append(f.servers, srv)
		go func() { _ = srv.Serve(ln) }()
		bases[h] = "http://" + ln.Addr().String()
	}
	for i := range f.urls {
		f.urls[i] = fmt.Sprintf("%s/feed/%d.xml", bases[i%opt.Hosts], i)
	}
	return f, nil
}

// URLs are the feeds' addresses, by feed number.
func (f *Farm) URLs() []string { return f.urls }

// Close stops every server of the farm.
func (f *Farm) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range f.servers {
		_ = s.Shutdown(ctx)
	}
}

// Change adds a new item to feed i, as an outlet publishing a story does.
func (f *Farm) Change(i int) Change {
	fd := &f.feeds[i]
	fd.mu.Lock()
	fd.version++
	fd.changed = time.Now()
	fd.first = time.Time{}
	c := Change{Feed: i, At: fd.changed, Title: Title(i, f.opt.Items+fd.version-1)}
	fd.mu.Unlock()
	f.mu.Lock()
	f.changes = append(f.changes, c)
	f.mu.Unlock()
	return c
}

// ChangeRandom changes n distinct feeds picked at random.
func (f *Farm) ChangeRandom(n int) []Change {
	out := make([]Change, 0, n)
	for _, i := range rand.Perm(len(f.feeds))[:min(n, len(f.feeds))] {
		out = append(out, f.Change(i))
	}
	return out
}

// FirstServed is when the current version of feed i was first sent with a
// 200, and whether it has been.
func (f *Farm) FirstServed(i int) (time.Time, bool) {
	fd := &f.feeds[i]
	fd.mu.Lock()
	defer fd.mu.Unlock()
	return fd.first, !fd.first.IsZero()
}

// Stats are the farm's counts since Start (or the last Reset).
type Stats struct {
	Requests int64
	// Unchanged counts requests for a feed that had not changed since the
	// asker last got it with a 200; Unchanged304 those of them answered 304.
	Unchanged    int64
	Unchanged304 int64
	Fresh        int64 // 200s
}

// Stats returns the counts so far.
func (f *Farm) Stats() Stats {
	return Stats{Requests: f.total.Load(), Unchanged: f.unchanged.Load(),
		Unchanged304: f.unchanged304.Load(), Fresh: f.fresh.Load()}
}

// Polls returns, per feed, when each request came.
func (f *Farm) Polls() [][]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]time.Time, len(f.polls))
	for i, p := range f.polls {
		out[i] = append([]time.Time(nil), p...)
	}
	return out
}

// Reset zeroes the counts and forgets past requests, for a measurement that
// starts after a warm-up.
func (f *Farm) Reset() {
	f.total.Store(0)
	f.unchanged.Store(0)
	f.unchanged304.Store(0)
	f.fresh.Store(0)
	f.mu.Lock()
	for i := range f.polls {
		f.polls[i] = nil
	}
	f.changes = nil
	f.mu.Unlock()
}

func (f *Farm) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/feed/")
	name, ok2 := strings.CutSuffix(name, ".xml")
	i, err := strconv.Atoi(name)
	if !ok || !ok2 || err != nil || i < 0 || i >= len(f.feeds) {
		http.NotFound(w, r)
		return
	}
	if f.opt.ChangeEachRequest {
		f.Change(i)
	}
	now := time.Now()
	f.total.Add(1)
	f.mu.Lock()
	f.polls[i] = append(f.polls[i], now)
	f.mu.Unlock()

	fd := &f.feeds[i]
	fd.mu.Lock()
	version, unchanged := fd.version, fd.version == fd.served
	etag := fmt.Sprintf(`"%d-%d"`, i, version)
	if unchanged {
		f.unchanged.Add(1)
	}
	if r.Header.Get("If-None-Match") == etag {
		fd.mu.Unlock()
		if unchanged {
			f.unchanged304.Add(1)
		}
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	fd.served = version
	if fd.first.IsZero() {
		fd.first = now
	}
	fd.mu.Unlock()
	f.fresh.Add(1)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", f.published(version+f.opt.Items-1).UTC().Format(http.TimeFormat))
	// With its length declared, as a web server sends a file.
	doc := f.document(i, version)
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	_, _ = w.Write(doc)
}

// published is when item n of every feed came out: the newest item before
// any change (n = Items-1) at Start, the others a minute apart.
func (f *Farm) published(n int) time.Time {
	return f.opt.Start.Add(time.Duration(n-f.opt.Items+1) * time.Minute)
}

var topics = []string{
	"Hà Giang mở thêm tuyến xe khách lên cao nguyên đá Đồng Văn",
	"Lào Cai đón đoàn doanh nghiệp đến tìm hiểu vùng chè Shan tuyết",
	"Tuyên Quang chuẩn bị lễ hội thành Tuyên với nhiều mô hình đèn mới",
	"Cao Bằng sửa xong cầu treo bản Giốc trước mùa mưa lũ",
	"Yên Bái trồng thêm 2.000 ha quế trên các sườn đồi Văn Yên",
	"Provincial hospital opens a new maternity ward in the highlands",
	"Farmers in the north bring the first buckwheat honey to market",
	"Night market on the old town street draws visitors from the capital",
}

// Title is the title of item itemNo of feed feedNo: one of a few
// headlines, numbered, so that stories share much of their text as a
// province's outlets covering the same events do. The number is one for
// each item of each feed (feed 3's item 12 is bulletin 300012): two numbers,
// "3-12" and "12-3", would be the same multiset of numbers to the identity
// rules, and the two items one story.
func Title(feedNo, itemNo int) string {
	return fmt.Sprintf("%s (bản tin %d)", topics[(feedNo+itemNo)%len(topics)], feedNo*itemsPerFeedNo+itemNo)
}

// itemsPerFeedNo is how many item numbers each feed's bulletins have to
// themselves.
const itemsPerFeedNo = 100_000

// Summary is the description of item itemNo of feed feedNo.
func Summary(feedNo, itemNo int) string {
	return fmt.Sprintf("%s. Người dân và chính quyền địa phương cùng theo dõi, bản tin số %d.", Title(feedNo, itemNo), itemNo)
}

// Detail is the HTML description of item itemNo of feed feedNo in a
// Detailed farm: a lead image, three paragraphs in the headline's language
// and a link to the full story.
func Detail(feedNo, itemNo int) string {
	t := (feedNo + itemNo) % len(topics)
	paras, more := detailVi, "Đọc tiếp bài viết"
	if t >= firstEnglishTopic {
		paras, more = detailEn, "Read the full story"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<p><a href="http://tin%d.example/bai/%d.html"><img src="http://tin%d.example/anh/%d.jpg" alt="%s" width="640" height="360"></a></p>`,
		feedNo, itemNo, feedNo, itemNo, topics[t])
	for k, p := range paras {
		fmt.Fprintf(&b, "<p>"+p+"</p>", itemNo%97+k, feedNo%13+2)
	}
	fmt.Fprintf(&b, `<p><a href="http://tin%d.example/bai/%d.html">%s</a></p>`, feedNo, itemNo, more)
	return b.String()
}

// firstEnglishTopic is the first of topics written in English.
const firstEnglishTopic = 5

var detailVi = []string{
	"Theo ghi nhận của phóng viên sáng nay, có khoảng %d hộ dân đã đến từ sớm để theo dõi công việc chuẩn bị. Lãnh đạo địa phương cho biết kế hoạch được bàn từ %d tháng trước và đã lấy ý kiến của các thôn bản liên quan.",
	"<strong>Nguồn kinh phí</strong> chủ yếu từ ngân sách tỉnh, một phần do người dân và doanh nghiệp đóng góp. Cán bộ xã cho biết đã có %d lượt người đăng ký tham gia, gấp %d lần năm ngoái, nhiều người ở các huyện lân cận cũng xin được góp công.",
	"Trong thời gian tới, tỉnh sẽ tiếp tục rà soát, đánh giá kết quả sau %d ngày thực hiện và báo cáo lên các sở ngành. Người dân có ý kiến có thể gửi về bộ phận một cửa của huyện hoặc gọi đường dây nóng, đợt tổng kết dự kiến vào tuần thứ %d.",
}

var detailEn = []string{
	"Reporters at the scene this morning counted some %d households who came early to watch the preparations. Local officials said the plan was first discussed %d months ago and that every village concerned was consulted.",
	"<strong>Most of the money</strong> comes from the provincial budget, with a share from residents and local firms. Commune staff said %d people have signed up to take part, %d times as many as last year, and volunteers from nearby districts have offered to help.",
	"Over the coming weeks the province will review the results after %d days and report to its departments. Residents with questions can write to the district's service desk or call its hotline; a full review is expected in week %d.",
}

var reporters = []string{"Minh Anh", "Thu Hà", "Quang Huy", "Lan Phương", "Đức Thắng"}

var sections = []string{"Thời sự", "Kinh tế", "Xã hội", "Văn hóa", "Du lịch"}

// document renders feed i at version v: items v … v+Items-1, newest first.
func (f *Farm) document(i, v int) []byte {
	var b strings.Builder
	b.Grow(f.opt.Items * 1400)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Trang tin số %d</title><link>http://tin%d.example/</link><description>Tin tức địa phương</description><language>vi</language>
`, i, i)
	for k := range f.opt.Items {
		n := v + f.opt.Items - 1 - k
		if f.opt.Detailed {
			fmt.Fprintf(&b, `<item><title>%s</title><link>http://tin%d.example/bai/%d.html</link><guid>http://tin%d.example/bai/%d.html</guid><pubDate>%s</pubDate><author>toasoan@tin%d.example (%s)</author><category>%s</category><description><![CDATA[%s]]></description></item>
`, Title(i, n), i, n, i, n, f.published(n).UTC().Format(time.RFC1123Z), i, reporters[(i+n)%len(reporters)], sections[(i+n)%len(sections)], Detail(i, n))
			continue
		}
		fmt.Fprintf(&b, `<item><title>%s</title><link>http://tin%d.example/bai/%d.html</link><guid>http://tin%d.example/bai/%d.html</guid><pubDate>%s</pubDate><description>%s</description></item>
`, Title(i, n), i, n, i, n, f.published(n).UTC().Format(time.RFC1123Z), Summary(i, n))
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// Changes returns every change made since Start (or the last Reset).
func (f *Farm) Changes() []Change {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Change(nil), f.changes...)
}
