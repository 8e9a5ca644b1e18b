package pgstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
)

// groupKey names a group the graph measures: peer is the producer of a
// consume or serve, "" for a send.
type groupKey struct {
	eventType, peer, service, channel, messageType, system string
}

// entryKey is what an event is counted under: its hour, type, service,
// peer, channel, message type and system. One lookup per event finds its
// measures and its group, and the services of the hour follow from the
// keys. The daily cells are the sums of a day's hourly ones (writeCells),
// the minute cells are chained from the hour's entry (entry.minutes).
type entryKey struct {
	hour                                                   int64 // Unix hours
	eventType, service, peer, channel, messageType, system string
}

// day is the Unix day of k's hour.
func (k entryKey) day() int64 { return floorDiv(k.hour, 24) }

// hourOf is t's Unix hour, rounded down before 1970 too.
func hourOf(t time.Time) int64 { return floorDiv(t.Unix(), 3600) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

type entry struct {
	group       int32 // index in rollupBuf.groups; -1 for events the graph does not measure
	n, errors   int64
	first, last int64 // Unix microseconds
	replyType   string
	virtual     bool // the peer was virtual in every event
	svcVirtual  bool // the service was virtual in every event
	hist        runtimegraph.Histogram
	// seen, realPeer and realSvc are masks of the minutes of the hour (bit
	// m for minute m): those with events, and those with an event whose
	// peer, or service, was not virtual (0010_rollup_minutes.sql).
	seen, realPeer, realSvc uint64
	// minutes is the entry's latest minute cell (of a slot, slotMinutes
	// long), for entries of a group, in rollupBuf's cells (cellAt), 0 for
	// none; each cell links to the entry's one before. Not entries of
	// their own: a map entry per group and slot is nearly one per event.
	minutes   int32
	replyHint int32 // the index of the entry's last reply type (rollupBuf.reply)
}

func (en *entry) merge(o *entry) {
	en.n += o.n
	en.errors += o.errors
	en.first, en.last = min(en.first, o.first), max(en.last, o.last)
	en.replyType = max(en.replyType, o.replyType)
	en.virtual = en.virtual && o.virtual
	en.svcVirtual = en.svcVirtual && o.svcVirtual
	en.hist.Merge(&o.hist)
}

// serviceKey is one rollup_services or rollup_hour_services row's key:
// hour is the Unix hour of the cell, a day's first for a daily one.
type serviceKey struct {
	hour          int64
	service, peer string
}

// rollupBuf is what a store has counted of committed batches and not yet
// flushed.
type rollupBuf struct {
	groupIdx map[groupKey]int32
	groups   []groupKey
	entries  map[entryKey]*entry
	// gens is the generation of each day the entries count (see
	// 0007_rollup_heal.sql): the one their batches were stored under.
	gens map[int64]int64
	// cellChunks hold the entries' minute cells, cells of them (those of
	// entries dropped by accept too); replies and links their reply types
	// and buckets (see minuteCell). Cell 0, replies[0] ("") and links[0]
	// stand for none.
	cellChunks [][]minuteCell
	cells      int
	replies    []string
	replyIdx   map[string]int32
	links      []bucketLink
}

func newRollupBuf() rollupBuf {
	return rollupBuf{groupIdx: map[groupKey]int32{}, entries: map[entryKey]*entry{}, gens: map[int64]int64{},
		cellChunks: [][]minuteCell{make([]minuteCell, 1, cellChunk)},
		replies:    []string{""}, replyIdx: map[string]int32{"": 0}, links: make([]bucketLink, 1)}
}

// accept reports whether cells of day counted under generation g belong in
// p, and adopts g. A newer generation means the day was recomputed from
// the events after p's cells of it were stored, so the recomputation
// counted them: they are dropped. Cells of an older one were counted the
// same way and are refused.
func (p *rollupBuf) accept(day, g int64) bool {
	cur, ok := p.gens[day]
	switch {
	case ok && g < cur:
		return false
	case ok && g > cur:
		for k, en := range p.entries {
			if k.day() == day {
				for i := en.minutes; i != 0; i = p.cellAt(i).prev {
					p.cellAt(i).n = 0 // dropped too (copyMinutes)
				}
				delete(p.entries, k)
			}
		}
	}
	p.gens[day] = g
	return true
}

// flushEntries and flushCells are how many pending entries, or minute
// cells (72 bytes each), make Write flush them, bounding the memory of a
// long ingest or a Recorder. A day of 2 M events has about 560,000 minute
// cells: each flush writes daily cells of its own, so flushing more than
// once a day of such a load costs ingest more rows.
const (
	flushEntries = 200_000
	flushCells   = 1_500_000
)

// addCells counts committed events into the store's pending rollup. It is
// called only after their batch committed, with exactly the events stored
// and the generation of each of their days the batch was stored under.
func (s *Store) addCells(evs []telemetry.Event, gens map[int64]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &s.pending
	ok := make(map[int64]bool, len(gens))
	for day, g := range gens {
		ok[day] = p.accept(day, g)
	}
	for i := range evs {
		e := &evs[i]
		hour := hourOf(e.Timestamp)
		if !ok[floorDiv(hour, 24)] {
			continue
		}
		ts := e.Timestamp.UnixMicro()
		m := minuteOf(ts)
		k := entryKey{hour, e.EventType, e.Service, e.PeerService, e.Channel, e.MessageType, e.System}
		en := p.entries[k]
		if en == nil {
			en = &entry{group: p.group(k), first: ts, last: ts, replyType: e.ReplyType, virtual: true, svcVirtual: true}
			p.entries[k] = en
		}
		var errs int64
		if e.Status == telemetry.StatusError {
			errs = 1
		}
		en.n++
		en.errors += errs
		en.first, en.last = min(en.first, ts), max(en.last, ts)
		en.replyType = max(en.replyType, e.ReplyType)
		en.virtual = en.virtual && e.PeerVirtual
		en.svcVirtual = en.svcVirtual && e.ServiceVirtual
		bit := uint64(1) << (m - hour*60)
		en.seen |= bit
		if !e.PeerVirtual {
			en.realPeer |= bit
		}
		if !e.ServiceVirtual {
			en.realSvc |= bit
		}
		if en.group >= 0 {
			en.hist.Add(e.DurationUS, 1)
			c := p.cell(en, slotOf(m))
			p.note(c, 1, errs, ts, ts, p.reply(e.ReplyType, &en.replyHint))
			p.addBucket(c, bucketOf(e.DurationUS), 1)
		}
	}
}

// group is the index of the group of k's events, or -1 if the graph does
// not measure them.
func (p *rollupBuf) group(k entryKey) int32 {
	var peer string
	switch k.eventType {
	case telemetry.TypeConsume, telemetry.TypeServe:
		peer = k.peer
	case telemetry.TypePublish, telemetry.TypeRequest:
	default:
		return -1
	}
	gk := groupKey{k.eventType, peer, k.service, k.channel, k.messageType, k.system}
	g, ok := p.groupIdx[gk]
	if !ok {
		g = int32(len(p.groups))
		p.groupIdx[gk] = g
		p.groups = append(p.groups, gk)
	}
	return g
}

// pendingFull reports whether the pending rollup has grown large enough
// to be flushed (see flushEntries).
func (s *Store) pendingFull() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending.entries) >= flushEntries || s.pending.cells >= flushCells
}

// Flush writes the pending rollup of the events this store wrote, in one
// transaction with the count of events it covers per day. Until it does,
// those days are answered from the events (same answer, more work). Close
// flushes too; call Flush to see its error.
//
// The transaction first locks the days' rollup_days rows, in day order, as
// every batch and recomputation of a day does before it touches anything
// else of the rollup; it then writes only the cells of days whose
// generation is still the one their batches were stored under. A day
// recomputed since (healDay) already counts them.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.Lock()
	p := s.pending
	s.pending = newRollupBuf()
	writer := s.writer
	s.mu.Unlock()
	if len(p.entries) == 0 {
		return nil
	}
	perDay := map[int64]int64{}
	for k, en := range p.entries {
		perDay[k.day()] += en.n
	}
	days, _ := daysAndCounts(perDay)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT day, gen FROM rollup_days WHERE day = ANY($1::timestamptz[]) ORDER BY day FOR UPDATE`, days)
		if err != nil {
			return err
		}
		current := map[int64]bool{}
		var day time.Time
		var gen int64
		_, err = pgx.ForEachRow(rows, []any{&day, &gen}, func() error {
			d := dayOf(day)
			current[d] = p.gens[d] == gen
			return nil
		})
		if err != nil {
			return err
		}
		live := map[int64]int64{}
		for d, n := range perDay {
			if current[d] {
				live[d] = n
			}
		}
		if len(live) == 0 {
			return nil
		}
		ldays, ns := daysAndCounts(live)
		if _, err := tx.Exec(ctx, `UPDATE rollup_days r SET rolled = r.rolled + u.n
			FROM unnest($1::timestamptz[], $2::bigint[]) AS u (day, n) WHERE r.day = u.day`, ldays, ns); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE rollup_writers w SET n = w.n - u.n
			FROM unnest($1::timestamptz[], $2::bigint[]) AS u (day, n) WHERE w.day = u.day AND w.writer = $3`, ldays, ns, writer); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rollup_writers WHERE writer = $2 AND day = ANY($1::timestamptz[]) AND n <= 0`, ldays, writer); err != nil {
			return err
		}
		return writeCells(ctx, tx, &p, func(day int64) bool { _, ok := live[day]; return ok })
	})
	if err != nil {
		s.unflush(p)
	}
	return s.wrap("flush rollup", err)
}

// writeCells adds the rollup rows of p's entries of the days keep accepts:
// the hourly cells as counted, the daily ones as their sums per day. The
// caller holds those days' rollup_days rows.
func writeCells(ctx context.Context, tx pgx.Tx, p *rollupBuf, keep func(day int64) bool) error {
	hourly := make(map[entryKey]*entry, len(p.entries))
	daily := map[entryKey]*entry{}
	for k, en := range p.entries {
		if !keep(k.day()) {
			continue
		}
		hourly[k] = en
		dk := k
		dk.hour = k.day() * 24
		if d := daily[dk]; d != nil {
			d.merge(en)
			continue
		}
		c := *en
		c.hist, c.minutes = en.hist.Clone(), 0
		daily[dk] = &c
	}
	gids, err := groupIDs(ctx, tx, p.groups)
	if err != nil {
		return err
	}
	conn := tx.Conn().PgConn()
	for _, c := range []struct {
		entries map[entryKey]*entry
		hourly  bool
	}{{daily, false}, {hourly, true}} {
		if err := copyCells(ctx, conn, c.entries, gids, c.hourly); err != nil {
			return err
		}
	}
	return copyMinutes(ctx, conn, p, keep, gids)
}

// copyCells writes entries into the daily tables, or with hourly into the
// hourly ones, whose rows carry the day and the hour, and whose flow rows
// carry their histograms.
func copyCells(ctx context.Context, conn *pgconn.PgConn, entries map[entryKey]*entry, gids []int32, hourly bool) error {
	type virtuals struct {
		service, peer           bool
		seen, realPeer, realSvc uint64 // minute masks, for hourly rows
	}
	services := map[serviceKey]virtuals{}
	for k, en := range entries {
		sk := serviceKey{k.hour, k.service, k.peer}
		v, ok := services[sk]
		if !ok {
			v = virtuals{service: true, peer: true}
		}
		services[sk] = virtuals{v.service && en.svcVirtual, v.peer && en.virtual,
			v.seen | en.seen, v.realPeer | en.realPeer, v.realSvc | en.realSvc}
	}
	prefix, cols, extra := "rollup_", "day", uint16(0)
	if hourly {
		prefix, cols, extra = "rollup_hour_", "day, hour", 1
	}
	// when writes the cell's day, and its hour if hourly.
	when := func(buf *bytes.Buffer, hour int64) {
		timestamp(buf, floorDiv(hour, 24)*86400*1_000_000)
		if hourly {
			timestamp(buf, hour*3600*1_000_000)
		}
	}
	var buf bytes.Buffer
	copyHeader(&buf)
	// A send's group has an entry per peer: each is a row, summed
	// by the query as rows of several days or flushes are.
	var buckets, counts []int64
	for k, f := range entries {
		if f.group < 0 {
			continue
		}
		u16(&buf, 7+3*extra) // and with hourly: the hour, buckets and counts
		when(&buf, k.hour)
		integer(&buf, gids[f.group])
		bigint(&buf, f.n)
		bigint(&buf, f.errors)
		timestamp(&buf, f.first)
		timestamp(&buf, f.last)
		text(&buf, f.replyType)
		if hourly {
			// An hour's histogram is in its flow row (0009_rollup_hours.sql).
			buckets, counts = buckets[:0], counts[:0]
			f.hist.Each(func(bucket, n int64) {
				buckets, counts = append(buckets, bucket), append(counts, n)
			})
			bigintArray(&buf, buckets)
			bigintArray(&buf, counts)
		}
	}
	u16(&buf, 0xffff)
	flowCols := cols + ", gid, n, errors, first_ts, last_ts, reply_type"
	if hourly {
		flowCols += ", buckets, counts"
	}
	if _, err := conn.CopyFrom(ctx, bytes.NewReader(buf.Bytes()),
		"COPY "+prefix+"flows ("+flowCols+") FROM STDIN (FORMAT binary)"); err != nil {
		return err
	}
	buf.Reset()
	copyHeader(&buf)
	for k, en := range entries {
		if en.group < 0 || hourly {
			continue
		}
		en.hist.Each(func(bucket, n int64) {
			u16(&buf, 4+extra)
			when(&buf, k.hour)
			integer(&buf, gids[en.group])
			bigint(&buf, bucket)
			bigint(&buf, n)
		})
	}
	u16(&buf, 0xffff)
	if !hourly {
		if _, err := conn.CopyFrom(ctx, bytes.NewReader(buf.Bytes()),
			"COPY rollup_hist (day, gid, bucket, n) FROM STDIN (FORMAT binary)"); err != nil {
			return err
		}
	}
	buf.Reset()
	copyHeader(&buf)
	for k, v := range services {
		u16(&buf, 5+4*extra) // and with hourly: the hour and the minute masks
		when(&buf, k.hour)
		text(&buf, k.service)
		text(&buf, k.peer)
		boolean(&buf, v.peer)
		boolean(&buf, v.service)
		if hourly {
			bigint(&buf, int64(v.seen))
			bigint(&buf, int64(v.realPeer))
			bigint(&buf, int64(v.realSvc))
		}
	}
	u16(&buf, 0xffff)
	svcCols := cols + ", service, peer_service, peer_virtual, service_virtual"
	if hourly {
		svcCols += ", minutes, real_peer_minutes, real_service_minutes"
	}
	_, err := conn.CopyFrom(ctx, bytes.NewReader(buf.Bytes()),
		"COPY "+prefix+"services ("+svcCols+") FROM STDIN (FORMAT binary)")
	return err
}

// groupIDs returns the rollup_groups id of each group, adding those new
// in key order, so that concurrent flushes wait on each other's new groups
// in one order and cannot deadlock.
func groupIDs(ctx context.Context, tx pgx.Tx, groups []groupKey) ([]int32, error) {
	cols := make([][]string, 6)
	for _, g := range groups {
		for i, v := range []string{g.eventType, g.peer, g.service, g.channel, g.messageType, g.system} {
			cols[i] = append(cols[i], v)
		}
	}
	args := []any{cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]}
	const in = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
		AS u (event_type, peer, service, channel, message_type, system, i)`
	if _, err := tx.Exec(ctx, `INSERT INTO rollup_groups (event_type, peer, service, channel, message_type, system)
		SELECT event_type, peer, service, channel, message_type, system FROM `+in+`
		ORDER BY 1, 2, 3, 4, 5, 6 ON CONFLICT DO NOTHING`, args...); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT u.i, g.gid FROM `+in+` JOIN rollup_groups g USING (event_type, peer, service, channel, message_type, system)`, args...)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, len(groups))
	found := 0
	for rows.Next() {
		var i int64
		var id int32
		if err := rows.Scan(&i, &id); err != nil {
			rows.Close()
			return nil, err
		}
		ids[i-1] = id
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if found != len(groups) {
		return nil, fmt.Errorf("rollup groups: %d of %d found", found, len(groups))
	}
	return ids, nil
}

// unflush puts back what a failed Flush took, so a later one may write it,
// keeping of each day only the cells of its newest generation.
func (s *Store) unflush(p rollupBuf) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &s.pending
	ok := make(map[int64]bool, len(p.gens))
	for day, g := range p.gens {
		ok[day] = q.accept(day, g)
	}
	idx := make([]int32, len(p.groups))
	for i, gk := range p.groups {
		g, ok := q.groupIdx[gk]
		if !ok {
			g = int32(len(q.groups))
			q.groupIdx[gk] = g
			q.groups = append(q.groups, gk)
		}
		idx[i] = g
	}
	for k, en := range p.entries {
		if !ok[k.day()] {
			continue
		}
		if en.group >= 0 {
			en.group = idx[en.group]
		}
		old := q.entries[k]
		if old != nil {
			old.merge(en)
		} else {
			// Its minute cells are p's: they are added again, as q's.
			c := *en
			c.seen, c.realPeer, c.realSvc, c.minutes, c.replyHint = 0, 0, 0, 0, 0
			old = &c
			q.entries[k] = old
		}
		q.mergeMinutes(old, en, &p)
	}
}

// countStored adds a batch's events to each day's stored count and to the
// writer's count of them not yet rolled up, in the batch's transaction, and
// returns the generation of each day they were stored under. The upsert
// takes the days' rows in day order; a recomputation of a day that holds
// its row makes the batch wait, and then the batch sees its generation.
func countStored(ctx context.Context, tx pgx.Tx, writer int32, evs []telemetry.Event) (map[int64]int64, error) {
	per := map[int64]int64{}
	for i := range evs {
		per[dayOf(evs[i].Timestamp)]++
	}
	days, ns := daysAndCounts(per)
	rows, err := tx.Query(ctx, `INSERT INTO rollup_days AS r (day, stored) SELECT * FROM unnest($1::timestamptz[], $2::bigint[])
		ON CONFLICT (day) DO UPDATE SET stored = r.stored + excluded.stored RETURNING day, gen`, days, ns)
	if err != nil {
		return nil, err
	}
	gens := make(map[int64]int64, len(days))
	var day time.Time
	var gen int64
	if _, err := pgx.ForEachRow(rows, []any{&day, &gen}, func() error {
		gens[dayOf(day)] = gen
		return nil
	}); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO rollup_writers AS w (day, writer, n) SELECT u.day, $3, u.n FROM unnest($1::timestamptz[], $2::bigint[]) AS u (day, n)
		ON CONFLICT (day, writer) DO UPDATE SET n = w.n + excluded.n`, days, ns, writer)
	return gens, err
}

// daysAndCounts lists m in day order: transactions that update the same
// days' rows then lock them in the same order and cannot deadlock.
func daysAndCounts(m map[int64]int64) ([]time.Time, []int64) {
	keys := slices.Sorted(maps.Keys(m))
	days := make([]time.Time, len(keys))
	ns := make([]int64, len(keys))
	for i, d := range keys {
		days[i], ns[i] = time.Unix(d*86400, 0).UTC(), m[d]
	}
	return days, ns
}

// Element types of arrays in COPY's binary format.
const (
	oidInt8        = 20
	oidInt4        = 23
	oidText        = 25
	oidTimestamptz = 1184
)

// array writes a one-dimensional array field of n elements of type oid
// that elems writes, each as a field; its length is filled in after.
func array(b *bytes.Buffer, oid uint32, n int, elems func()) {
	start := b.Len()
	u32(b, 0)
	u32(b, 1) // dimensions
	u32(b, 0) // no NULLs
	u32(b, oid)
	u32(b, uint32(n))
	u32(b, 1) // lower bound
	elems()
	binary.BigEndian.PutUint32(b.Bytes()[start:], uint32(b.Len()-start-4))
}

// bigintArray writes a one-dimensional bigint[] field.
func bigintArray(b *bytes.Buffer, vs []int64) {
	array(b, oidInt8, len(vs), func() {
		for _, v := range vs {
			bigint(b, v)
		}
	})
}
