package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tracegraph/tracegraph/examples/shop/sim"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
)

func main() {
	var (
		cfg   sim.Config
		out   string
		db    string
		start string
	)
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the scenario: updates, latencies, failures and ids")
	flag.IntVar(&cfg.Updates, "updates", 200, "number of SKU updates merchants make")
	flag.StringVar(&out, "out", "", "write events to this file (default stdout)")
	flag.StringVar(&db, "db", "", "write events straight to this PostgreSQL database instead of a file")
	flag.StringVar(&start, "start", sim.DefaultStart, "simulated time of the first event (RFC 3339)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "simulate: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "simulate: --start %q: want an RFC 3339 time such as 2026-11-24T09:00:00Z\n", start)
		os.Exit(2)
	}
	cfg.Start = t
	if db != "" && out != "" {
		fmt.Fprintln(os.Stderr, "simulate: --db and --out are exclusive")
		os.Exit(2)
	}
	if err := run(context.Background(), cfg, out, db); err != nil {
		fmt.Fprintf(os.Stderr, "simulate: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg sim.Config, out, db string) (err error) {
	open := func() (telemetry.Recorder, func() error, error) { return openRecorder(out) }
	if db != "" {
		open = func() (telemetry.Recorder, func() error, error) { return openStore(ctx, db) }
	}
	rec, closeRec, err := open()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeRec()) }()
	cfg.Recorder = rec
	return sim.Run(ctx, cfg)
}

// openRecorder opens where the events go: the file out, or stdout.
func openRecorder(out string) (telemetry.Recorder, func() error, error) {
	var w io.Writer = os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return nil, nil, fmt.Errorf("create events file: %w", err)
		}
		w = f
	}
	jw := telemetry.NewWriter(w)
	if out == "" {
		return jw, jw.Flush, nil // never close stdout
	}
	return jw, jw.Close, nil
}

// openStore sends the events straight to PostgreSQL through the store's
// Recorder, the way a service would. Closing flushes it, and an event the
// Recorder had to drop fails the run: a simulation must be complete.
func openStore(ctx context.Context, url string) (telemetry.Recorder, func() error, error) {
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	// A simulation records far faster than a real service; a buffer this size
	// keeps a long run from dropping while the database catches up.
	rec := st.NewRecorder(pgstore.RecorderOptions{Buffer: 1 << 18})
	return rec, func() error {
		defer st.Close()
		if err := rec.Close(ctx); err != nil {
			return err
		}
		if n := rec.Dropped(); n > 0 {
			return fmt.Errorf("the store's recorder dropped %d events", n)
		}
		return nil
	}, nil
}
