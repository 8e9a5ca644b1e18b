package collect

import (
	"context"
	"log/slog"
	"os"

	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
)

// PGStore stages spans and stores events in PostgreSQL. Instance names the
// collect process: each reads back only its own staged rows after a
// restart, so that several can share one database.
type PGStore struct {
	Store    *pgstore.Store
	Instance string
	Logger   *slog.Logger
}

func (p PGStore) Stage(ctx context.Context, rows []Staged) error {
	out := make([]pgstore.StagedSpans, len(rows))
	for i, r := range rows {
		out[i] = pgstore.StagedSpans{Seq: r.Seq, TraceID: r.TraceID, Body: r.Body}
	}
	return p.Store.Stage(ctx, p.Instance, out)
}

// Write stores the events PostgreSQL can hold; one it cannot (text with a
// NUL or invalid UTF-8, which no retry mends) is logged and left out.
func (p PGStore) Write(ctx context.Context, evs []telemetry.Event) error {
	ok := evs[:0:0]
	for i := range evs {
		if err := pgstore.Check(&evs[i]); err != nil {
			if p.Logger != nil {
				p.Logger.Warn("an event cannot be stored; left out", "err", err)
			}
			continue
		}
		ok = append(ok, evs[i])
	}
	_, err := p.Store.Write(ctx, ok)
	return err
}

func (p PGStore) Release(ctx context.Context, seqs []int64) error {
	return p.Store.Release(ctx, p.Instance, seqs)
}

func (p PGStore) Staged(ctx context.Context, fn func(Staged) error) (int64, error) {
	return p.Store.Staged(ctx, p.Instance, func(r pgstore.StagedSpans) error {
		return fn(Staged{Seq: r.Seq, TraceID: r.TraceID, Body: r.Body})
	})
}

// Flush brings the rollup up to date with the stored events.
func (p PGStore) Flush(ctx context.Context) error { return p.Store.Flush(ctx) }

// FileStore appends events to a JSON Lines file, for the case without a
// database. It stages nothing: spans acknowledged but not yet paired are
// lost if the process dies (at most the window's worth); a clean shutdown
// writes everything.
type FileStore struct {
	f *os.File
	w *telemetry.Writer
}

// OpenFileStore opens path for appending, creating it.
func OpenFileStore(path string) (*FileStore, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &FileStore{f: f, w: telemetry.NewWriter(f)}, nil
}

func (s *FileStore) Stage(context.Context, []Staged) error  { return nil }
func (s *FileStore) Release(context.Context, []int64) error { return nil }
func (s *FileStore) Staged(context.Context, func(Staged) error) (int64, error) {
	return 0, nil
}

// Write appends the events and flushes them to the file.
func (s *FileStore) Write(_ context.Context, evs []telemetry.Event) error {
	for _, e := range evs {
		if err := s.w.Write(e); err != nil {
			return err
		}
	}
	return s.w.Flush()
}

// Flush syncs the file.
func (s *FileStore) Flush(context.Context) error { return s.f.Sync() }

// Close closes the file.
func (s *FileStore) Close() error { return s.w.Close() }
