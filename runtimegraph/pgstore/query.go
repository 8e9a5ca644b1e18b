package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
		add("ts >= ?", ceilMicro(f.Since))
	}
	if !f.Until.IsZero() {
		add("ts < ?", ceilMicro(f.Until))
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
FROM events WHERE event_type IN ('consume', 'serve', 'publish', 'request') AND (%[1]s)
GROUP BY 1, 2, 3, 4, 5, 6, 7`

// groupsSQL turns the events' cells into the graph's groups: consume and
// serve events by peer (flows), publish and request events without it
// (sends, dangling or not: Go decides, by Assemble's rule). Percentiles are
// nearest ranks over the bucket histogram, the rank in float8 as
// percentile_disc computes it, so they equal runtimegraph's.
const groupsSQL = `WITH c (event_type, peer, service, channel, message_type, system, bucket, n, errors,
	first_ts, last_ts, reply_type) AS (` + rawCellsSQL + `),
` + groupsOfCells

// mixedGroupsSQL is groupsSQL over the events of part of a window and the
// rollup cells of the rest (the daily and hourly tables' rows, as
// dayHistSQL and the like give them, %[2]s and %[3]s). The events' cells
// of groups the rollup names take their group id and are summed with the
// rollup's by id, as in rollupGroupsSQL: sorting the running counts by the
// group's strings instead made a window of six hours and a half take
// three times as long as one of six. Only groups the rollup does not name
// yet (new in a day it does not cover) are grouped by their strings.
const mixedGroupsSQL = `WITH c (event_type, peer, service, channel, message_type, system, bucket, n, errors,
	first_ts, last_ts, reply_type) AS (` + rawCellsSQL + `),
m AS (SELECT g.gid, c.* FROM c LEFT JOIN rollup_groups g USING (event_type, peer, service, channel, message_type, system)),
` + gidGroupsCTEs + `,
w AS (
	SELECT *, sum(n::float8) OVER (PARTITION BY event_type, peer, service, channel, message_type, system ORDER BY bucket) AS cum,
		sum(n::float8) OVER (PARTITION BY event_type, peer, service, channel, message_type, system) AS total
	FROM m WHERE gid IS NULL)
` + gidGroupsSelect + `
UNION ALL
SELECT event_type, peer, service, channel, message_type, system, max(reply_type), sum(n)::bigint, sum(errors)::bigint,
	min(bucket) FILTER (WHERE cum >= ceil(0.5::float8 * total)),
	min(bucket) FILTER (WHERE cum >= ceil(0.95::float8 * total)),
	min(first_ts), max(last_ts)
FROM w GROUP BY 1, 2, 3, 4, 5, 6`

const groupsOfCells = `w AS (
	SELECT *, sum(n::float8) OVER (PARTITION BY event_type, peer, service, channel, message_type, system ORDER BY bucket) AS cum,
		sum(n::float8) OVER (PARTITION BY event_type, peer, service, channel, message_type, system) AS total
	FROM c)
SELECT event_type, peer, service, channel, message_type, system, max(reply_type), sum(n)::bigint, sum(errors)::bigint,
	min(bucket) FILTER (WHERE cum >= ceil(0.5::float8 * total)),
	min(bucket) FILTER (WHERE cum >= ceil(0.95::float8 * total)),
	min(first_ts), max(last_ts)
FROM w GROUP BY 1, 2, 3, 4, 5, 6`

// rollupGroupsSQL is the same groups as groupsSQL computes from cells, for
// whole days and hours, from the rollup alone (its cells as %[2]s and
// %[3]s): the histogram's running counts are ordered by group id and
// bucket, integers, which sorts several times faster than the group's
// strings. It shares mixedGroupsSQL's steps, with no events' cells (an
// empty m).
const rollupGroupsSQL = `WITH m (gid, bucket, n, errors, first_ts, last_ts, reply_type) AS (SELECT NULL::integer, NULL::bigint,
	NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::text WHERE false),
` + gidGroupsCTEs + `
` + gidGroupsSelect

// gidGroupsCTEs compute the groups, by group id, of the cells of m with
// an id and of the rollup's cells (histograms %[2]s, flows %[3]s). The
// cells are summed per group and bucket first (a hash aggregate), so that
// the sort for the running counts has one row per bucket, not one per
// hour, day and flush: measured 30% faster for six hours of 500,000
// events a day (0.20 s against 0.28 s).
const gidGroupsCTEs = `hs AS (
	SELECT gid, bucket, sum(n::float8) AS n
	FROM (SELECT gid, bucket, n FROM m WHERE gid IS NOT NULL UNION ALL %[2]s) x GROUP BY 1, 2),
h AS (
	SELECT gid, bucket, sum(n) OVER (PARTITION BY gid ORDER BY bucket) AS cum, sum(n) OVER (PARTITION BY gid) AS total
	FROM hs),
p AS (
	SELECT gid, min(bucket) FILTER (WHERE cum >= ceil(0.5::float8 * total)) AS p50,
		min(bucket) FILTER (WHERE cum >= ceil(0.95::float8 * total)) AS p95
	FROM h GROUP BY gid),
f AS (
	SELECT gid, max(reply_type) AS reply_type, sum(n)::bigint AS n, sum(errors)::bigint AS errors,
		min(first_ts) AS first_ts, max(last_ts) AS last_ts
	FROM (SELECT gid, n, errors, first_ts, last_ts, reply_type FROM m WHERE gid IS NOT NULL UNION ALL %[3]s) fs GROUP BY gid)`

const gidGroupsSelect = `SELECT g.event_type, g.peer, g.service, g.channel, g.message_type, g.system, f.reply_type, f.n, f.errors,
	p.p50, p.p95, f.first_ts, f.last_ts
FROM f JOIN p USING (gid) JOIN rollup_groups g USING (gid)`

// The rollup's cells of a plan, daily, hourly and per minute, as rows of
// the same columns; each takes the condition on its table.
const (
	dayHistSQL    = `SELECT gid, bucket, n FROM rollup_hist WHERE %s`
	hourHistSQL   = `SELECT gid, u.bucket, u.n FROM rollup_hour_flows, unnest(buckets, counts) AS u (bucket, n) WHERE %s`
	minuteHistSQL = `SELECT (u.h >> 32)::integer, u.bucket, u.h & 4294967295 FROM rollup_minute_flows,
	unnest(hist, hist_buckets) AS u (h, bucket) WHERE %s`
	dayFlowsSQL  = `SELECT gid, n, errors, first_ts, last_ts, reply_type FROM rollup_flows WHERE %s`
	hourFlowsSQL = `SELECT gid, n, errors, first_ts, last_ts, reply_type FROM rollup_hour_flows WHERE %s`
	// The minute cells' flows are their packed cells (0010_rollup_minutes.sql)
	// with reply type '', and rows of their errors and reply types alone.
	minuteFlowsSQL = `SELECT (u.c >> 32)::integer, u.c & 4294967295, 0::bigint,
	minute + (u.t >> 32) * interval '1 microsecond', minute + (u.t & 4294967295) * interval '1 microsecond', ''::text COLLATE "C"
FROM rollup_minute_flows,
	unnest(cells, times) AS u (c, t) WHERE %[1]s
UNION ALL SELECT u.gid, 0, u.errors, NULL, NULL, NULL FROM rollup_minute_flows, unnest(error_gids, error_counts) AS u (gid, errors) WHERE %[1]s
UNION ALL SELECT u.gid, 0, 0, NULL, NULL, u.reply FROM rollup_minute_flows, unnest(reply_gids, replies) AS u (gid, reply) WHERE %[1]s`
	dayServicesSQL  = `SELECT service, service_virtual, peer_service, peer_virtual FROM rollup_services WHERE %s`
	hourServicesSQL = `SELECT service, service_virtual, peer_service, peer_virtual FROM rollup_hour_services WHERE %s`
	// The services of some minutes of hours are their hours' rows whose
	// minute masks (0010_rollup_minutes.sql) meet those minutes' masks,
	// m.mask: the hours' days, the hours and the masks are %[1]s, %[2]s
	// and %[3]s, %[4]s a further condition.
	minuteServicesSQL = `SELECT s.service, (s.real_service_minutes & m.mask) = 0 AS service_virtual,
	s.peer_service, (s.real_peer_minutes & m.mask) = 0 AS peer_virtual
FROM unnest(%[1]s::timestamptz[], %[2]s::timestamptz[], %[3]s::bigint[]) AS m (day, hour, mask)
	JOIN rollup_hour_services s ON s.day = m.day AND s.hour = m.hour
WHERE (s.minutes & m.mask) <> 0 AND %[4]s`
)

// servicesSQL names the services of the graph, from events of every type:
// who recorded with which peer, and whether each was always virtual. Its
// source is eventServicesSQL and the rollup's services (dayServicesSQL,
// hourServicesSQL) joined by UNION ALL, whose columns are the same.
const servicesSQL = `SELECT service, bool_and(service_virtual), peer_service, bool_and(peer_virtual) FROM (%s) s GROUP BY 1, 3`

const eventServicesSQL = `SELECT service, service_virtual, peer_service, peer_virtual FROM events WHERE %s`

// graphWorkMem lets a large window's grouping run in memory: spilling it
// to disk made the query several times slower.
const graphWorkMem = "256MB"

// Graph computes the observed graph of the events that pass the window and
// tag filters of f. Groups and percentiles are computed in SQL, from the
// rollup for the whole days of the window it covers and from the events
// for the rest (the partial days at the window's ends, days whose events
// are not all rolled up yet, and any window with tag filters), with the
// same definitions and so the same answer (histograms of quantized
// durations, see rawCellsSQL). Go only assembles the groups
// (runtimegraph.Assemble), which decides which sends are dangling.
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
		p, err := planGraph(ctx, tx, f)
		if err != nil {
			return err
		}
		q, args, svcs, svcArgs := p.sql(f)
		rows, err := tx.Query(ctx, q, args...)
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
		rows, err = tx.Query(ctx, svcs, svcArgs...)
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

// graphPlan says where each part of a graph's window is read from: its
// whole UTC days from the daily rollup, the whole hours at its ends from
// the hourly rollup, the whole slots of five minutes at its ends outside
// those from the minute rollup, and the rest from the events: the partial
// slots at its ends, and the part of the window in days the rollup does
// not cover (stored events not all rolled up yet, after a crash or while a
// Recorder holds them) or whose hourly or minute cells were never built
// (days rolled up before migration 0009 or 0010, until they heal). A day
// with no rollup_days row has no events, so nothing to read.
type graphPlan struct {
	eventsOnly bool         // tag filters, or no whole slot of minutes: the events answer all of it
	wholeDays  bool         // days holds a range of at least one day
	days       [2]time.Time // the whole days [from, to) in the window; zero is unbounded
	hours      []timeRange  // the whole hours at the window's ends outside days, bounded
	minutes    []timeRange  // the whole slots of minutes (slotLength) at the window's ends outside hours, bounded
	stale      []time.Time  // days in the window that the rollup does not cover
	noHours    []time.Time  // days whose hourly cells do not cover them: stale ones and unbuilt ones
	noMinutes  []time.Time  // days whose minute cells do not cover them, likewise
	raw        []timeRange  // the rest of the window, read from the events
}

// timeRange is [since, until); a zero bound is unbounded.
type timeRange struct{ since, until time.Time }

func planGraph(ctx context.Context, tx pgx.Tx, f runtimegraph.Filter) (graphPlan, error) {
	if len(f.Where) > 0 {
		return graphPlan{eventsOnly: true}, nil
	}
	ms, mu := ceilTo(f.Since, slotLength), floorTo(f.Until, slotLength)
	if !ms.IsZero() && !mu.IsZero() && !ms.Before(mu) {
		return graphPlan{eventsOnly: true}, nil
	}
	var p graphPlan
	// Each unit takes the whole ones of it in its ranges, and leaves the
	// ends to the next, finer one.
	var ends []timeRange
	from, to := ceilTo(f.Since, dayLength), floorTo(f.Until, dayLength)
	if from.IsZero() || to.IsZero() || from.Before(to) {
		p.wholeDays, p.days = true, [2]time.Time{from, to}
		if !f.Since.IsZero() && f.Since.Before(from) {
			ends = append(ends, timeRange{f.Since, from})
		}
		if !f.Until.IsZero() && to.Before(f.Until) {
			ends = append(ends, timeRange{to, f.Until})
		}
	} else {
		ends = []timeRange{{f.Since, f.Until}}
	}
	p.hours, ends = wholeUnits(ends, time.Hour)
	p.minutes, ends = wholeUnits(ends, slotLength)
	edges := ends
	// The days the window touches that the rollup does not answer in full.
	cond, args := bounds("day", floorTo(f.Since, dayLength), ceilMicro(f.Until), 0)
	rows, err := tx.Query(ctx, "SELECT day, stored <> rolled, hourly, minutely FROM rollup_days WHERE (stored <> rolled OR NOT hourly OR NOT minutely) AND "+
		cond+" ORDER BY day", args...)
	if err != nil {
		return p, err
	}
	var day time.Time
	var stale, hourly, minutely bool
	if _, err := pgx.ForEachRow(rows, []any{&day, &stale, &hourly, &minutely}, func() error {
		whole := timeRange{day, day.Add(dayLength)}
		if stale {
			p.stale = append(p.stale, day)
			p.noHours, p.noMinutes = append(p.noHours, day), append(p.noMinutes, day)
			edges = append(edges, clip(whole, timeRange{f.Since, f.Until}))
			return nil
		}
		if !hourly {
			p.noHours = append(p.noHours, day)
			for _, h := range p.hours {
				edges = append(edges, clip(whole, h))
			}
		}
		if !minutely {
			p.noMinutes = append(p.noMinutes, day)
			for _, m := range p.minutes {
				edges = append(edges, clip(whole, m))
			}
		}
		return nil
	}); err != nil {
		return p, err
	}
	// Overlapping and adjacent ranges become one, so the events are read
	// in as few ranges of the primary key as the window allows.
	slices.SortFunc(edges, func(a, b timeRange) int { return a.since.Compare(b.since) })
	for _, r := range edges {
		if !r.since.Before(r.until) {
			continue // a day outside an hourly or minute range
		}
		if n := len(p.raw); n > 0 && !p.raw[n-1].until.Before(r.since) {
			if r.until.After(p.raw[n-1].until) {
				p.raw[n-1].until = r.until
			}
			continue
		}
		p.raw = append(p.raw, r)
	}
	return p, nil
}

// wholeUnits splits bounded ranges into their whole UTC units of d (an
// hour or a slot of minutes) and the rest at their ends.
func wholeUnits(rs []timeRange, d time.Duration) (whole, rest []timeRange) {
	for _, r := range rs {
		s, u := ceilTo(r.since, d), floorTo(r.until, d)
		if !s.Before(u) {
			rest = append(rest, r)
			continue
		}
		whole = append(whole, timeRange{s, u})
		if r.since.Before(s) {
			rest = append(rest, timeRange{r.since, s})
		}
		if u.Before(r.until) {
			rest = append(rest, timeRange{u, r.until})
		}
	}
	return whole, rest
}

// minuteMasks gives the minute ranges rs as the hours they fall in, with
// each hour's days and the mask of its minutes (bit m for minute m).
func minuteMasks(rs []timeRange) (days, hours []time.Time, masks []int64) {
	for _, r := range rs {
		for h := floorTo(r.since, time.Hour); h.Before(r.until); h = h.Add(time.Hour) {
			lo := max(r.since.Sub(h), 0) / time.Minute
			hi := min(r.until.Sub(h), time.Hour) / time.Minute
			days, hours = append(days, floorTo(h, dayLength)), append(hours, h)
			masks = append(masks, int64(1)<<hi-int64(1)<<lo)
		}
	}
	return days, hours, masks
}

// clip is r within w, whose zero bounds are unbounded; r is bounded.
func clip(r, w timeRange) timeRange {
	if !w.since.IsZero() && w.since.After(r.since) {
		r.since = w.since
	}
	if !w.until.IsZero() && w.until.Before(r.until) {
		r.until = w.until
	}
	return r
}

// sql returns the plan's groups and services queries and their arguments.
func (p graphPlan) sql(f runtimegraph.Filter) (groups string, groupArgs []any, services string, serviceArgs []any) {
	if p.eventsOnly {
		cond, args := where(f)
		return fmt.Sprintf(groupsSQL, cond), args, fmt.Sprintf(servicesSQL, fmt.Sprintf(eventServicesSQL, cond)), args
	}
	groups, groupArgs = p.query(false)
	services, serviceArgs = p.query(true)
	return groups, groupArgs, services, serviceArgs
}

// slotsCond selects the rows of the cells whose column (hour or minute)
// falls in the ranges, leaving out the days listed in not. The day bounds
// let the (day, column) index find the cells.
func slotsCond(param func(any) string, column string, ranges []timeRange, not []time.Time) string {
	var conds []string
	for _, r := range ranges {
		since, until := param(r.since), param(r.until)
		conds = append(conds, "(day >= "+param(floorTo(r.since, dayLength))+" AND day < "+until+
			" AND "+column+" >= "+since+" AND "+column+" < "+until+")")
	}
	cond := "(" + strings.Join(conds, " OR ") + ")"
	if len(not) > 0 {
		cond += " AND day <> ALL(" + param(not) + "::timestamptz[])"
	}
	return cond
}

// query returns the plan's groups query, or with services its services
// query, and its arguments: each numbers its own, as the services of
// minutes take arguments the groups do not.
func (p graphPlan) query(services bool) (string, []any) {
	var args []any
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var hist, flows, svcs []string
	add := func(histSQL, flowsSQL, svcsSQL, cond string) {
		if services {
			svcs = append(svcs, fmt.Sprintf(svcsSQL, cond))
		} else {
			hist, flows = append(hist, fmt.Sprintf(histSQL, cond)), append(flows, fmt.Sprintf(flowsSQL, cond))
		}
	}
	if p.wholeDays {
		cond, dargs := dayRange(p.days, len(args))
		args = append(args, dargs...)
		if len(p.stale) > 0 {
			cond += " AND day <> ALL(" + param(p.stale) + "::timestamptz[])"
		}
		add(dayHistSQL, dayFlowsSQL, dayServicesSQL, cond)
	}
	if len(p.hours) > 0 {
		add(hourHistSQL, hourFlowsSQL, hourServicesSQL, slotsCond(param, "hour", p.hours, p.noHours))
	}
	if len(p.minutes) > 0 && services {
		days, hours, masks := minuteMasks(p.minutes)
		cond := "TRUE"
		if len(p.noMinutes) > 0 {
			cond = "s.day <> ALL(" + param(p.noMinutes) + "::timestamptz[])"
		}
		svcs = append(svcs, fmt.Sprintf(minuteServicesSQL, param(days), param(hours), param(masks), cond))
	} else if len(p.minutes) > 0 {
		add(minuteHistSQL, minuteFlowsSQL, "", slotsCond(param, "minute", p.minutes, p.noMinutes))
	}
	var raw string
	if len(p.raw) > 0 {
		var rawConds []string
		for _, r := range p.raw {
			cond, rargs := rangeCond(r, len(args))
			rawConds = append(rawConds, "("+cond+")")
			args = append(args, rargs...)
		}
		raw = strings.Join(rawConds, " OR ")
	}
	if services {
		if raw != "" {
			svcs = append(svcs, fmt.Sprintf(eventServicesSQL, raw))
		}
		return fmt.Sprintf(servicesSQL, strings.Join(svcs, " UNION ALL ")), args
	}
	histSrc, flowSrc := strings.Join(hist, " UNION ALL "), strings.Join(flows, " UNION ALL ")
	if raw == "" {
		return fmt.Sprintf(rollupGroupsSQL, "", histSrc, flowSrc), args
	}
	return fmt.Sprintf(mixedGroupsSQL, raw, histSrc, flowSrc), args
}

// rangeCond is r as a condition on ts, its parameters numbered after n.
func rangeCond(r timeRange, n int) (string, []any) {
	return bounds("ts", r.since, r.until, n)
}

// dayRange is the whole days [from, to) as a condition on the rollup's
// day, its parameters numbered after n.
func dayRange(days [2]time.Time, n int) (string, []any) {
	return bounds("day", days[0], days[1], n)
}

func bounds(col string, since, until time.Time, n int) (string, []any) {
	var conds []string
	var args []any
	if !since.IsZero() {
		args = append(args, ceilMicro(since))
		conds = append(conds, col+" >= $"+strconv.Itoa(n+len(args)))
	}
	if !until.IsZero() {
		args = append(args, ceilMicro(until))
		conds = append(conds, col+" < $"+strconv.Itoa(n+len(args)))
	}
	if len(conds) == 0 {
		return "TRUE", nil
	}
	return strings.Join(conds, " AND "), args
}

// ceilMicro rounds a window bound up to a whole microsecond. Events keep
// microseconds, and pgx would truncate a bound to them: a since of
// T+500ns would then take an event at T that runtimegraph leaves out.
// Rounded up, "at or after" and "before" keep their meaning for every
// event.
func ceilMicro(t time.Time) time.Time {
	if d := t.Truncate(time.Microsecond); d.Before(t) {
		return d.Add(time.Microsecond)
	}
	return t
}

const dayLength = 24 * time.Hour

// ceilTo is the first UTC multiple of d (a slot of minutes, an hour or a day) at or after t;
// zero stays zero.
func ceilTo(t time.Time, d time.Duration) time.Time {
	if t.IsZero() {
		return t
	}
	r := t.UTC().Truncate(d)
	if r.Before(t) {
		r = r.Add(d)
	}
	return r
}

// floorTo is the last UTC multiple of d at or before t; zero stays zero.
func floorTo(t time.Time, d time.Duration) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(d)
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
