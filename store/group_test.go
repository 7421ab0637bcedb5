package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// queued starts one Apply per document while the test holds bbolt's writer
// lock, the first alone, so that it leads, and the others once it waits for
// the lock, so that they queue behind it. It returns once every Apply is
// queued; wait releases the lock and returns their results in order.
func queued(t *testing.T, s *testStore, docs []queuedDoc) (wait func() ([]Result, []error)) {
	t.Helper()
	hold, err := s.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	res := make([]Result, len(docs))
	errs := make([]error, len(docs))
	var wg sync.WaitGroup
	for i, d := range docs {
		wg.Go(func() { res[i], errs[i] = s.Apply(d.source, d.items, t0.Add(time.Hour)) })
		// Each Apply is in the queue before the next starts, so that the
		// group keeps their order.
		waitFor(t, func() bool {
			s.applies.mu.Lock()
			defer s.applies.mu.Unlock()
			return len(s.applies.queue) == i+1
		})
	}
	return func() ([]Result, []error) {
		if err := hold.Rollback(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		return res, errs
	}
}

type queuedDoc struct {
	source string
	items  []Incoming
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestApplyGroupsWaitingWrites(t *testing.T) {
	s := newTestStore(t)
	s.apply("baohagiang", t0, news("hg-1", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 0, "tin-tinh"))
	if w := s.WriteStats(); w.Commits != 1 || w.Documents != 1 || w.Items != 1 || w.Bytes <= s.writes.pageSize || w.CommitTime <= 0 {
		t.Errorf("write stats after one document: %+v", w)
	}
	// The same document again changes nothing and commits nothing.
	s.apply("baohagiang", t0, news("hg-1", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 0, "tin-tinh"))
	first := s.WriteStats()
	if first.Commits != 1 || first.Documents != 1 {
		t.Errorf("write stats after a document that changed nothing: %+v", first)
	}
	before := s.txID()
	shared := "https://vtv.example/thoi-su/mua-lu-cao-bang.html"
	wait := queued(t, s, []queuedDoc{
		{"baohagiang", []Incoming{news("hg-1", hgLink, "Khánh thành cầu treo bản Nậm Đăm, xã Quản Bạ", 0, "tin-tinh")}},
		{"baotuyenquang", []Incoming{news("tq-1", tqLink, "Tuyên Quang sẵn sàng cho lễ hội Thành Tuyên", 10, "van-hoa")}},
		{"baocaobang", []Incoming{news("cb-1", shared, "Cao Bằng khắc phục hậu quả mưa lũ", 20, "thoi-su")}},
		// Carries the story the document before it brought, in the same
		// transaction: it joins it, as it would after its commit.
		{"vtv", []Incoming{news("vtv-1", shared, "Cao Bằng: khắc phục hậu quả mưa lũ", 25, "thoi-su")}},
	})
	res, errs := wait()
	want := []Result{{Updated: 1}, {New: 1}, {New: 1}, {Joined: 1}}
	for i := range res {
		if errs[i] != nil || res[i] != want[i] {
			t.Errorf("Apply %d = %+v, %v; want %+v", i, res[i], errs[i], want[i])
		}
	}
	if got := s.txID(); got != before+1 {
		t.Errorf("%d transactions committed for four documents queued together, want 1", got-before)
	}
	if w := s.WriteStats(); w.Commits != 2 || w.Documents != 5 || w.Items != 5 || w.Bytes <= first.Bytes {
		t.Errorf("write stats after four documents in one transaction: %+v", w)
	}
	all := s.all(AllCategory, 10)
	if len(all) != 3 {
		t.Fatalf("%d stories, want 3", len(all))
	}
	for _, st := range all {
		if st.Link == shared && len(st.Sources) != 2 {
			t.Errorf("the shared story has %d sources, want 2", len(st.Sources))
		}
		if st.Link == hgLink && !strings.Contains(st.Title, "Quản Bạ") {
			t.Errorf("the edited story is titled %q", st.Title)
		}
	}
}

func TestApplyGroupFailsAlone(t *testing.T) {
	s := newTestStore(t)
	before := s.txID()
	// A GUID longer than bbolt's largest key: its document cannot be stored.
	bad := news(strings.Repeat("g", 40000), lcLink, "Mưa lớn gây sạt lở trên quốc lộ 4D", 30, "thoi-su")
	fine := news("lc-2", "https://baolaocai.example/tin-2.html", "Lào Cai thông xe quốc lộ 4D", 40, "thoi-su")
	wait := queued(t, s, []queuedDoc{
		{"baohagiang", []Incoming{news("hg-1", hgLink, "Khánh thành cầu treo bản Nậm Đăm", 0, "tin-tinh")}},
		{"baolaocai", []Incoming{fine, bad}},
		{"baotuyenquang", []Incoming{news("tq-1", tqLink, "Tuyên Quang sẵn sàng cho lễ hội Thành Tuyên", 10, "van-hoa")}},
	})
	res, errs := wait()
	for _, i := range []int{0, 2} {
		if errs[i] != nil || res[i] != (Result{New: 1}) {
			t.Errorf("Apply %d = %+v, %v; want one new story", i, res[i], errs[i])
		}
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "apply baolaocai: item 1") || !strings.Contains(errs[1].Error(), "key too large") {
		t.Errorf("Apply of the bad document: %+v, %v; want an error naming its item 1 and the key", res[1], errs[1])
	}
	if res[1] != (Result{}) {
		t.Errorf("the failed Apply reports %+v", res[1])
	}
	// The group was rolled back; its good documents went again alone.
	if got := s.txID(); got != before+2 {
		t.Errorf("%d transactions committed, want 2", got-before)
	}
	for _, st := range s.all(AllCategory, 10) {
		if st.Link == fine.Item.Link {
			t.Errorf("the failed document's first item was stored: %q", st.Title)
		}
	}
	if n := len(s.all(AllCategory, 10)); n != 2 {
		t.Errorf("%d stories, want 2", n)
	}
	// The queue is free again.
	if r := s.apply("baolaocai", t0.Add(2*time.Hour), fine); r != (Result{New: 1}) {
		t.Errorf("Apply after the failure = %+v", r)
	}
}

func TestApplyGroupKeepsToItsBounds(t *testing.T) {
	s := newTestStore(t)
	before := s.txID()
	var docs []queuedDoc
	for d := range 4 {
		var items []Incoming
		for i := range 20 {
			link := fmt.Sprintf("https://tin%d.example/bai-%d.html", d, i)
			items = append(items, news(link, link, fmt.Sprintf("Bản tin số %d của đài %d", i, d), i))
		}
		docs = append(docs, queuedDoc{fmt.Sprintf("dai-%d", d), items})
	}
	res, errs := queued(t, s, docs)()
	for i := range res {
		if errs[i] != nil || res[i] != (Result{New: 20}) {
			t.Errorf("Apply %d = %+v, %v; want 20 new", i, res[i], errs[i])
		}
	}
	// Three documents of 20 items fit in one transaction (maxGroupItems),
	// the fourth goes in the next.
	if got := s.txID(); got != before+2 {
		t.Errorf("%d transactions committed, want 2", got-before)
	}
}

// TestApplyWaitsForCompany: with a commit delay, an Apply of one item waits
// for others before it begins, and those that come meanwhile share its
// transaction, with nothing else holding the writer.
func TestApplyWaitsForCompany(t *testing.T) {
	s := newTestStore(t)
	// The delay is an hour: the group goes once it has three documents.
	s.SetCommitDelay(time.Hour, 3)
	before := s.txID()
	docs := []queuedDoc{
		{"baotuyenquang", []Incoming{news("tq-1", tqLink, "Tuyên Quang sẵn sàng cho lễ hội Thành Tuyên", 10, "van-hoa")}},
		{"baocaobang", []Incoming{news("cb-1", "https://baocaobang.example/mua-lu.html", "Cao Bằng khắc phục hậu quả mưa lũ", 20, "thoi-su")}},
	}
	var wg sync.WaitGroup
	res := make([]Result, len(docs)+1)
	errs := make([]error, len(docs)+1)
	for i, d := range docs {
		wg.Go(func() { res[i], errs[i] = s.Apply(d.source, d.items, t0.Add(time.Hour)) })
		waitFor(t, func() bool {
			s.applies.mu.Lock()
			defer s.applies.mu.Unlock()
			return len(s.applies.queue) == i+1 && s.applies.company != nil
		})
	}
	// The leader waits outside any transaction: other writes go on.
	if err := s.SaveSource(SourceState{ID: "baotuyenquang"}); err != nil {
		t.Fatal(err)
	}
	res[2], errs[2] = s.Apply("vtv", []Incoming{news("vtv-1", "https://vtv.example/lu-cao-bang.html", "Cao Bằng: khắc phục hậu quả mưa lũ sau bão", 25, "thoi-su")}, t0.Add(time.Hour))
	wg.Wait()
	for i := range res {
		if errs[i] != nil || res[i].New+res[i].Joined != 1 {
			t.Errorf("Apply %d = %+v, %v; want one story", i, res[i], errs[i])
		}
	}
	if got := s.txID(); got != before+2 {
		t.Errorf("%d transactions committed, want 2: the saved source and the three documents", got-before)
	}
}

// TestApplyLargeDocumentDoesNotWait: a source's first document, too large
// to share a group with another like it, goes at once whatever the delay.
func TestApplyLargeDocumentDoesNotWait(t *testing.T) {
	s := newTestStore(t)
	s.SetCommitDelay(time.Hour, maxGroup)
	var items []Incoming
	for i := range maxGroupItems/2 + 1 {
		items = append(items, news(fmt.Sprintf("hg-%d", i), fmt.Sprintf("https://baohagiang.example/tin/%d.html", i), fmt.Sprintf("Hà Giang: tin thứ %d trong ngày về mùa hoa tam giác mạch", i), i, "tin-tinh"))
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Apply("baohagiang", items, t0.Add(time.Hour))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("an Apply of a large document waited for company")
	}
}
