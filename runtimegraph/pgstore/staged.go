package pgstore

import (
	"bytes"
	"context"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// StagedSpans is what a receiver keeps of an export until the events paired
// from it are stored (see tracegraph collect): a whole export, or, as
// earlier versions staged, one export's spans of one trace.
type StagedSpans struct {
	Seq int64 // the instance's number for the row, increasing
	// TraceID is empty for a whole export, whose Body is an
	// ExportTraceServiceRequest protobuf. Rows of one trace (in hex, as
	// events carry it) have a ResourceSpans protobuf.
	TraceID string
	Body    []byte
}

// StagedDone is one store write's record of the traces it stored from
// exports still staged: TraceIDs[i] of export Exports[i].
type StagedDone struct {
	Seq      int64 // numbered as staged rows are
	Exports  []int64
	TraceIDs []string
}

// Release is what one store write settles, in one transaction.
type Release struct {
	Done    *StagedDone // traces stored from exports still staged, if any
	Exports []int64     // staged rows whose every trace is stored
	Dones   []int64     // StagedDone records no longer needed
}

// Stage stores instance's export body under seq: when it returns nil it is
// durable.
//
// The row goes in a COPY, whose data pgconn sends from a pooled buffer: as
// a parameter of a prepared INSERT, the body (an export, often over
// 100 KB) was copied into a message buffer pgproto3 grows afresh for each
// large message, an eighth of collect's allocation under load.
func (s *Store) Stage(ctx context.Context, instance string, seq int64, body []byte) error {
	var head bytes.Buffer
	copyHeader(&head)
	u16(&head, 4)
	text(&head, instance)
	bigint(&head, seq)
	text(&head, "") // a whole export's trace_id
	u32(&head, uint32(len(body)))
	r := io.MultiReader(&head, bytes.NewReader(body), bytes.NewReader(copyTrailer))
	err := s.pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Conn().PgConn().CopyFrom(ctx, r, "COPY staged_spans (instance, seq, trace_id, body) FROM STDIN (FORMAT binary)")
		return err
	})
	return s.wrap("stage spans", err)
}

// copyTrailer ends COPY's binary data.
var copyTrailer = []byte{0xff, 0xff}

// Release applies r for instance in one transaction: its statements go in
// one pipelined batch, which PostgreSQL runs as one implicit transaction.
func (s *Store) Release(ctx context.Context, instance string, r Release) error {
	var b pgx.Batch
	if len(r.Exports) > 0 {
		b.Queue(`DELETE FROM staged_spans WHERE instance = $1 AND seq = ANY($2::bigint[])`, instance, r.Exports)
	}
	if len(r.Dones) > 0 {
		b.Queue(`DELETE FROM staged_done WHERE instance = $1 AND seq = ANY($2::bigint[])`, instance, r.Dones)
	}
	if r.Done != nil {
		b.Queue(`INSERT INTO staged_done (instance, seq, exports, trace_ids) VALUES ($1, $2, $3, $4)`, instance, r.Done.Seq, r.Done.Exports, r.Done.TraceIDs)
	}
	if b.Len() == 0 {
		return nil
	}
	return s.wrap("release staged spans", s.pool.SendBatch(ctx, &b).Close())
}

// Staged calls done with instance's StagedDone records, then rows with its
// staged rows in the order they were numbered, and returns the greatest
// number either used (0 when there are none).
func (s *Store) Staged(ctx context.Context, instance string, done func(StagedDone) error, rows func(StagedSpans) error) (int64, error) {
	var last int64
	dq, err := s.pool.Query(ctx, `SELECT seq, exports, trace_ids FROM staged_done WHERE instance = $1 ORDER BY seq`, instance)
	if err != nil {
		return 0, s.wrap("read staged spans", err)
	}
	var ds []StagedDone
	for dq.Next() {
		var d StagedDone
		if err := dq.Scan(&d.Seq, &d.Exports, &d.TraceIDs); err != nil {
			dq.Close()
			return 0, s.wrap("read staged spans", err)
		}
		ds = append(ds, d)
	}
	if err := dq.Err(); err != nil {
		return 0, s.wrap("read staged spans", err)
	}
	for _, d := range ds {
		if err := done(d); err != nil {
			return 0, err
		}
		last = max(last, d.Seq)
	}
	rq, err := s.pool.Query(ctx, `SELECT seq, trace_id, body FROM staged_spans WHERE instance = $1 ORDER BY seq`, instance)
	if err != nil {
		return 0, s.wrap("read staged spans", err)
	}
	defer rq.Close()
	for rq.Next() {
		var r StagedSpans
		if err := rq.Scan(&r.Seq, &r.TraceID, &r.Body); err != nil {
			return 0, s.wrap("read staged spans", err)
		}
		if err := rows(r); err != nil {
			return 0, err
		}
		last = max(last, r.Seq)
	}
	return last, s.wrap("read staged spans", rq.Err())
}
