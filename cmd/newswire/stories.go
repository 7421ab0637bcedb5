package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/explain"
	"newswire/store"
)

// stories runs `newswire stories --explain ID [-config FILE]`: why the
// occurrences of a story were joined. While the daemon holds the store it
// asks the daemon over loopback.
func stories(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("newswire stories", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	configPath := fs.String("config", "config.yaml", "config file")
	id := fs.String("explain", "", "story id (number or tag: URI) whose joins to explain")
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{}
	}
	if *id == "" || len(pos) != 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("stories: want --explain ID")
	}
	n, err := explain.ParseID(*id)
	if err != nil {
		return err
	}
	return withConfig(*configPath, func(cfg *config.Config) error {
		if strings.HasPrefix(*id, "tag:") && *id != feeds.StoryID(cfg.Authority(), n) {
			// Another newswire's story, or this one's under an old
			// authority: story n here is another story.
			return fmt.Errorf("stories: %s is not a story id of this newswire, whose ids read %s", *id, feeds.StoryID(cfg.Authority(), n))
		}
		err := readStore(ctx, cfg, "/api/stories/"+url.PathEscape(fmt.Sprint(n))+"/explain", stdout, func(st *store.Store) error {
			return explain.Write(stdout, st, n)
		})
		if err != nil {
			return fmt.Errorf("stories: %w", err)
		}
		return nil
	})
}
