package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
)

// die makes s what a killed process leaves: its batches stored, its
// pending rollup never flushed, its liveness lock gone with its connection.
func die(s *Store) {
	s.mu.Lock()
	s.pending = newRollupBuf()
	s.mu.Unlock()
	s.Close()
}

// rollupMismatchSQL counts the differences between the rollup, summed as
// queries sum it, and the same measures aggregated from the events from
// scratch: per day (daily tables), per hour (hourly tables) and per slot
// of minutes (minute rows), whose rows must carry their day, and group,
// histogram counts and flow measures; per day, hour and minute (the
// minute masks of the hourly services), the services; per day, the stored and rolled
// counts against the events, and whether its hourly and minute cells are
// complete.
var rollupMismatchSQL = `WITH
` + mismatchCTEs("", "rollup_hist", "rollup_flows", "rollup_services", "date_bin('1 day', ts, '1970-01-01')", "", "day") + `,
` + mismatchCTEs("h", "(SELECT day, hour, gid, u.bucket, u.n FROM rollup_hour_flows, unnest(buckets, counts) AS u (bucket, n))",
	"rollup_hour_flows", "rollup_hour_services", "date_bin('1 hour', ts, '1970-01-01')", "",
	"CASE WHEN day = date_bin('1 day', hour, '1970-01-01') THEN hour END") + `,
` + mismatchCTEs("m", minuteCells("h", minuteHistSQL, "gid, bucket, n"), minuteCells("f", minuteFlowsSQL, "gid, n, errors, first_ts, last_ts, reply_type"),
	`(SELECT day, hour + m * interval '1 minute' AS minute, service, peer_service,
		(real_peer_minutes & (1::bigint << m)) = 0 AS peer_virtual, (real_service_minutes & (1::bigint << m)) = 0 AS service_virtual
		FROM rollup_hour_services, generate_series(0, 59) AS m WHERE (minutes & (1::bigint << m)) <> 0)`,
	fmt.Sprintf("date_bin('%d minutes', ts, '1970-01-01')", slotMinutes), "date_bin('1 minute', ts, '1970-01-01')",
	"CASE WHEN day = date_bin('1 day', minute, '1970-01-01') THEN minute END") + `,
raw_days AS (SELECT date_bin('1 day', ts, '1970-01-01') AS day, count(*) AS stored, count(*) AS rolled, true AS hourly, true AS minutely
	FROM events GROUP BY 1),
roll_days AS (SELECT day, stored, rolled, hourly, minutely FROM rollup_days WHERE stored > 0)
SELECT ` + mismatchCount("hist") + ", " + mismatchCount("flows") + ", " + mismatchCount("svc") + `,
	(SELECT count(*) FROM ((TABLE raw_days EXCEPT TABLE roll_days) UNION ALL (TABLE roll_days EXCEPT TABLE raw_days)) d),
	(SELECT count(*) FROM rollup_writers)`

// minuteCells is the minute rows' cells as the query reads them (q, one of
// minuteHistSQL and minuteFlowsSQL, with columns cols), with their day and
// minute, as a table expression named alias.
func minuteCells(alias, q, cols string) string {
	q = strings.ReplaceAll(fmt.Sprintf(q, "TRUE"), "FROM rollup_minute_flows,", "FROM")
	return fmt.Sprintf("(SELECT day, minute, %[1]s.* FROM rollup_minute_flows, LATERAL (%[2]s) %[1]s (%[3]s))", alias, q, cols)
}

// mismatchCount is the SQL sum of the rows that differ between the raw
// and rolled CTEs of one measure, over the three granularities.
func mismatchCount(measure string) string {
	var terms []string
	for _, p := range []string{"", "h", "m"} {
		raw, roll := p+"raw_"+measure, p+"roll_"+measure
		terms = append(terms, fmt.Sprintf("(SELECT count(*) FROM ((TABLE %[1]s EXCEPT TABLE %[2]s) UNION ALL (TABLE %[2]s EXCEPT TABLE %[1]s)) x)", raw, roll))
	}
	return strings.Join(terms, " + ")
}

// mismatchCTEs are the from-scratch aggregates (P+"raw_*") and the summed
// rollup (P+"roll_*") of one granularity: the events binned by bin, the
// rollup's histograms, flows and services (table expressions) keyed by
// the expression key; the services binned by svcBin if it is not "".
func mismatchCTEs(p, hist, flows, services, bin, svcBin, key string) string {
	if svcBin == "" {
		svcBin = bin
	}
	return fmt.Sprintf(`%[1]sraw_hist AS (SELECT %[5]s AS t, event_type,
	CASE WHEN event_type IN ('consume', 'serve') THEN peer_service ELSE '' END AS peer, service, channel, message_type, system,
	duration_bucket(duration_us) AS bucket, count(*) AS n
	FROM events WHERE event_type IN ('consume', 'serve', 'publish', 'request') GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
%[1]sroll_hist AS (SELECT %[6]s AS t, g.event_type, g.peer, g.service, g.channel, g.message_type, g.system, h.bucket, sum(h.n)::bigint AS n
	FROM %[2]s h JOIN rollup_groups g USING (gid) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
%[1]sraw_flows AS (SELECT %[5]s AS t, event_type,
	CASE WHEN event_type IN ('consume', 'serve') THEN peer_service ELSE '' END AS peer, service, channel, message_type, system,
	count(*) AS n, count(*) FILTER (WHERE status = 'error') AS errors, min(ts) AS first_ts, max(ts) AS last_ts, max(reply_type) AS reply_type
	FROM events WHERE event_type IN ('consume', 'serve', 'publish', 'request') GROUP BY 1, 2, 3, 4, 5, 6, 7),
%[1]sroll_flows AS (SELECT %[6]s AS t, g.event_type, g.peer, g.service, g.channel, g.message_type, g.system,
	sum(f.n)::bigint, sum(f.errors)::bigint, min(f.first_ts), max(f.last_ts), max(f.reply_type)
	FROM %[3]s f JOIN rollup_groups g USING (gid) GROUP BY 1, 2, 3, 4, 5, 6, 7),
%[1]sraw_svc AS (SELECT %[7]s AS t, service, peer_service, bool_and(peer_virtual), bool_and(service_virtual)
	FROM events GROUP BY 1, 2, 3),
%[1]sroll_svc AS (SELECT %[6]s AS t, service, peer_service, bool_and(peer_virtual), bool_and(service_virtual) FROM %[4]s s GROUP BY 1, 2, 3)`,
		p, hist, flows, services, bin, key, svcBin)
}

// checkRollupExact fails t unless the rollup, daily and hourly, equals a
// from-scratch aggregate of the stored events and covers every day.
func checkRollupExact(t *testing.T, s *Store, when string) {
	t.Helper()
	var hist, flows, svc, days, writers int64
	if err := s.pool.QueryRow(context.Background(), rollupMismatchSQL).Scan(&hist, &flows, &svc, &days, &writers); err != nil {
		t.Fatal(err)
	}
	if hist+flows+svc+days+writers != 0 {
		t.Errorf("%s: the rollup differs from the events' aggregate: %d histogram cells, %d flows, %d services, %d day counts; %d writer rows left",
			when, hist, flows, svc, days, writers)
	}
}

// graphOfStored is the file backend's graph of every stored event.
func graphOfStored(t *testing.T, s *Store) ([]byte, []byte) {
	t.Helper()
	ctx := context.Background()
	evs, err := s.Select(ctx, runtimegraph.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "stored.jsonl")
	fixture.WriteJSONL(t, p, evs)
	a, b, flows := bothGraphs(t, s, p, runtimegraph.Filter{})
	if flows == 0 {
		t.Fatal("no flows: the comparison proves nothing")
	}
	return a, b
}

// TestHealDeadWriter: a store that dies before flushing leaves its days
// out of the rollup; the next writing store's flush heals them, and so
// does a Recorder's, and a live store's days are left alone.
func TestHealDeadWriter(t *testing.T) {
	d0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, next := range []string{"ingest", "recorder"} {
		t.Run(next, func(t *testing.T) {
			u := freshSchema(t)
			dead, err := Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			load(t, dead, spread(1500, d0.Add(6*time.Hour), 2*time.Minute, "a-"), 400) // the 20th to the 22nd
			die(dead)
			s := openStore(t, u)
			live, err := Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			load(t, live, spread(50, d0.Add(80*time.Hour), time.Minute, "c-"), 50) // the 23rd, pending in a live store
			if usesRollup(t, s, runtimegraph.Filter{}) {
				t.Fatal("the rollup claims to cover the dead store's days")
			}
			switch next {
			case "ingest":
				load(t, s, spread(100, d0.Add(30*time.Hour), time.Minute, "b-"), 100)
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				healed, err := s.HealStale(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(healed) != 3 {
					t.Errorf("healed %v, want the dead store's three days", healed)
				}
			case "recorder":
				rec := s.NewRecorder(RecorderOptions{BatchSize: 10, FlushEvery: 5 * time.Millisecond, RollupEvery: 20 * time.Millisecond})
				for _, e := range spread(100, d0.Add(30*time.Hour), time.Minute, "b-") {
					rec.Record(ctx, e)
				}
				for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
					if rolledDays(t, s, plan(t, s, runtimegraph.Filter{})) == 3 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("after 30 s the Recorder's flushes have not healed the dead store's days")
					}
				}
				if err := rec.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// The live store's day is still its own to flush.
			var n int64
			if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM rollup_days WHERE stored <> rolled").Scan(&n); err != nil || n != 1 {
				t.Errorf("%d days stale (%v), want only the live store's", n, err)
			}
			if err := live.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if !usesRollup(t, s, runtimegraph.Filter{}) {
				t.Error("after the heal and the live store's flush the graph still reads the events")
			}
			checkRollupExact(t, s, "after the heal")
			if a, b := graphOfStored(t, s); !bytes.Equal(a, b) {
				t.Errorf("graphs differ\nfile:\n%s\ndb:\n%s", a, b)
			}
		})
	}
}

// TestHealThenFlush is the case that broke the rebuild withdrawn before:
// a live store holds unflushed cells of a day, the day is recomputed from
// its events (which counts them), and the store then flushes. Counting
// them again would make the day's rollup wrong while stored and rolled
// still agree after a later batch of the same size.
func TestHealThenFlush(t *testing.T) {
	ctx := context.Background()
	u := freshSchema(t)
	a := openStore(t, u)
	healer := openStore(t, u)
	d0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	load(t, a, spread(300, d0.Add(time.Hour), time.Minute, "a-"), 100)
	days, err := healer.Repair(ctx)
	if err != nil || len(days) != 1 {
		t.Fatalf("repair: %v, %v; want the one day", days, err)
	}
	checkRollupExact(t, a, "after the repair")
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkRollupExact(t, a, "after the live store's flush")
	// A batch stored while a recomputation waits on nothing: its cells
	// are the new generation's, and count.
	load(t, a, spread(300, d0.Add(8*time.Hour), time.Minute, "b-"), 300)
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkRollupExact(t, a, "after a second batch and flush")
	if a, b := graphOfStored(t, a); !bytes.Equal(a, b) {
		t.Errorf("graphs differ\nfile:\n%s\ndb:\n%s", a, b)
	}
}

// TestHealConcurrentWriters: two stores write into the same days at once,
// flushing now and then, while a third repairs the days over and over and
// a fourth, which died, left cells of them out. Afterwards the rollup
// equals a from-scratch aggregate of the events.
func TestHealConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	u := freshSchema(t)
	d0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	dead, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	load(t, dead, spread(500, d0.Add(time.Hour), 5*time.Minute, "dead-"), 100)
	die(dead)

	writers := []*Store{openStore(t, u), openStore(t, u)}
	healer := openStore(t, u)
	stop := make(chan struct{})
	var healErr error
	var heals int
	var hw sync.WaitGroup
	hw.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if heals%2 == 0 {
				_, err = healer.Repair(ctx)
			} else {
				_, err = healer.HealStale(ctx)
			}
			if err != nil {
				healErr = err
				return
			}
			heals++
		}
	})
	var ww sync.WaitGroup
	errs := make([]error, len(writers))
	for i, w := range writers {
		ww.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			// Both writers write the same days, some events of each other's
			// too (duplicates), in batches of random sizes.
			evs := spread(3000, d0.Add(2*time.Hour), 67*time.Second, fmt.Sprintf("w%d-", i))
			evs = append(evs, spread(400, d0.Add(3*time.Hour), 97*time.Second, "both-")...)
			rng.Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
			for len(evs) > 0 {
				n := min(len(evs), 1+rng.IntN(150))
				batch := make([]telemetry.Event, n)
				copy(batch, evs[:n])
				for j := range batch {
					batch[j].Normalize()
				}
				evs = evs[n:]
				if _, err := w.Write(ctx, batch); err != nil {
					errs[i] = err
					return
				}
				if rng.IntN(4) == 0 {
					if err := w.Flush(ctx); err != nil {
						errs[i] = err
						return
					}
				}
			}
		})
	}
	ww.Wait()
	close(stop)
	hw.Wait()
	for _, err := range append(errs, healErr) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if heals < 2 {
		t.Fatalf("only %d heals ran beside the writers: the race was not exercised", heals)
	}
	for _, w := range writers {
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := healer.HealStale(ctx); err != nil {
		t.Fatal(err)
	}
	if want := int64(500 + 2*3000 + 400); count(t, healer) != want {
		t.Fatalf("%d events stored, want %d", count(t, healer), want)
	}
	checkRollupExact(t, healer, fmt.Sprintf("after %d heals beside two writers", heals))
	if a, b := graphOfStored(t, healer); !bytes.Equal(a, b) {
		t.Errorf("graphs differ\nfile:\n%s\ndb:\n%s", a, b)
	}
}

// TestHealInAnyTimeZone: the rollup's hours and days are UTC's, whatever
// time zone the server or PGTZ gives the session. Under a zone half an
// hour off UTC, a heal once put a day's first half hour in the day before.
func TestHealInAnyTimeZone(t *testing.T) {
	t.Setenv("PGTZ", "Asia/Kolkata")
	ctx := context.Background()
	d1 := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	s := openStore(t, freshSchema(t))
	load(t, s, spread(200, d1.Add(-50*time.Minute), time.Minute, "tz-"), 50) // the 20th 23:10 to the 21st 02:29
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.healDay(ctx, d1); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Select(ctx, runtimegraph.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "stored.jsonl")
	fixture.WriteJSONL(t, p, evs)
	for name, f := range map[string]runtimegraph.Filter{
		"the 21st":     {Since: d1, Until: d1.Add(24 * time.Hour)},
		"the 20th":     {Since: d1.Add(-24 * time.Hour), Until: d1},
		"00:00-02:00":  {Since: d1, Until: d1.Add(2 * time.Hour)},
		"all the days": {},
	} {
		a, b, flows := bothGraphs(t, s, p, f)
		if flows == 0 {
			t.Fatalf("%s: no flows: the comparison proves nothing", name)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: graphs differ\nfile:\n%s\ndb:\n%s", name, a, b)
		}
	}
}
