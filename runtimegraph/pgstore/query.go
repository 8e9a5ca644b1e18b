package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/jackc/pgx/v5"
	"slices"
	"strconv"
	"strings"

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

// flowsSQL groups the window's consume and serve events into flows
// (producer = peer, consumer = service) by kind, producer, consumer,
// channel, message type and system. Percentiles are percentile_disc: the
// nearest rank runtimegraph.Percentile computes.
//
// The group key leads with a hash of the others: the sort the percentiles
// need then mostly compares one integer instead of five strings with long
// common prefixes, which halved it. The hash only orders; the strings still
// decide the groups, so a collision costs nothing but a comparison.
const flowsSQL = `SELECT CASE WHEN event_type = 'consume' THEN 'pubsub' ELSE 'reqrep' END AS kind,
	peer_service, service, channel, message_type, system, max(reply_type), count(*),
	count(*) FILTER (WHERE status = 'error'),
	percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_us),
	percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_us),
	min(ts), max(ts)
FROM events WHERE event_type IN ('consume', 'serve') AND %s
GROUP BY hashtextextended(peer_service || '/' || service || '/' || channel || '/' || message_type || '/' || system, 0),
	1, 2, 3, 4, 5, 6`

// summarySQL lists, in one pass over the window, who recorded what with
// whom: the services and peers of the graph, and the send groups (publish,
// request) that may turn out to be dangling.
const summarySQL = `SELECT event_type, service, peer_service, channel, message_type, system, bool_and(peer_virtual)
FROM events WHERE %s
GROUP BY 1, 2, 3, 4, 5, 6`

// danglingSQL measures the send groups no flow received, named by the
// arrays in the last five parameters. Only those, usually few, pay for
// percentiles.
const danglingSQL = `SELECT kind, service, channel, message_type, system, max(reply_type), count(*),
	count(*) FILTER (WHERE status = 'error'),
	percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_us),
	percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_us),
	min(ts), max(ts)
FROM (SELECT CASE WHEN event_type = 'publish' THEN 'pubsub' ELSE 'reqrep' END AS kind, *
	FROM events WHERE event_type IN ('publish', 'request') AND %s) e
WHERE (kind, service, channel, message_type, system) IN
	(SELECT * FROM unnest($%d::text[], $%d::text[], $%d::text[], $%d::text[], $%d::text[]))
GROUP BY 1, 2, 3, 4, 5`

// graphWorkMem lets the percentile sorts of a large window run in memory:
// spilling them to disk made the query several times slower.
const graphWorkMem = "256MB"

// Graph computes the observed graph of the events that pass the window and
// tag filters of f. Grouping and percentiles run in SQL; Go only decides
// which send groups are dangling (runtimegraph.Assemble's rule) and asks for
// their measures.
func (s *Store) Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	cond, args := where(f.GraphOnly())
	var groups []runtimegraph.Group
	services := map[string]bool{}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '"+graphWorkMem+"'"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(flowsSQL, cond), args...)
		if err != nil {
			return err
		}
		groups, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (runtimegraph.Group, error) {
			var g runtimegraph.Group
			st := &g.Stats
			err := row.Scan(&g.Kind, &g.From, &g.To, &g.Channel, &g.MessageType, &g.System, &g.ReplyType,
				&st.Count, &st.Errors, &st.P50US, &st.P95US, &st.FirstSeen, &st.LastSeen)
			return g, err
		})
		if err != nil {
			return err
		}
		sends, err := s.summary(ctx, tx, cond, args, services)
		if err != nil {
			return err
		}
		dangling := danglingSends(groups, sends)
		if len(dangling) == 0 {
			return nil
		}
		cols := make([][]string, 5)
		for _, d := range dangling {
			cols[0] = append(cols[0], d.Kind)
			cols[1] = append(cols[1], d.From)
			cols[2] = append(cols[2], d.Channel)
			cols[3] = append(cols[3], d.MessageType)
			cols[4] = append(cols[4], d.System)
		}
		n := len(args)
		q := fmt.Sprintf(danglingSQL, cond, n+1, n+2, n+3, n+4, n+5)
		dargs := append(append([]any(nil), args...), cols[0], cols[1], cols[2], cols[3], cols[4])
		rows, err = tx.Query(ctx, q, dargs...)
		if err != nil {
			return err
		}
		more, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (runtimegraph.Group, error) {
			var g runtimegraph.Group
			st := &g.Stats
			err := row.Scan(&g.Kind, &g.From, &g.Channel, &g.MessageType, &g.System, &g.ReplyType,
				&st.Count, &st.Errors, &st.P50US, &st.P95US, &st.FirstSeen, &st.LastSeen)
			return g, err
		})
		groups = append(groups, more...)
		return err
	})
	if err != nil {
		return nil, s.wrap("observed graph", err)
	}
	return runtimegraph.Assemble(groups, services), nil
}

// summary reads summarySQL: it fills services (name to "only ever a
// virtual peer") and returns the send groups, keyed as flows are.
func (s *Store) summary(ctx context.Context, tx pgx.Tx, cond string, args []any, services map[string]bool) ([]runtimegraph.Group, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(summarySQL, cond), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[runtimegraph.Group]bool{}
	var sends []runtimegraph.Group
	for rows.Next() {
		var typ, svc, peer, ch, mt, sys string
		var virtual bool
		if err := rows.Scan(&typ, &svc, &peer, &ch, &mt, &sys, &virtual); err != nil {
			return nil, err
		}
		services[svc] = false
		if peer != "" {
			if v, ok := services[peer]; !ok || (v && !virtual) {
				services[peer] = virtual
			}
		}
		kind := topology.KindPubSub
		switch typ {
		case telemetry.TypePublish:
		case telemetry.TypeRequest:
			kind = topology.KindReqRep
		default:
			continue
		}
		g := runtimegraph.Group{Kind: kind, From: svc, Channel: ch, MessageType: mt, System: sys}
		if !seen[g] {
			seen[g] = true
			sends = append(sends, g)
		}
	}
	return sends, rows.Err()
}

// danglingSends are the sends no flow received, by Assemble's rule.
func danglingSends(flows, sends []runtimegraph.Group) []runtimegraph.Group {
	type side struct{ kind, from, channel, messageType string }
	recv := map[side][]string{}
	for _, f := range flows {
		k := side{f.Kind, f.From, f.Channel, f.MessageType}
		recv[k] = append(recv[k], f.System)
	}
	var out []runtimegraph.Group
	for _, g := range sends {
		if !slices.ContainsFunc(recv[side{g.Kind, g.From, g.Channel, g.MessageType}],
			func(sys string) bool { return topology.SystemsMatch(sys, g.System) }) {
			out = append(out, g)
		}
	}
	return out
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
			&e.MessageType, &e.ReplyType, &e.System, &e.MessageID, &e.ParentIDs, &e.PeerService, &e.PeerVirtual,
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
