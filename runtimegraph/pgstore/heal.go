package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Healing the rollup.
//
// A store counts the rollup of its batches in memory and writes it on
// Flush, so a store that dies (kill -9, a crash, a lost connection) leaves
// the days it wrote with more events stored than rolled up. Those days are
// answered from the events: right, but at the events' cost, for ever. A
// day is healed by recomputing its rollup from its events (healDay).
//
// Recomputing is only right if nothing is then counted twice: a store that
// is still alive holds cells of the same day, counted from batches the
// recomputation saw, and would add them at its next flush. Counting
// stored and rolled events cannot tell (the first attempt at a rebuild was
// withdrawn for this). So each day has a generation, which a recomputation
// increments while it holds the day's rollup_days row; every batch reads
// the generation in the transaction that stores it (countStored), and a
// flush adds only cells of the generation the day still has (Flush).
// Batches committed before the recomputation took the row are in it, and
// their cells carry the old generation; batches committed after it carry
// the new one and are not in it. Every transaction that touches a day's
// rollup takes its rollup_days rows first, in day order, and only then the
// groups, so they cannot deadlock.
//
// Which days to heal, and when: every writing store holds an advisory lock
// on its writer number while it lives (on a connection of its own), and
// rollup_writers counts, per day and writer, the events stored and not
// rolled up. Days with rows of writers that hold no lock were left by
// stores that died: HealStale recomputes those, and ingest and a
// Recorder call it after their flushes. Repair recomputes every day that is
// not covered, live writers' days too, which is safe by the generations
// and costs them only their pending cells of those days (the recomputation
// has them already).

// writerLockClass is the advisory lock class (the first of the two int4
// keys) of the writers' liveness locks: "tgrw".
const writerLockClass = 0x7467_7277

// ensureWriter gives the store its writer number before its first batch,
// and takes its liveness lock. Without the lock (no connection to spare)
// writing goes on: other stores may then heal this one's days early,
// which costs work, not correctness.
func (s *Store) ensureWriter(ctx context.Context) error {
	s.writerMu.Lock()
	defer s.writerMu.Unlock()
	if s.writer != 0 {
		return nil
	}
	w := rand.Int32N(math.MaxInt32) + 1
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err == nil {
		if _, err = conn.Exec(ctx, "SELECT pg_advisory_lock($1::int4, $2::int4)", int32(writerLockClass), w); err != nil {
			conn.Close(ctx)
		} else {
			s.live = conn
		}
	}
	s.mu.Lock()
	s.writer = w
	s.mu.Unlock()
	return nil
}

// releaseWriter ends the store's liveness lock (Close).
func (s *Store) releaseWriter() {
	s.writerMu.Lock()
	defer s.writerMu.Unlock()
	if s.live != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.live.Close(ctx)
		cancel()
		s.live = nil
	}
}

// deadWritersSQL lists the days with events stored by writers that hold no
// liveness lock, other than this store ($1).
const deadWritersSQL = `SELECT DISTINCT w.day FROM rollup_writers w
WHERE w.writer <> $1 AND NOT EXISTS (
	SELECT 1 FROM pg_locks l
	WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.classid = $2::int4::oid AND l.objid = w.writer::oid)`

// HealStale recomputes the rollup of the days that stores which died
// left uncovered, and of the days rolled up before the hourly cells
// (migration 0009) or the minute ones (0010), and returns them.
func (s *Store) HealStale(ctx context.Context) ([]time.Time, error) {
	s.mu.Lock()
	w := s.writer
	s.mu.Unlock()
	return s.heal(ctx, deadWritersSQL+" UNION SELECT day FROM rollup_days WHERE NOT (hourly AND minutely) ORDER BY 1", w, int32(writerLockClass))
}

// Repair recomputes the rollup of every day it does not cover, whoever
// left it so, or covers without hourly or minute cells, and returns those
// days.
func (s *Store) Repair(ctx context.Context) ([]time.Time, error) {
	return s.heal(ctx, "SELECT day FROM rollup_days WHERE stored <> rolled OR NOT (hourly AND minutely) ORDER BY day")
}

func (s *Store) heal(ctx context.Context, q string, args ...any) ([]time.Time, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("heal rollup: stale days", err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, s.wrap("heal rollup: stale days", err)
	}
	for i, d := range days {
		if err := s.healDay(ctx, d); err != nil {
			return days[:i], s.wrap("heal rollup of "+d.UTC().Format(time.DateOnly), err)
		}
	}
	return days, nil
}

// dayCellsSQL aggregates a day's events by what the rollup keeps of them
// (addCells): per minute, type, service, peer, channel, message type, system and,
// for the types the graph measures, duration bucket.
const dayCellsSQL = `SELECT date_bin('1 minute', ts, '1970-01-01'), event_type, service, peer_service, channel, message_type, system,
	CASE WHEN event_type IN ('consume', 'serve', 'publish', 'request') THEN duration_bucket(duration_us) END,
	count(*), count(*) FILTER (WHERE status = 'error'), min(ts), max(ts), max(reply_type),
	bool_and(peer_virtual), bool_and(service_virtual)
FROM events WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`

// healTries is how often healDay recomputes a day without holding up its
// writers before it locks them out for the recomputation.
const healTries = 3

// healDay recomputes one day's rollup, daily, hourly and minute cells,
// from its events, and makes the day's counts agree with its events.
//
// It first tries without holding up the day's writers: in one snapshot it
// reads the day and its events, then locks the day's row, which fails
// (serialization failure) if any batch or flush of the day committed since
// the snapshot; then it tries again. A day that is written to all the time
// is then recomputed holding the row from the start (see the comment at the
// top of this file): its batches wait for that long.
func (s *Store) healDay(ctx context.Context, day time.Time) error {
	for range healTries {
		err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
			return recompute(ctx, tx, day, false)
		})
		if !isSerializationFailure(err) {
			return err
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return recompute(ctx, tx, day, true) })
}

func isSerializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40001"
}

// recompute replaces day's rollup by one computed from its events. With
// lockFirst it runs in READ COMMITTED and takes the day's row before
// anything else, so that each later statement sees every batch that took
// the row before it and none that waits for it; without, it runs in one
// REPEATABLE READ snapshot and takes the row after reading the events,
// which fails if the row changed since the snapshot.
func recompute(ctx context.Context, tx pgx.Tx, day time.Time, lockFirst bool) error {
	lock := func() (int64, error) {
		var gen int64
		err := tx.QueryRow(ctx, "SELECT gen FROM rollup_days WHERE day = $1 FOR UPDATE", day).Scan(&gen)
		return gen, err
	}
	var gen int64
	var err error
	if lockFirst {
		if gen, err = lock(); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, dayCellsSQL, day, day.Add(dayLength))
	if err != nil {
		return err
	}
	p := newRollupBuf()
	var total int64
	var k entryKey
	var minute time.Time
	var bucket *int64
	var n, errs int64
	var first, last time.Time
	var reply string
	var virtual, svcVirtual bool
	_, err = pgx.ForEachRow(rows, []any{&minute, &k.eventType, &k.service, &k.peer, &k.channel, &k.messageType, &k.system,
		&bucket, &n, &errs, &first, &last, &reply, &virtual, &svcVirtual}, func() error {
		k.hour = hourOf(minute)
		total += n
		en := p.entries[k]
		if en == nil {
			en = &entry{group: p.group(k), first: first.UnixMicro(), last: last.UnixMicro(), replyType: reply, virtual: true, svcVirtual: true}
			p.entries[k] = en
		}
		en.n += n
		en.errors += errs
		en.first, en.last = min(en.first, first.UnixMicro()), max(en.last, last.UnixMicro())
		en.replyType = max(en.replyType, reply)
		en.virtual = en.virtual && virtual
		en.svcVirtual = en.svcVirtual && svcVirtual
		m := minuteOf(minute.UnixMicro())
		bit := uint64(1) << (m - k.hour*60)
		en.seen |= bit
		if !virtual {
			en.realPeer |= bit
		}
		if !svcVirtual {
			en.realSvc |= bit
		}
		if en.group >= 0 && bucket != nil {
			en.hist.Add(*bucket, n)
			c := p.cell(en, slotOf(m))
			p.note(c, n, errs, first.UnixMicro(), last.UnixMicro(), p.reply(reply, &en.replyHint))
			p.addBucket(c, *bucket, n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !lockFirst {
		if gen, err = lock(); err != nil {
			return err
		}
	}
	for _, table := range []string{"rollup_flows", "rollup_hist", "rollup_services",
		"rollup_hour_flows", "rollup_hour_services", "rollup_minute_flows", "rollup_writers"} {
		if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE day = $1", day); err != nil {
			return err
		}
	}
	if err := writeCells(ctx, tx, &p, func(int64) bool { return true }); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, "UPDATE rollup_days SET stored = $2, rolled = $2, gen = $3, hourly = true, minutely = true WHERE day = $1", day, total, gen+1)
	if err == nil && tag.RowsAffected() != 1 {
		err = fmt.Errorf("day %s has no rollup_days row", day.UTC().Format(time.DateOnly))
	}
	return err
}
