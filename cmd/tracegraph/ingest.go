package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
)

// ingestBatch is how many events one COPY transaction carries: big enough
// that commits are rare, small enough that an interrupted ingest loses
// little work.
const ingestBatch = 25_000

func newIngestCmd() *cobra.Command {
	var sf sourceFlags
	var parallel int
	cmd := &cobra.Command{
		Use:   "ingest --db URL FILE...",
		Short: "Load events into PostgreSQL (JSONL; OTLP, Zipkin, Jaeger by content)",
		Long: `Load events into PostgreSQL, in batches of one transaction each.

Loading is idempotent on (timestamp, event_id): a file loaded twice stores its
events once, and an interrupted load is completed by running it again. Bad
lines are skipped and named (the first 20, then a count); the good ones are
stored, and the exit code is then 2.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if parallel < 1 {
				return usageErr(errors.New("--parallel must be at least 1"))
			}
			return runIngest(cmd, &sf, parallel, args)
		},
	}
	cmd.Flags().StringVar(&sf.db, "db", "", "PostgreSQL URL (default $TRACEGRAPH_DATABASE_URL, $DATABASE_URL, or the PG* variables)")
	cmd.Flags().IntVar(&parallel, "parallel", 2, "batches written at once, each on its own connection")
	sf.registerInput(cmd)
	return cmd
}

type ingestCounts struct {
	read, stored, duplicate, rejected int64
}

func runIngest(cmd *cobra.Command, sf *sourceFlags, parallel int, files []string) error {
	ctx, cancel := context.WithCancelCause(cmd.Context())
	defer cancel(nil)
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return usageErr(fmt.Errorf("events file: %w", err))
		}
	}
	st, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer st.Close()

	bar := newBar(cmd)
	var (
		counts   ingestCounts
		mu       sync.Mutex // guards counts.stored, counts.duplicate, storeErr
		storeErr error
		unstored []string // events the store cannot hold, named like bad lines
		wg       sync.WaitGroup
	)
	// Batches are independent transactions, so several connections can
	// write at once: the server's work is spread over its cores.
	batches := make(chan []telemetry.Event, parallel)
	for range parallel {
		wg.Go(func() {
			for b := range batches {
				if ctx.Err() != nil {
					continue
				}
				res, err := st.Write(ctx, b)
				mu.Lock()
				if err != nil && storeErr == nil {
					storeErr = err
					cancel(err)
				}
				counts.stored += res.Stored
				counts.duplicate += res.Duplicate
				mu.Unlock()
				if bar != nil && err == nil {
					_ = bar.Add(len(b))
				}
			}
		})
	}
	batch := make([]telemetry.Event, 0, ingestBatch)
	// One decoding worker keeps file order, so batches follow time.
	ro, err := sf.readOptions(cmd)
	if err != nil {
		return err
	}
	ro.Workers = 1
	// The database counts an event stored twice, and says so.
	ro.KeepDuplicates = true
	rs, readErr := runtimegraph.ReadFiles(ctx, files, ro,
		func(_ int, e *telemetry.Event) error {
			if err := pgstore.Check(e); err != nil {
				counts.rejected++
				if len(unstored) < runtimegraph.DefaultMaxBad {
					unstored = append(unstored, err.Error())
				}
				return nil
			}
			batch = append(batch, *e)
			if len(batch) == ingestBatch {
				select {
				case batches <- batch:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
				batch = make([]telemetry.Event, 0, ingestBatch)
			}
			return nil
		})
	// Events read before a read error (a file cut off in its middle) are
	// stored too: storing is idempotent, so running ingest again on the
	// whole file later stores only the rest.
	if len(batch) > 0 && ctx.Err() == nil {
		batches <- batch
	}
	close(batches)
	wg.Wait()
	// The rollup only speeds up later graphs (they fall back to the events),
	// so failing to write it loses nothing: say so, and do not fail the load.
	if storeErr == nil && ctx.Err() == nil {
		if err := st.Flush(ctx); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: warning: graph rollup not written, graphs of these days will be computed from the events: %v\n", err)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(cmd.ErrOrStderr())
	}
	// Every record read is stored, a duplicate, or rejected.
	counts.read = rs.Read + rs.Rejected
	counts.rejected += rs.Rejected
	fmt.Fprintf(cmd.OutOrStdout(), "read %d, stored %d, duplicate %d, rejected %d\n",
		counts.read, counts.stored, counts.duplicate, counts.rejected)
	if cmd.Context().Err() != nil {
		return readErrOf(cmd.Context(), cmd.Context().Err())
	}
	if storeErr != nil {
		return usageErr(storeErr)
	}
	if counts.rejected > 0 {
		// Named before a read error of a later file, so that the bad lines
		// of the earlier files are not lost from the report.
		w := cmd.ErrOrStderr()
		named := 0
		for _, b := range rs.Bad {
			fmt.Fprintln(w, b.Error())
			named++
		}
		for _, u := range unstored {
			if named < runtimegraph.DefaultMaxBad {
				fmt.Fprintln(w, u)
				named++
			}
		}
		if readErr == nil {
			return usageErr(fmt.Errorf("%d bad lines rejected (%d named above); the other events were stored", counts.rejected, named))
		}
	}
	if readErr != nil {
		return readErrOf(cmd.Context(), readErr)
	}
	return nil
}

// readErrOf is readErr for ingest: an interruption says what was kept.
func readErrOf(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return usageErr(errors.New("interrupted; committed batches are kept, run ingest again to load the rest"))
	}
	return readErr(ctx, err)
}

// newBar returns a progress counter on stderr when stderr is a terminal.
func newBar(cmd *cobra.Command) *progressbar.ProgressBar {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("ingest"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
		progressbar.OptionThrottle(200_000_000))
}
