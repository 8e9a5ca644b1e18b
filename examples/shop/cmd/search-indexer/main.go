package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer"
)

func main() {
	var f shopcmd.Flags
	f.Register(flag.CommandLine)
	every := flag.Duration("flush-every", 5*time.Second, "how often to write a batch to the index")
	flag.Parse()
	shopcmd.Main("search-indexer", func(ctx context.Context) error { return run(ctx, &f, *every) })
}

func run(ctx context.Context, f *shopcmd.Flags, every time.Duration) (err error) {
	env, err := f.Open("search-indexer")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	svc := channel.NewService(searchindexer.Name, env.Bus, env.Options...)
	ix := searchindexer.New(svc, searchindexer.NewMemoryIndex())
	if err := ix.Start(ctx); err != nil {
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ix.Close()
		case <-tick.C:
			if err := ix.Flush(ctx); err != nil {
				// A failed batch stays pending and goes with the next one.
				fmt.Fprintf(os.Stderr, "search-indexer: %v\n", err)
			}
		}
	}
}
