package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"newswire/internal/config"
)

// diffConfig prints what reloading the file at path would change in the
// daemon running under it, which it asks for its config over loopback.
func diffConfig(ctx context.Context, path string, stdout io.Writer) error {
	next, err := loadConfig(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := fromDaemon(ctx, next, "/api/config", &buf); err != nil {
		return fmt.Errorf("check-config -diff: no running config to compare with: %w", err)
	}
	var running config.Config
	if err := json.Unmarshal(buf.Bytes(), &running); err != nil {
		return fmt.Errorf("check-config -diff: reading the running config: %w", err)
	}
	next.CarryOver(&running)
	// The daemon digests secrets with the install's key.
	if next.DigestKey, _, err = digestKey(next, false); err != nil {
		return fmt.Errorf("check-config -diff: reading the key the daemon digests secrets with (run as the daemon's user): %w", err)
	}
	// listen, data_dir and log are taken only at a restart: a reload
	// that reads them changes nothing of them.
	changes, restart := config.SplitRestart(config.Diff(&running, next.Redacted()))
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "a reload would change nothing")
	} else {
		fmt.Fprintf(stdout, "a reload would make %d %s:\n", len(changes), plural(len(changes), "change", "changes"))
		for _, c := range changes {
			fmt.Fprintln(stdout, "  "+c.String())
		}
	}
	if len(restart) > 0 {
		fmt.Fprintln(stdout, "the next restart would also make:")
		for _, c := range restart {
			fmt.Fprintln(stdout, "  "+c.String())
		}
	}
	return nil
}
