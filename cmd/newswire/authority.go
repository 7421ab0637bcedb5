package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"newswire/internal/config"
	"newswire/store"
)

// publishUnder settles the authority of the story ids that cfg publishes
// from st, which a daemon or fetch writes to: tag_authority when it is set,
// else the one st recorded, else (a new store, or one from before it was
// recorded) the host of base_url. It sets cfg.PublishedAuthority to it, so
// that a base_url changed later changes no id, and returns the function that
// records it in st when st had another or none (nil when st has it). An
// authority that replaces another is the admin's tag_authority: every id
// changes, log says so, and recording it logs every story as changed for
// partners pulling with since: the daemon calls it once it serves under
// cfg, so that no partner is given those changes under the old ids.
func publishUnder(cfg *config.Config, st *store.Store, log *slog.Logger) (record func()) {
	recorded, err := st.Authority()
	if err != nil {
		log.Warn("reading the authority of story ids", "error", err)
	}
	cfg.PublishedAuthority = recorded
	use := cfg.Authority()
	cfg.PublishedAuthority = use
	if use == recorded {
		return nil
	}
	if recorded != "" {
		log.Warn(config.AuthorityChange(recorded, use), "tag_authority", cfg.TagAuthority)
	}
	return func() {
		if err := st.SetAuthority(use); err != nil {
			log.Warn("recording the authority of story ids", "authority", use, "error", err)
		}
	}
}

// readUnder sets cfg.PublishedAuthority to the authority st records, for
// the commands that read the store and print story ids.
func readUnder(cfg *config.Config, st *store.Store) error {
	a, err := st.Authority()
	if err != nil {
		return err
	}
	cfg.PublishedAuthority = a
	return nil
}

// idAuthority is the authority of the story ids of cfg's store: the daemon's
// when it holds the store, else cfg's under what the store records.
func idAuthority(ctx context.Context, cfg *config.Config) (string, error) {
	var buf bytes.Buffer
	err := readStore(ctx, cfg, "/api/config", &buf, func(st *store.Store) error { return readUnder(cfg, st) })
	if err != nil {
		return "", err
	}
	if buf.Len() == 0 {
		return cfg.Authority(), nil
	}
	var running config.Config
	if err := json.Unmarshal(buf.Bytes(), &running); err != nil {
		return "", fmt.Errorf("reading the running config: %w", err)
	}
	return running.Authority(), nil
}
