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

func (p PGStore) Stage(ctx context.Context, seq int64, body []byte) error {
	return p.Store.Stage(ctx, p.Instance, seq, body)
}

// Write stores the events PostgreSQL can hold; one it cannot (text with a
// NUL or invalid UTF-8, which no retry mends) is logged and left out.
func (p PGStore) Write(ctx context.Context, evs []telemetry.Event) error {
	// Nearly every batch is all storable: copy the batch (hundreds of
	// bytes an event) only when one is not.
	var ok []telemetry.Event
	for i := range evs {
		if err := pgstore.Check(&evs[i]); err != nil {
			if p.Logger != nil {
				p.Logger.Warn("an event cannot be stored; left out", "err", err)
			}
			if ok == nil {
				ok = append(make([]telemetry.Event, 0, len(evs)), evs[:i]...)
			}
			continue
		}
		if ok != nil {
			ok = append(ok, evs[i])
		}
	}
	if ok == nil {
		ok = evs
	}
	if len(ok) == 0 {
		return nil
	}
	_, err := p.Store.Write(ctx, ok)
	return err
}

func (p PGStore) Release(ctx context.Context, r Release) error {
	var done *pgstore.StagedDone
	if r.Done != nil {
		done = &pgstore.StagedDone{Seq: r.Done.Seq, Exports: r.Done.Exports, TraceIDs: r.Done.TraceIDs}
	}
	return p.Store.Release(ctx, p.Instance, pgstore.Release{Done: done, Exports: r.Exports, Dones: r.Dones})
}

func (p PGStore) Staged(ctx context.Context, done func(Done) error, rows func(Staged) error) (int64, error) {
	return p.Store.Staged(ctx, p.Instance, func(d pgstore.StagedDone) error {
		return done(Done{Seq: d.Seq, Exports: d.Exports, TraceIDs: d.TraceIDs})
	}, func(r pgstore.StagedSpans) error {
		return rows(Staged{Seq: r.Seq, TraceID: r.TraceID, Body: r.Body})
	})
}

// Flush brings the rollup up to date with the events this process stored,
// then heals the days of stores that died (a collect killed before its
// own flush among them), as ingest and the Recorder do.
func (p PGStore) Flush(ctx context.Context) error {
	if err := p.Store.Flush(ctx); err != nil {
		return err
	}
	_, err := p.Store.HealStale(ctx)
	return err
}

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

func (s *FileStore) Stage(context.Context, int64, []byte) error { return nil }
func (s *FileStore) Release(context.Context, Release) error     { return nil }
func (s *FileStore) Staged(context.Context, func(Done) error, func(Staged) error) (int64, error) {
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
