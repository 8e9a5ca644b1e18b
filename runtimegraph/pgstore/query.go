package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
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

// groupsSQL groups the window's consume and serve events into flows
// (producer = peer, consumer = service) and its publish and request events
// into sends (producer = service), by kind, producer, consumer, channel,
// message type and system. Percentiles are percentile_disc: the nearest
// rank runtimegraph.Percentile computes.
const groupsSQL = `SELECT kind, from_, to_, channel, message_type, system, max(reply_type), count(*),
	count(*) FILTER (WHERE status = 'error'),
	percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_us),
	percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_us),
	min(ts), max(ts)
FROM (SELECT CASE WHEN event_type IN ('consume', 'publish') THEN 'pubsub' ELSE 'reqrep' END AS kind,
		CASE WHEN event_type IN ('consume', 'serve') THEN peer_service ELSE service END AS from_,
		CASE WHEN event_type IN ('consume', 'serve') THEN service ELSE '' END AS to_,
		channel, message_type, system, reply_type, status, duration_us, ts
	FROM events WHERE event_type IN ('consume', 'serve', 'publish', 'request') AND %s) e
GROUP BY kind, from_, to_, channel, message_type, system`

// servicesSQL names every service and peer of the window's events; a name
// is virtual when it appears only as a virtual peer.
const servicesSQL = `SELECT name, bool_and(virtual) FROM (
	SELECT service AS name, false AS virtual FROM events WHERE %[1]s GROUP BY service
	UNION ALL
	SELECT peer_service, bool_and(peer_virtual) FROM events WHERE peer_service <> '' AND %[1]s GROUP BY peer_service
) s GROUP BY name`

// Graph computes the observed graph of the events that pass the window and
// tag filters of f, grouping in SQL.
func (s *Store) Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	cond, args := where(f.GraphOnly())
	rows, err := s.pool.Query(ctx, fmt.Sprintf(groupsSQL, cond), args...)
	if err != nil {
		return nil, s.wrap("observed graph", err)
	}
	var groups []runtimegraph.Group
	for rows.Next() {
		var g runtimegraph.Group
		st := &g.Stats
		if err := rows.Scan(&g.Kind, &g.From, &g.To, &g.Channel, &g.MessageType, &g.System, &g.ReplyType,
			&st.Count, &st.Errors, &st.P50US, &st.P95US, &st.FirstSeen, &st.LastSeen); err != nil {
			rows.Close()
			return nil, s.wrap("observed graph", err)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("observed graph", err)
	}
	rows, err = s.pool.Query(ctx, fmt.Sprintf(servicesSQL, cond), args...)
	if err != nil {
		return nil, s.wrap("observed services", err)
	}
	services := map[string]bool{}
	for rows.Next() {
		var name string
		var virtual bool
		if err := rows.Scan(&name, &virtual); err != nil {
			rows.Close()
			return nil, s.wrap("observed services", err)
		}
		services[name] = virtual
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("observed services", err)
	}
	return runtimegraph.Assemble(groups, services), nil
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
