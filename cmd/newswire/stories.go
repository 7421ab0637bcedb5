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
	"newswire/internal/server"
	"newswire/store"
)

// stories runs `newswire stories --explain ID [-config FILE]`: why the
// occurrences of a story were joined; or `--compare ID ID`: why two
// stories were not. While the daemon holds the store it asks the daemon
// over loopback.
func stories(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("newswire stories", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	configPath := fs.String("config", "config.yaml", "config file")
	id := fs.String("explain", "", "story id (number or tag: URI) whose joins to explain")
	compare := fs.Bool("compare", false, "compare the two stories given (numbers or tag: URIs): why they are two")
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{}
	}
	var ids []string
	switch {
	case *compare && *id == "" && len(pos) == 2:
		ids = pos
	case !*compare && *id != "" && len(pos) == 0:
		ids = []string{*id}
	default:
		fmt.Fprint(os.Stderr, usage)
		return errors.New("stories: want --explain ID, or --compare ID ID")
	}
	nums := make([]uint64, len(ids))
	for i, s := range ids {
		if nums[i], err = explain.ParseID(s); err != nil {
			return fmt.Errorf("stories: %w", err)
		}
	}
	return withConfig(*configPath, func(cfg *config.Config) error {
		var err error
		authority := ""
		for i, s := range ids {
			if !strings.HasPrefix(s, "tag:") {
				continue
			}
			if authority == "" {
				if authority, err = idAuthority(ctx, cfg); err != nil {
					return fmt.Errorf("stories: %w", err)
				}
			}
			if s != feeds.StoryID(authority, nums[i]) {
				// Another newswire's story, or this one's under an old
				// authority: story n here is another story.
				return fmt.Errorf("stories: %s is not a story id of this newswire, whose ids read %s", s, feeds.StoryID(authority, nums[i]))
			}
		}
		if *compare {
			a, b := nums[0], nums[1]
			api := "/api/stories/" + url.PathEscape(fmt.Sprint(a)) + "/compare/" + url.PathEscape(fmt.Sprint(b))
			err = readStore(ctx, cfg, api, stdout, func(st *store.Store) error {
				return explain.Compare(stdout, st, a, b, server.Identity(cfg))
			})
		} else {
			n := nums[0]
			err = readStore(ctx, cfg, "/api/stories/"+url.PathEscape(fmt.Sprint(n))+"/explain", stdout, func(st *store.Store) error {
				return explain.Write(stdout, st, n)
			})
		}
		if err != nil {
			return fmt.Errorf("stories: %w", err)
		}
		return nil
	})
}
