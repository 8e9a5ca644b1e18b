package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

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

// firstBatch is the size of a load's first batch; each next one is twice
// the one before, up to the batch size.
const firstBatch = 1000

func newIngestCmd() *cobra.Command {
	var sf sourceFlags
	var parallel, batchSize int
	var repair bool
	cmd := &cobra.Command{
		Use:   "ingest --db URL FILE... | ingest --db URL --repair [FILE...]",
		Short: "Load events into PostgreSQL (JSONL; OTLP, Zipkin, Jaeger by content)",
		Long: `Load events into PostgreSQL, in batches of one transaction each.

Loading is idempotent on (timestamp, event_id): a file loaded twice stores its
events once, and an interrupted load is completed by running it again. Each
batch records which lines of a JSONL file it holds, so a rerun passes over
the lines already loaded without reading them (a file whose size,
modification time, head or tail changed is read again from its start). Bad
lines are skipped and named (the first 20, then a count); the good ones are
stored, and the exit code is then 2.

Graphs of whole days come from a rollup that each load writes as it ends. The
days that a load which was killed left out of it are recomputed from their
events by the next load, or by a Recorder's next flush. --repair recomputes
every day the rollup does not cover, at once, after loading the files if any
are given.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if parallel < 1 {
				return usageErr(errors.New("--parallel must be at least 1"))
			}
			if len(args) == 0 && !repair {
				return usageErr(errors.New("no events files to load (or --repair)"))
			}
			if batchSize < 1 {
				return usageErr(errors.New("--batch must be at least 1"))
			}
			return runIngest(cmd, &sf, parallel, batchSize, repair, args)
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "recompute the graph rollup of every day it does not cover (after loading FILEs, if any)")
	cmd.Flags().StringVar(&sf.db, "db", "", "PostgreSQL URL (default $TRACEGRAPH_DATABASE_URL, $DATABASE_URL, or the PG* variables)")
	cmd.Flags().IntVar(&parallel, "parallel", 2, "batches written at once, each on its own connection")
	// Small batches let tests interrupt a load between commits of a small file.
	cmd.Flags().IntVar(&batchSize, "batch", ingestBatch, "events per batch (transaction)")
	_ = cmd.Flags().MarkHidden("batch")
	sf.registerInput(cmd)
	return cmd
}

type ingestCounts struct {
	read, stored, duplicate, rejected int64
}

func runIngest(cmd *cobra.Command, sf *sourceFlags, parallel, batchSize int, repair bool, files []string) error {
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
	if len(files) == 0 {
		return runRepair(cmd, st)
	}
	prog, err := newProgress(ctx, st, files)
	if err != nil {
		return err
	}
	for i, p := range prog.skipped {
		if p.To > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: note: %s: its first %d lines were loaded before; reading from line %d\n", files[i], p.To, p.To+1)
		}
	}

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
	batches := make(chan batch, parallel)
	for range parallel {
		wg.Go(func() {
			for b := range batches {
				if ctx.Err() != nil {
					continue
				}
				res, err := st.WriteProgress(ctx, b.events, b.progress)
				mu.Lock()
				if err != nil && storeErr == nil {
					storeErr = err
					cancel(err)
				}
				counts.stored += res.Stored
				counts.duplicate += res.Duplicate
				mu.Unlock()
				if bar != nil && err == nil {
					_ = bar.Add(len(b.events))
				}
			}
		})
	}
	// The first batches are small and grow to batchSize: a load commits
	// its first rows within moments of starting, so that one interrupted
	// again and again still gets on.
	size := min(batchSize, firstBatch)
	cur := batch{events: make([]telemetry.Event, 0, size)}
	// One decoding worker keeps file order, so batches follow time, and
	// each batch holds consecutive lines of its files.
	ro, err := sf.readOptions(cmd)
	if err != nil {
		return err
	}
	ro.Workers = 1
	// The database counts an event stored twice, and says so.
	ro.KeepDuplicates = true
	ro.SkipLines = prog.skipLines
	ro.Rejected = prog.rejected
	rs, readErr := runtimegraph.ReadFilesAt(ctx, files, ro,
		func(_ int, e *telemetry.Event, at runtimegraph.Pos) error {
			if err := pgstore.Check(e); err != nil {
				counts.rejected++
				prog.add(&cur, at, false)
				if len(unstored) < runtimegraph.DefaultMaxBad {
					unstored = append(unstored, err.Error())
				}
				return nil
			}
			cur.events = append(cur.events, *e)
			prog.add(&cur, at, true)
			if len(cur.events) == size {
				prog.seal(&cur)
				select {
				case batches <- cur:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
				size = min(2*size, batchSize)
				cur = batch{events: make([]telemetry.Event, 0, size)}
			}
			return nil
		})
	// Events read before a read error (a file cut off in its middle) are
	// stored too: storing is idempotent, so running ingest again on the
	// whole file later stores only the rest.
	if (len(cur.events) > 0 || len(cur.progress) > 0) && ctx.Err() == nil {
		prog.seal(&cur)
		batches <- cur
	}
	close(batches)
	wg.Wait()
	// The rollup only speeds up later graphs (they fall back to the events),
	// so failing to write it loses nothing: say so, and do not fail the load.
	if storeErr == nil && ctx.Err() == nil {
		if err := st.Flush(ctx); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: warning: graph rollup not written, graphs of these days will be computed from the events: %v\n", err)
		} else if repair {
			if err := runRepair(cmd, st); err != nil {
				return err
			}
		} else if _, err := st.HealStale(ctx); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: warning: the days a killed load left out of the graph rollup were not recomputed: %v\n", err)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(cmd.ErrOrStderr())
	}
	// Every record read is stored, a duplicate, or rejected; the lines
	// passed over count as they did when they were loaded.
	counts.read = rs.Read + rs.Rejected
	counts.rejected += rs.Rejected
	var skippedBad int64
	for _, p := range prog.skipped {
		counts.read += p.Events + p.Rejected
		counts.duplicate += p.Events
		counts.rejected += p.Rejected
		skippedBad += p.Rejected
	}
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
			before := ""
			if skippedBad > 0 {
				before = fmt.Sprintf(", %d in lines loaded before and named then", skippedBad)
			}
			return usageErr(fmt.Errorf("%d bad lines rejected (%d named above%s); the other events were stored", counts.rejected, named, before))
		}
	}
	if readErr != nil {
		return readErrOf(cmd.Context(), readErr)
	}
	return nil
}

// runRepair recomputes the rollup of every day it does not cover, and says
// which.
func runRepair(cmd *cobra.Command, st *pgstore.Store) error {
	days, err := st.Repair(cmd.Context())
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.UTC().Format(time.DateOnly)
	}
	unit := "days"
	if len(days) == 1 {
		unit = "day"
	}
	list := ""
	switch {
	case len(names) > 10:
		list = ": " + strings.Join(names[:10], ", ") + ", …"
	case len(names) > 0:
		list = ": " + strings.Join(names, ", ")
	}
	fmt.Fprintf(cmd.OutOrStdout(), "rollup recomputed for %d %s%s\n", len(days), unit, list)
	if err != nil {
		return usageErr(err)
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
