package pgstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tracegraph/tracegraph/telemetry"
)

// columns are the events table's columns in COPY order.
const columns = "ts, event_id, trace_id, event_type, service, operation, channel, message_type, reply_type, system, " +
	"message_id, parent_ids, peer_service, peer_virtual, service_virtual, duration_us, status, error, tags"

// Check reports an event PostgreSQL cannot store as it is: text there must
// be valid UTF-8 without NUL characters. (Events decoded from JSON always
// are valid UTF-8; events recorded in a process need not be.) Ingest rejects
// such an event rather than store something else.
func Check(e *telemetry.Event) error {
	if !storable(e.EventID) || !storable(e.TraceID) || !storable(e.EventType) || !storable(e.Service) ||
		!storable(e.Operation) || !storable(e.Channel) || !storable(e.MessageType) || !storable(e.ReplyType) ||
		!storable(e.System) || !storable(e.MessageID) || !storable(e.PeerService) || !storable(e.Status) ||
		!storable(e.Error) || !allStorable(e.ParentIDs) {
		return fmt.Errorf("event %q: text with a NUL character or invalid UTF-8 cannot be stored", strings.ToValidUTF8(e.EventID, "?"))
	}
	for k, v := range e.Tags {
		if !storable(k) || !storable(v) {
			return fmt.Errorf("event %q: a tag with a NUL character or invalid UTF-8 cannot be stored", strings.ToValidUTF8(e.EventID, "?"))
		}
	}
	return nil
}

func allStorable(ss []string) bool {
	for _, s := range ss {
		if !storable(s) {
			return false
		}
	}
	return true
}

// storable reports whether s is valid UTF-8 without NUL. Collect checks
// every event's two dozen short strings, so plain ASCII is tested once,
// eight bytes at a time, for both: a call each of strings.IndexByte and
// utf8.ValidString cost Check 4,650 instructions an event where this costs
// 2,090 (cachegrind, BenchmarkCheck). Anything else takes those calls.
func storable(s string) bool {
	n := len(s)
	if n < 8 {
		for i := range n {
			if c := s[i]; c == 0 || c >= utf8.RuneSelf {
				return storableSlow(s)
			}
		}
		return true
	}
	for i := 0; i+8 <= n; i += 8 {
		if !plain8(s[i : i+8]) {
			return storableSlow(s)
		}
	}
	return plain8(s[n-8:]) || storableSlow(s)
}

// plain8 reports whether the 8 bytes of b are ASCII without NUL.
func plain8(b string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	// (w-ones)&^w has the high bit of a byte set where the lowest zero byte
	// is, and of none when there is none.
	return (w|(w-ones)&^w)&highs == 0
}

func storableSlow(s string) bool { return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) }

// BatchResult counts what one batch did.
type BatchResult struct {
	Stored, Duplicate int64
}

// maxConflictRetries bounds re-filtering when concurrent ingests keep
// storing the same ids between our filter and our COPY.
const maxConflictRetries = 5

// Write stores a batch of events in one transaction: all of it or none.
// Events already stored (same timestamp and event_id), and repeats within
// the batch, are counted as duplicates and skipped. Events must be
// normalized (as every reader returns them) and pass Check.
//
// The fast path is one COPY, which fails on the unique key if any event is
// already there; only then is the batch filtered against the table (one
// indexed lookup) and copied again. A fresh batch so pays nothing for
// idempotence.
func (s *Store) Write(ctx context.Context, evs []telemetry.Event) (BatchResult, error) {
	return s.WriteProgress(ctx, evs, nil)
}

// Progress is the part of an input file a batch holds: lines (From, To]
// of the file whose identity is File (see FileIdentity), which gave Events
// events to the batch and had Rejected lines that were not stored.
type Progress struct {
	File             string
	From, To         int64
	Events, Rejected int64
}

// WriteProgress is Write, and records in the batch's transaction the
// parts of files it holds, so that a later load of the same files passes
// over them (Committed): what it records is stored, and nothing else is.
func (s *Store) WriteProgress(ctx context.Context, evs []telemetry.Event, prog []Progress) (BatchResult, error) {
	if len(evs) == 0 && len(prog) == 0 {
		return BatchResult{}, nil
	}
	if err := s.ensurePartitions(ctx, evs); err != nil {
		return BatchResult{}, err
	}
	if err := s.ensureWriter(ctx); err != nil {
		return BatchResult{}, err
	}
	buf := s.copyBuf()
	defer s.releaseCopyBuf(buf)
	gens, err := s.copyTx(ctx, buf, evs, prog)
	if err == nil {
		s.stored(ctx, evs, gens)
		return BatchResult{Stored: int64(len(evs))}, nil
	}
	if !isUniqueViolation(err) {
		return BatchResult{}, s.wrap("ingest", err)
	}
	for range maxConflictRetries {
		fresh, err := s.unstored(ctx, evs)
		if err != nil {
			return BatchResult{}, s.wrap("ingest: filter stored events", err)
		}
		res := BatchResult{Stored: int64(len(fresh)), Duplicate: int64(len(evs) - len(fresh))}
		gens, err = s.copyTx(ctx, buf, fresh, prog)
		if err == nil {
			s.stored(ctx, fresh, gens)
			return res, nil
		}
		if !isUniqueViolation(err) {
			return BatchResult{}, s.wrap("ingest", err)
		}
	}
	return BatchResult{}, s.wrap("ingest", fmt.Errorf("batch kept conflicting with concurrent ingests: %w", err))
}

// stored counts a committed batch into the pending rollup, and flushes it
// when it has grown large. A failed flush keeps its cells pending and is
// reported by the next Flush or Close, not here: the batch itself is stored.
func (s *Store) stored(ctx context.Context, evs []telemetry.Event, gens map[int64]int64) {
	if len(evs) == 0 {
		return
	}
	s.addCells(evs, gens)
	if s.pendingFull() {
		_ = s.Flush(ctx)
	}
}

// copyTx copies evs in one transaction, straight into each day's
// partition: routing rows through the parent table costs more than sorting
// them by day here. The same transaction counts them in rollup_days, so a
// day's rollup is trusted only once it covers every stored event, and
// records prog. It returns the generation of each day the events were
// stored under (countStored).
func (s *Store) copyTx(ctx context.Context, buf *bytes.Buffer, evs []telemetry.Event, prog []Progress) (map[int64]int64, error) {
	var gens map[int64]int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if len(evs) > 0 {
			for _, part := range splitByDay(evs) {
				buf.Reset()
				encodeCopy(buf, part)
				sql := "COPY " + partitionName(dayOf(part[0].Timestamp)) + " (" + columns + ") FROM STDIN (FORMAT binary)"
				if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf.Bytes()), sql); err != nil {
					return err
				}
			}
			var err error
			if gens, err = countStored(ctx, tx, s.writer, evs); err != nil {
				return err
			}
		}
		return recordProgress(ctx, tx, prog)
	})
	return gens, err
}

// splitByDay groups events by partition day, keeping their order. A batch
// from a time-ordered file is almost always one day, returned as it is.
func splitByDay(evs []telemetry.Event) [][]telemetry.Event {
	first := dayOf(evs[0].Timestamp)
	same := true
	for i := range evs {
		if dayOf(evs[i].Timestamp) != first {
			same = false
			break
		}
	}
	if same {
		return [][]telemetry.Event{evs}
	}
	idx := map[int64]int{}
	var out [][]telemetry.Event
	for _, e := range evs {
		d := dayOf(e.Timestamp)
		i, ok := idx[d]
		if !ok {
			i = len(out)
			idx[d] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], e)
	}
	return out
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// unstored returns the events of evs not yet in the table, first of each
// repeated key only.
func (s *Store) unstored(ctx context.Context, evs []telemetry.Event) ([]telemetry.Event, error) {
	type key struct {
		ts int64
		id string
	}
	tss := make([]time.Time, len(evs))
	ids := make([]string, len(evs))
	for i := range evs {
		tss[i], ids[i] = evs[i].Timestamp, evs[i].EventID
	}
	rows, err := s.pool.Query(ctx, `SELECT e.ts, e.event_id FROM events e
		JOIN unnest($1::timestamptz[], $2::text[]) AS b(ts, event_id) ON e.ts = b.ts AND e.event_id = b.event_id`, tss, ids)
	if err != nil {
		return nil, err
	}
	stored := map[key]bool{}
	for rows.Next() {
		var t time.Time
		var id string
		if err := rows.Scan(&t, &id); err != nil {
			rows.Close()
			return nil, err
		}
		stored[key{t.UnixMicro(), id}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fresh := make([]telemetry.Event, 0, len(evs))
	for _, e := range evs {
		k := key{e.Timestamp.UnixMicro(), e.EventID}
		if !stored[k] {
			stored[k] = true
			fresh = append(fresh, e)
		}
	}
	return fresh, nil
}

// ensurePartitions creates the daily partitions a batch needs. Creation
// takes a transaction-scoped advisory lock so concurrent ingests do not race
// on the catalog, and is outside the batch's transaction so that the batch
// does not hold the parent table's lock while it copies.
func (s *Store) ensurePartitions(ctx context.Context, evs []telemetry.Event) error {
	var need []int64
	s.mu.Lock()
	for i := range evs {
		d := dayOf(evs[i].Timestamp)
		if !s.parts[d] && !slices.Contains(need, d) {
			need = append(need, d)
		}
	}
	s.mu.Unlock()
	for _, d := range need {
		if err := s.createPartition(ctx, d); err != nil {
			return err
		}
		s.mu.Lock()
		s.parts[d] = true
		s.mu.Unlock()
	}
	return nil
}

const partitionLock = 0x7472_6163_6567_7232 // "tracegr2"

func dayOf(t time.Time) int64 {
	return t.Unix()/86400 - boolInt(t.Unix()%86400 < 0)
}

// partitionName is the table of one day's events: events_YYYYMMDD, or
// events_dN (N days after 1970) or events_bN (N days before) for a year
// outside 1000-9999.
func partitionName(day int64) string {
	t := time.Unix(day*86400, 0).UTC()
	switch {
	case t.Year() > 9999:
		return fmt.Sprintf("events_d%d", day)
	case t.Year() < 1000:
		return fmt.Sprintf("events_b%d", -day) // "-" cannot be in a plain identifier
	}
	return "events_" + t.Format("20060102")
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (s *Store) createPartition(ctx context.Context, day int64) error {
	from := time.Unix(day*86400, 0).UTC()
	to := from.AddDate(0, 0, 1)
	name := partitionName(day)
	// The name and bounds are made here from an integer, never from input.
	sql := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF events FOR VALUES FROM ('%s') TO ('%s')",
		name, from.Format(time.RFC3339), to.Format(time.RFC3339))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(partitionLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, sql)
		return err
	})
	return s.wrap("create partition "+name, err)
}

// pgEpoch is where PostgreSQL's binary timestamps count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// encodeCopy writes evs in COPY binary format: a header, one tuple per
// event (field count, then each field as length and bytes, -1 for NULL),
// and a trailer. The tuples are appended to one slice and written once:
// through bytes.Buffer's methods, a call for each of an event's fields,
// the calls were a sixth of the encoding (cachegrind, BenchmarkEncodeCopy).
func encodeCopy(buf *bytes.Buffer, evs []telemetry.Event) {
	copyHeader(buf)
	be := binary.BigEndian
	b := buf.AvailableBuffer()
	for i := range evs {
		e := &evs[i]
		b = be.AppendUint16(b, 19)
		b = be.AppendUint64(be.AppendUint32(b, 8), uint64(e.Timestamp.UnixMicro()-pgEpoch))
		b = appendText(b, e.EventID)
		b = appendText(b, e.TraceID)
		b = appendText(b, e.EventType)
		b = appendText(b, e.Service)
		b = appendText(b, e.Operation)
		b = appendText(b, e.Channel)
		b = appendText(b, e.MessageType)
		b = appendText(b, e.ReplyType)
		b = appendText(b, e.System)
		b = appendText(b, e.MessageID)
		if len(e.ParentIDs) == 0 {
			b = be.AppendUint32(b, 0xffffffff)
		} else {
			n := 20
			for _, p := range e.ParentIDs {
				n += 4 + len(p)
			}
			b = be.AppendUint32(b, uint32(n))
			b = be.AppendUint32(b, 1) // dimensions
			b = be.AppendUint32(b, 0) // no NULLs
			b = be.AppendUint32(b, oidText)
			b = be.AppendUint32(b, uint32(len(e.ParentIDs)))
			b = be.AppendUint32(b, 1) // lower bound
			for _, p := range e.ParentIDs {
				b = appendText(b, p)
			}
		}
		b = appendText(b, e.PeerService)
		b = appendBool(b, e.PeerVirtual)
		b = appendBool(b, e.ServiceVirtual)
		b = be.AppendUint64(be.AppendUint32(b, 8), uint64(e.DurationUS))
		b = appendText(b, e.Status)
		b = appendText(b, e.Error)
		if len(e.Tags) == 0 {
			b = be.AppendUint32(b, 0xffffffff)
		} else {
			// The length goes before the object: leave room for it.
			at := len(b)
			b = append(b, 0, 0, 0, 0, 1) // length, jsonb binary format version
			b = appendTags(b, e.Tags)
			be.PutUint32(b[at:], uint32(len(b)-at-4))
		}
	}
	b = be.AppendUint16(b, 0xffff)
	buf.Write(b)
}

func appendText(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	b = binary.BigEndian.AppendUint32(b, 1)
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendTags writes tags as a JSON object, in the map's order: jsonb
// keeps an object's keys in an order of its own, so sorting them first
// changed nothing stored and was a sixth of the encoding. It does by hand
// what encoding/json would, for a fraction of the cost: ingest encodes one
// object per event. Strings are valid UTF-8 (Check), so only quotes,
// backslashes and control characters need escapes.
func appendTags(b []byte, tags map[string]string) []byte {
	b = append(b, '{')
	first := true
	for k, v := range tags {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	// Runs of bytes that need no escape, nearly every string whole, are
	// copied at once: appending byte by byte was most of the encoding.
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		if c < 0x20 {
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, '\\', c)
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func copyHeader(buf *bytes.Buffer) {
	buf.WriteString("PGCOPY\n\xff\r\n\x00")
	buf.Write(make([]byte, 8)) // flags and header extension length
}

// timestamp writes a timestamptz field given in Unix microseconds.
func timestamp(b *bytes.Buffer, us int64) {
	u32(b, 8)
	u64(b, uint64(us-pgEpoch))
}

func integer(b *bytes.Buffer, v int32) {
	u32(b, 4)
	u32(b, uint32(v))
}

func bigint(b *bytes.Buffer, v int64) {
	u32(b, 8)
	u64(b, uint64(v))
}

func boolean(b *bytes.Buffer, v bool) {
	u32(b, 1)
	if v {
		b.WriteByte(1)
	} else {
		b.WriteByte(0)
	}
}

func u16(b *bytes.Buffer, v uint16) { b.Write(binary.BigEndian.AppendUint16(b.AvailableBuffer(), v)) }
func u32(b *bytes.Buffer, v uint32) { b.Write(binary.BigEndian.AppendUint32(b.AvailableBuffer(), v)) }
func u64(b *bytes.Buffer, v uint64) { b.Write(binary.BigEndian.AppendUint64(b.AvailableBuffer(), v)) }
func text(b *bytes.Buffer, s string) {
	u32(b, uint32(len(s)))
	b.WriteString(s)
}
