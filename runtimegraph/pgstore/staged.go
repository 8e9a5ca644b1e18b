package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// StagedSpans is one export's spans of one trace, as a receiver keeps them
// until the events paired from them are stored (see tracegraph collect).
type StagedSpans struct {
	Seq     int64  // the instance's number for the row, increasing
	TraceID string // in hex, as events carry it
	Body    []byte // a ResourceSpans protobuf
}

// Stage stores rows for instance in one transaction: when it returns nil
// they are durable.
func (s *Store) Stage(ctx context.Context, instance string, rows []StagedSpans) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"staged_spans"}, []string{"instance", "seq", "trace_id", "body"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			return []any{instance, rows[i].Seq, rows[i].TraceID, rows[i].Body}, nil
		}))
	return s.wrap("stage spans", err)
}

// Release deletes instance's rows of the given numbers: those whose
// events are stored.
func (s *Store) Release(ctx context.Context, instance string, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM staged_spans WHERE instance = $1 AND seq = ANY($2::bigint[])`, instance, seqs)
	return s.wrap("release staged spans", err)
}

// Staged calls fn with instance's rows in the order they were numbered, and
// returns the greatest number (0 when there are none).
func (s *Store) Staged(ctx context.Context, instance string, fn func(StagedSpans) error) (int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, trace_id, body FROM staged_spans WHERE instance = $1 ORDER BY seq`, instance)
	if err != nil {
		return 0, s.wrap("read staged spans", err)
	}
	defer rows.Close()
	var last int64
	for rows.Next() {
		var r StagedSpans
		if err := rows.Scan(&r.Seq, &r.TraceID, &r.Body); err != nil {
			return 0, s.wrap("read staged spans", err)
		}
		if err := fn(r); err != nil {
			return 0, err
		}
		last = r.Seq
	}
	return last, s.wrap("read staged spans", rows.Err())
}
