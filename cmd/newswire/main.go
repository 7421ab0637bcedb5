// Command newswire polls news outlets' feeds, keeps each story once and
// republishes merged per-category feeds. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		var ex exitError
		if !errors.As(err, &ex) || ex.msg != "" {
			fmt.Fprintln(os.Stderr, "newswire:", err)
		}
		os.Exit(1)
	}
}
