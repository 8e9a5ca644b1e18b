package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// where builds a WHERE clause for f. Every value is a bound parameter;
// only column names, fixed here, are SQL text.
func where(f runtimegraph.Filter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if !f.Since.IsZero() {
		add("ts >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		add("ts < ?", f.Until)
	}
	for _, t := range f.Where {
		// One containment test per condition: a JSON object with a repeated
		// key would keep only the last value and match too much.
		b, _ := json.Marshal(map[string]string{t.Key: t.Value})
		add("tags @> ?::jsonb", string(b))
	}
	for _, c := range []struct{ col, v string }{
		{"trace_id", f.TraceID}, {"event_type", f.EventType}, {"status", f.Status}, {"service", f.Service},
		{"channel", f.Channel}, {"message_type", f.MessageType}, {"operation", f.Operation},
	} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if len(conds) == 0 {
		return "TRUE", nil
	}
	return strings.Join(conds, " AND "), args
}

// rawCellsSQL groups the events the graph measures that pass a filter into
// cells, the rows rollup holds: per event type, peer (the producer of a
// consume or serve; none for a send), service, channel, message type,
// system and duration bucket, with count, errors, first and last sight and
// the greatest reply type.
const rawCellsSQL = `SELECT event_type, CASE WHEN event_type IN ('consume', 'serve') THEN peer_service ELSE '' END,
	service, channel, message_type, system, duration_bucket(duration_us),
	count(*), count(*) FILTER (WHERE status = 'error'), min(ts), max(ts), max(reply_type)
FROM events WHERE event_type IN ('consume', 'serve', 'publish', 'request') AND %s
GROUP BY 1, 2, 3, 4, 5, 6, 7`

// groupsSQL turns the events' cells into the graph's groups: consume and
// serve events by peer (flows), publish and request events without it
// (sends, dangling or not: Go decides, by Assemble's rule). Percentiles are
// nearest ranks over the bucket histogram, the rank in float8 as
// percentile_disc computes it, so they equal runtimegraph's.
const groupsSQL = `WITH c (event_type, peer, service, channel, message_type, system, bucket, n, errors,
	first_ts, last_ts, reply_type) AS (` + rawCellsSQL + `),
w AS (
	SELECT *, sum(n::float8) OVER (PARTITION BY event_type, peer, service, channel, message_type, system ORDER BY bucket) AS cum,
		sum(n::float8) OVER (PARTITION BY event_type, peer, service, channel, message_type, system) AS total
	FROM c)
SELECT event_type, peer, service, channel, message_type, system, max(reply_type), sum(n)::bigint, sum(errors)::bigint,
	min(bucket) FILTER (WHERE cum >= ceil(0.5::float8 * total)),
	min(bucket) FILTER (WHERE cum >= ceil(0.95::float8 * total)),
	min(first_ts), max(last_ts)
FROM w GROUP BY 1, 2, 3, 4, 5, 6`

// rollupGroupsSQL is the same groups as groupsSQL computes from cells, for
// whole days, from the rollup: the histogram's running counts are ordered
// by group id and bucket, integers, which sorts several times faster than
// the group's strings.
const rollupGroupsSQL = `WITH h AS (
	SELECT gid, bucket, sum(n::float8) OVER (PARTITION BY gid ORDER BY bucket) AS cum,
		sum(n::float8) OVER (PARTITION BY gid) AS total
	FROM rollup_hist WHERE %[1]s),
p AS (
	SELECT gid, min(bucket) FILTER (WHERE cum >= ceil(0.5::float8 * total)) AS p50,
		min(bucket) FILTER (WHERE cum >= ceil(0.95::float8 * total)) AS p95
	FROM h GROUP BY gid),
f AS (
	SELECT gid, max(reply_type) AS reply_type, sum(n)::bigint AS n, sum(errors)::bigint AS errors,
		min(first_ts) AS first_ts, max(last_ts) AS last_ts
	FROM rollup_flows WHERE %[1]s GROUP BY gid)
SELECT g.event_type, g.peer, g.service, g.channel, g.message_type, g.system, f.reply_type, f.n, f.errors,
	p.p50, p.p95, f.first_ts, f.last_ts
FROM f JOIN p USING (gid) JOIN rollup_groups g USING (gid)`

// servicesSQL names the services of the graph, from events of every type:
// who recorded with which peer, and whether each was always virtual.
// The source is events or rollup_services, whose columns are the same.
const servicesSQL = `SELECT service, bool_and(service_virtual), peer_service, bool_and(peer_virtual) FROM %s WHERE %s GROUP BY 1, 3`

// graphWorkMem lets a large window's grouping run in memory: spilling it
// to disk made the query several times slower.
const graphWorkMem = "256MB"

// Graph computes the observed graph of the events that pass the window and
// tag filters of f. Groups and percentiles are computed in SQL: from the
// rollup when the window is whole days it covers and there are no tag
// filters, else from the events, with the same definitions and so the same
// answer (histograms of quantized durations, see rawCellsSQL). Go only
// assembles the groups (runtimegraph.Assemble), which decides which sends
// are dangling.
func (s *Store) Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	f = f.GraphOnly()
	var groups []runtimegraph.Group
	services := map[string]bool{}
	// One snapshot for the coverage check and the reads.
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '"+graphWorkMem+"'"); err != nil {
			return err
		}
		rolled, err := rollupCovers(ctx, tx, f)
		if err != nil {
			return err
		}
		q, table := groupsSQL, "events"
		cond, args := where(f)
		if rolled {
			q, table = rollupGroupsSQL, "rollup_services"
			cond, args = dayWindow(f)
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(q, cond), args...)
		if err != nil {
			return err
		}
		groups, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (runtimegraph.Group, error) {
			var typ, peer, svc string
			var g runtimegraph.Group
			st := &g.Stats
			err := row.Scan(&typ, &peer, &svc, &g.Channel, &g.MessageType, &g.System, &g.ReplyType,
				&st.Count, &st.Errors, &st.P50US, &st.P95US, &st.FirstSeen, &st.LastSeen)
			switch typ {
			case telemetry.TypeConsume:
				g.Kind, g.From, g.To = topology.KindPubSub, peer, svc
			case telemetry.TypeServe:
				g.Kind, g.From, g.To = topology.KindReqRep, peer, svc
			case telemetry.TypePublish:
				g.Kind, g.From = topology.KindPubSub, svc
			case telemetry.TypeRequest:
				g.Kind, g.From = topology.KindReqRep, svc
			}
			return g, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, fmt.Sprintf(servicesSQL, table, cond), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var svc, peer string
			var svcVirtual, virtual bool
			if err := rows.Scan(&svc, &svcVirtual, &peer, &virtual); err != nil {
				return err
			}
			if v, ok := services[svc]; !ok || (v && !svcVirtual) {
				services[svc] = svcVirtual
			}
			if peer != "" {
				if v, ok := services[peer]; !ok || (v && !virtual) {
					services[peer] = virtual
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.wrap("observed graph", err)
	}
	return runtimegraph.Assemble(groups, services), nil
}

// rollupCovers reports whether rollup answers f: no tag filters (rollup
// has no tags), a window of whole UTC days, and every day in it covered
// (all its stored events flushed into rollup).
func rollupCovers(ctx context.Context, tx pgx.Tx, f runtimegraph.Filter) (bool, error) {
	if len(f.Where) > 0 || !midnight(f.Since) || !midnight(f.Until) {
		return false, nil
	}
	cond, args := dayWindow(f)
	var stale bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM rollup_days WHERE stored <> rolled AND "+cond+")", args...).Scan(&stale)
	return !stale, err
}

// dayWindow is f's window over rollup's days (f's bounds are midnights).
func dayWindow(f runtimegraph.Filter) (string, []any) {
	var conds []string
	var args []any
	if !f.Since.IsZero() {
		args = append(args, f.Since)
		conds = append(conds, "day >= $"+strconv.Itoa(len(args)))
	}
	if !f.Until.IsZero() {
		args = append(args, f.Until)
		conds = append(conds, "day < $"+strconv.Itoa(len(args)))
	}
	if len(conds) == 0 {
		return "TRUE", nil
	}
	return strings.Join(conds, " AND "), args
}

// midnight reports whether t is unset or a UTC day boundary.
func midnight(t time.Time) bool {
	return t.IsZero() || t.UnixMicro()%(86400*1_000_000) == 0 && t.Nanosecond()%1000 == 0
}

// selectSQL returns events in canonical order (time, then event id).
const selectSQL = `SELECT ` + columns + ` FROM events WHERE %s ORDER BY ts, event_id`

// Select returns the events that pass f, in the order runtimegraph.SortEvents
// gives; limit > 0 keeps only the first limit.
func (s *Store) Select(ctx context.Context, f runtimegraph.Filter, limit int) ([]telemetry.Event, error) {
	cond, args := where(f)
	q := fmt.Sprintf(selectSQL, cond)
	if limit > 0 {
		args = append(args, limit)
		q += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("events", err)
	}
	defer rows.Close()
	var out []telemetry.Event
	for rows.Next() {
		var e telemetry.Event
		var tags []byte
		if err := rows.Scan(&e.Timestamp, &e.EventID, &e.TraceID, &e.EventType, &e.Service, &e.Operation, &e.Channel,
			&e.MessageType, &e.ReplyType, &e.System, &e.MessageID, &e.ParentIDs, &e.PeerService, &e.PeerVirtual, &e.ServiceVirtual,
			&e.DurationUS, &e.Status, &e.Error, &tags); err != nil {
			return nil, s.wrap("events", err)
		}
		if tags != nil {
			if err := json.Unmarshal(tags, &e.Tags); err != nil {
				return nil, s.wrap("events: tags of "+e.EventID, err)
			}
		}
		e.Normalize()
		out = append(out, e)
	}
	return out, s.wrap("events", rows.Err())
}
