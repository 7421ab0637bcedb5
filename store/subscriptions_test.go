package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// subscription is a verified WebSub subscription of source, as the
// subscriber keeps it.
func subscription(source string, asked time.Time) Subscription {
	return Subscription{
		Source: source, URL: "https://" + source + ".example.vn/rss", Hub: "https://hub.example.vn/",
		Topic: "https://" + source + ".example.vn/rss", Callback: "https://newswire.example.vn/websub/callback/" + source,
		Secret: "khoa-bi-mat-cua-toa-soan", Lease: 24 * time.Hour, Asked: asked,
		Verified: true, LeaseEnds: asked.Add(24 * time.Hour), RenewAt: asked.Add(19 * time.Hour),
	}
}

// sameSubscriptions compares what Subscriptions returned with want, times
// by Equal (they come back in UTC, without a monotonic reading).
func sameSubscriptions(got, want []Subscription) bool {
	return slices.EqualFunc(got, want, func(a, b Subscription) bool {
		times := [][2]time.Time{{a.Asked, b.Asked}, {a.LeaseEnds, b.LeaseEnds}, {a.RenewAt, b.RenewAt}, {a.Again, b.Again}}
		for _, t := range times {
			if !t[0].Equal(t[1]) {
				return false
			}
		}
		a.Asked, a.LeaseEnds, a.RenewAt, a.Again = b.Asked, b.LeaseEnds, b.RenewAt, b.Again
		return reflect.DeepEqual(a, b)
	})
}

// TestSubscriptionsKept: a subscription saved is read back as it was,
// after the store is closed and opened again; saving one again replaces
// it, and deleting removes it.
func TestSubscriptionsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	ts := openTestStore(t, path, Options{})
	asked := time.Date(2026, 11, 28, 7, 30, 0, 0, time.FixedZone("ICT", 7*3600))
	dienbien, sonla, yenbai := subscription("dienbien", asked), subscription("sonla", asked), subscription("yenbai", asked)
	sonla.Verified, sonla.LeaseEnds, sonla.RenewAt = false, time.Time{}, time.Time{}
	sonla.Failed, sonla.Failures, sonla.Again, sonla.Prev = "websub: subscribe: 503 Service Unavailable", 2, asked.Add(10*time.Minute), "khoa-cu"
	sonla.Leaving = []Leaving{{Hub: "https://hub.example.vn/", Topic: "https://sonla-cu.example.vn/rss", Callback: "https://newswire.example.vn/websub/callback/sonla"}}
	for _, s := range []Subscription{yenbai, dienbien, sonla} {
		if err := ts.SaveSubscription(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.SaveSubscription(Subscription{}); err == nil {
		t.Error("a subscription without a source saved")
	}
	ts.close()

	ts = openTestStore(t, path, Options{})
	got, err := ts.Subscriptions()
	if err != nil {
		t.Fatal(err)
	}
	if want := []Subscription{dienbien, sonla, yenbai}; !sameSubscriptions(got, want) {
		t.Errorf("after a restart Subscriptions() =\n%+v\nwant\n%+v", got, want)
	}
	dienbien.Verified, dienbien.Denied = false, "Chủ đề đã ngừng cập nhật"
	if err := ts.SaveSubscription(dienbien); err != nil {
		t.Fatal(err)
	}
	if err := ts.DeleteSubscriptions("yenbai", "laichau"); err != nil {
		t.Fatal(err)
	}
	got, err = ts.Subscriptions()
	if err != nil {
		t.Fatal(err)
	}
	if want := []Subscription{dienbien, sonla}; !sameSubscriptions(got, want) {
		t.Errorf("after a save and a delete Subscriptions() =\n%+v\nwant\n%+v", got, want)
	}
}

// TestMigrateV6: a version-6 file, without the subscriptions' bucket,
// opens as one without subscriptions, its sources and stories as they
// were, and keeps those saved from then on.
func TestMigrateV6(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	ts := openTestStore(t, path, Options{})
	fillStories(t, ts, "baodienbien", 20)
	if err := ts.SaveSource(SourceState{ID: "baodienbien", ETag: `"tin-sang"`}); err != nil {
		t.Fatal(err)
	}
	want := ts.all(AllCategory, 100)
	ts.close()
	rewindToVersion6(t, path)
	if err := CheckFile(path); err != nil {
		t.Fatalf("CheckFile of a version-6 store: %v", err)
	}

	ts = openTestStore(t, path, Options{})
	if v := schemaOf(t, ts); v != schemaVersion {
		t.Errorf("schema after Open = %d, want %d", v, schemaVersion)
	}
	if got, err := ts.Subscriptions(); err != nil || len(got) != 0 {
		t.Errorf("Subscriptions() of a migrated store = %v, %v; want none", got, err)
	}
	if st, ok, err := ts.Source("baodienbien"); err != nil || !ok || st.ETag != `"tin-sang"` {
		t.Errorf("source after migration: %+v %v %v", st, ok, err)
	}
	if got := ts.all(AllCategory, 100); !equalStories(got, want) {
		t.Error("stories changed by the migration")
	}
	sub := subscription("baodienbien", time.Now())
	if err := ts.SaveSubscription(sub); err != nil {
		t.Fatal(err)
	}
	if got, err := ts.Subscriptions(); err != nil || !sameSubscriptions(got, []Subscription{sub}) {
		t.Errorf("Subscriptions() after a save = %v, %v", got, err)
	}
}

// TestBackupAndCompactKeepSubscriptions: a backup and a compacted copy hold
// the subscriptions of the store they copy.
func TestBackupAndCompactKeepSubscriptions(t *testing.T) {
	dir := t.TempDir()
	ts := openTestStore(t, filepath.Join(dir, "newswire.db"), Options{})
	want := []Subscription{subscription("baohagiang", time.Now()), subscription("baolaocai", time.Now())}
	for _, s := range want {
		if err := ts.SaveSubscription(s); err != nil {
			t.Fatal(err)
		}
	}
	var backup bytes.Buffer
	if _, err := ts.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	ts.close()
	copied := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(copied, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	compacted := filepath.Join(dir, "compacted.db")
	if _, _, err := Compact(filepath.Join(dir, "newswire.db"), compacted, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{copied, compacted} {
		c := openTestStore(t, path, Options{})
		if got, err := c.Subscriptions(); err != nil || !sameSubscriptions(got, want) {
			t.Errorf("%s: Subscriptions() = %v, %v; want %s", filepath.Base(path), got, err, fmt.Sprint(want))
		}
	}
}

// TestReplaceSubscriptions: the subscriptions given replace every one the
// file held, in a file of this schema and in a version-6 file, which has
// no bucket for them until its migration, and which then keeps them.
func TestReplaceSubscriptions(t *testing.T) {
	asked := time.Date(2026, 11, 28, 7, 30, 0, 0, time.UTC)
	for _, v6 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v6=%v", v6), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "newswire.db")
			ts := openTestStore(t, path, Options{})
			held := 0
			if !v6 {
				for _, s := range []string{"dienbien", "laichau"} {
					if err := ts.SaveSubscription(subscription(s, asked)); err != nil {
						t.Fatal(err)
					}
				}
				held = 2
			}
			ts.close()
			if v6 {
				rewindToVersion6(t, path)
			}
			renewed := subscription("dienbien", asked.Add(20*time.Hour))
			renewed.Secret = "khoa-moi-cua-toa-soan"
			want := []Subscription{renewed, subscription("sonla", asked)}
			dropped, err := ReplaceSubscriptions(path, want)
			if err != nil || dropped != held {
				t.Fatalf("ReplaceSubscriptions = %d, %v; want %d dropped", dropped, err, held)
			}
			ts = openTestStore(t, path, Options{})
			if got, err := ts.Subscriptions(); err != nil || !sameSubscriptions(got, want) {
				t.Errorf("Subscriptions() =\n%+v, %v\nwant\n%+v", got, err, want)
			}
		})
	}
}

// rewindToVersion6 makes the closed store file at path one a version-6
// build left: no bucket of subscriptions, schema 6.
func rewindToVersion6(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketSubscriptions); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(6))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("rewind to version 6: %v", err)
	}
}
