package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// StaleDays lists the days whose stored events are not all in the rollup:
// a store died before flushing, or a Recorder still holds their cells.
// Graphs read those days from the events.
func (s *Store) StaleDays(ctx context.Context) ([]time.Time, error) {
	rows, err := s.pool.Query(ctx, "SELECT day FROM rollup_days WHERE stored <> rolled ORDER BY day")
	if err != nil {
		return nil, s.wrap("stale rollup days", err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	return days, s.wrap("stale rollup days", err)
}

// The rollup of one day recomputed from its events, by the definitions
// Flush counts with (addCells): groups of consume and serve events by
// peer, of publish and request events without it; services of every event.
const (
	rebuildGroupsSQL = `INSERT INTO rollup_groups (event_type, peer, service, channel, message_type, system)
SELECT DISTINCT event_type, CASE WHEN event_type IN ('consume', 'serve') THEN peer_service ELSE '' END,
	service, channel, message_type, system
FROM events WHERE ts >= $1 AND ts < $2 AND event_type IN ('consume', 'serve', 'publish', 'request')
ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT DO NOTHING`
	rebuildFlowsSQL = `INSERT INTO rollup_flows (day, gid, n, errors, first_ts, last_ts, reply_type)
SELECT $1, g.gid, count(*), count(*) FILTER (WHERE e.status = 'error'), min(e.ts), max(e.ts), max(e.reply_type)
FROM events e JOIN rollup_groups g ON g.event_type = e.event_type
	AND g.peer = CASE WHEN e.event_type IN ('consume', 'serve') THEN e.peer_service ELSE '' END
	AND g.service = e.service AND g.channel = e.channel AND g.message_type = e.message_type AND g.system = e.system
WHERE e.ts >= $1 AND e.ts < $2 AND e.event_type IN ('consume', 'serve', 'publish', 'request')
GROUP BY g.gid`
	rebuildHistSQL = `INSERT INTO rollup_hist (day, gid, bucket, n)
SELECT $1, g.gid, duration_bucket(e.duration_us), count(*)
FROM events e JOIN rollup_groups g ON g.event_type = e.event_type
	AND g.peer = CASE WHEN e.event_type IN ('consume', 'serve') THEN e.peer_service ELSE '' END
	AND g.service = e.service AND g.channel = e.channel AND g.message_type = e.message_type AND g.system = e.system
WHERE e.ts >= $1 AND e.ts < $2 AND e.event_type IN ('consume', 'serve', 'publish', 'request')
GROUP BY 2, 3`
	rebuildServicesSQL = `INSERT INTO rollup_services (day, service, peer_service, peer_virtual, service_virtual)
SELECT $1, service, peer_service, bool_and(peer_virtual), bool_and(service_virtual)
FROM events WHERE ts >= $1 AND ts < $2 GROUP BY 2, 3`
)

// RebuildRollup recomputes the rollup of every stale day from its events,
// so that its graphs come from the rollup again, and returns the days it
// rebuilt. Each day is one transaction that holds the day's rollup_days row:
// a batch being stored into that day waits, and counts itself after. A
// Recorder that still holds cells of a rebuilt day adds them when it
// flushes, which makes the day stale again: graphs then read it from the
// events, and stay right, until the next rebuild.
func (s *Store) RebuildRollup(ctx context.Context) ([]time.Time, error) {
	days, err := s.StaleDays(ctx)
	if err != nil {
		return nil, err
	}
	for i, day := range days {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var stored int64
			if err := tx.QueryRow(ctx, "SELECT stored FROM rollup_days WHERE day = $1 FOR UPDATE", day).Scan(&stored); err != nil {
				return err
			}
			next := day.Add(dayLength)
			for _, table := range []string{"rollup_flows", "rollup_hist", "rollup_services"} {
				if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE day = $1", day); err != nil {
					return err
				}
			}
			for _, q := range []string{rebuildGroupsSQL, rebuildFlowsSQL, rebuildHistSQL, rebuildServicesSQL} {
				if _, err := tx.Exec(ctx, q, day, next); err != nil {
					return err
				}
			}
			// The day's count is what it holds now: committed batches are
			// all in it, and a batch still storing waits for this row.
			_, err := tx.Exec(ctx, `UPDATE rollup_days SET stored = n, rolled = n
				FROM (SELECT count(*) AS n FROM events WHERE ts >= $1 AND ts < $2) c WHERE day = $1`, day, next)
			return err
		})
		if err != nil {
			return days[:i], s.wrap("rebuild rollup of "+day.UTC().Format(time.DateOnly), err)
		}
	}
	return days, nil
}
