package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketSubscriptions holds each source's WebSub subscription, by source
// id, so that a restart neither asks every hub again nor ignores what a hub
// pushes under a subscription it still holds (package websub).
var bucketSubscriptions = []byte("subscriptions")

// Subscription is what newswire remembers of one source's WebSub
// subscription between runs: what it was asked for with, and where it
// stands. Secret and Prev are the HMAC keys the hub signs its pushes with:
// the store holds them as the config does, and nothing shows them.
type Subscription struct {
	Source string `json:"source"`
	// URL is the source's URL in the config the subscription was asked
	// for under: one the config no longer says was left.
	URL      string        `json:"url"`
	Hub      string        `json:"hub"`
	Topic    string        `json:"topic"`
	Callback string        `json:"callback"`
	Secret   string        `json:"secret"`
	Lease    time.Duration `json:"lease"`
	// Prev is the secret the hub held before, until it verifies this one.
	Prev  string    `json:"prev,omitempty"`
	Asked time.Time `json:"asked"`
	// Verified, with LeaseEnds and RenewAt, or Denied (the hub's reason),
	// or neither: pending, its request failed (Failed) when it did. A
	// renewal pending or failed keeps the LeaseEnds of the lease before,
	// which the hub may still push under.
	Verified  bool      `json:"verified,omitempty"`
	LeaseEnds time.Time `json:"lease_ends,omitzero"`
	RenewAt   time.Time `json:"renew_at,omitzero"`
	Denied    string    `json:"denied,omitempty"`
	Failed    string    `json:"failed,omitempty"`
	Failures  int       `json:"failures,omitempty"` // requests in a row that failed
	Again     time.Time `json:"again,omitzero"`     // when a failed request is made again
	// Left is the latest topic this subscription replaced, whose
	// unsubscription the hub may verify; LeftBefore, those the source
	// left before it, oldest first.
	Left       string   `json:"left,omitempty"`
	LeftBefore []string `json:"left_before,omitempty"`
	// Leaving are the subscriptions the source left (another URL, a feed
	// that moved, another base_url's callback) whose hubs are still to be
	// asked to end them, at the next start if not before; but one of the
	// record's hub and topic under another callback, while the record is
	// not verified, waits for the hub to verify it. A record with Leaving
	// alone (no Hub) is of a source that has no subscription of its own.
	Leaving []Leaving `json:"leaving,omitempty"`
}

// Leaving is a subscription to be ended at its hub: what the unsubscription
// request names.
type Leaving struct {
	Hub      string `json:"hub"`
	Topic    string `json:"topic"`
	Callback string `json:"callback"`
}

// SaveSubscription stores sub under sub.Source, replacing what was there.
func (s *Store) SaveSubscription(sub Subscription) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return putSubscription(tx.Bucket(bucketSubscriptions), sub) })
	if err != nil {
		return fmt.Errorf("store: save subscription: %w", err)
	}
	return nil
}

// putSubscription stores sub under sub.Source in b.
func putSubscription(b *bolt.Bucket, sub Subscription) error {
	if sub.Source == "" {
		return errors.New("empty source")
	}
	v, err := json.Marshal(sub)
	if err == nil {
		err = b.Put([]byte(sub.Source), v)
	}
	if err != nil {
		return fmt.Errorf("subscription of %s: %w", sub.Source, err)
	}
	return nil
}

// DeleteSubscriptions removes the subscriptions of sources, in one
// transaction; one not stored is no error.
func (s *Store) DeleteSubscriptions(sources ...string) error {
	if len(sources) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		for _, id := range sources {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete %d subscriptions: %w", len(sources), err)
	}
	return nil
}

// Subscriptions returns every stored subscription, in source order.
func (s *Store) Subscriptions() ([]Subscription, error) {
	var all []Subscription
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubscriptions).ForEach(func(k, v []byte) error {
			var sub Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("subscription of %s: %w", k, err)
			}
			all = append(all, sub)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	return all, nil
}

// ReplaceSubscriptions makes subs every subscription of the store file at
// path, in one write transaction, dropping those it held, and returns how
// many it held. It is for a file no process has open: restore calls it on
// its copy of a backup with the subscriptions of the store the copy
// replaces, which are those the hubs hold now. A file of an older schema
// gets the bucket its migration would make.
func ReplaceSubscriptions(path string, subs []Subscription) (dropped int, err error) {
	err = updateFile(path, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSubscriptions); b != nil {
			dropped = b.Stats().KeyN
			if err := tx.DeleteBucket(bucketSubscriptions); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucket(bucketSubscriptions)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if err := putSubscription(b, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: replace the subscriptions of %s: %w", path, err)
	}
	return dropped, nil
}

// migrateSubscriptions brings a version-6 store to version 7: the bucket
// of WebSub subscriptions, empty. Every source is subscribed once more at
// the first start, as before.
func migrateSubscriptions(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketSubscriptions); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketSubscriptions, err)
	}
	return nil
}
