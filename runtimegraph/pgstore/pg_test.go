package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testURL is the server the tests use (see internal/pgtest).
func testURL(t testing.TB) string { return pgtest.Base(t) }

// freshSchema returns a URL on an empty schema of this test's own, so tests
// running at once never see each other's tables.
func freshSchema(t testing.TB) string { return pgtest.URL(t) }

func openStore(t *testing.T, u string) *Store {
	t.Helper()
	s, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// load writes evs in batches of n through Write, as ingest does.
func load(t *testing.T, s *Store, evs []telemetry.Event, n int) BatchResult {
	t.Helper()
	var total BatchResult
	for i := 0; i < len(evs); i += n {
		b := make([]telemetry.Event, 0, n)
		for _, e := range evs[i:min(i+n, len(evs))] {
			e.Normalize()
			b = append(b, e)
		}
		r, err := s.Write(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		total.Stored += r.Stored
		total.Duplicate += r.Duplicate
	}
	return total
}

func count(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// eventSources are the files both backends are compared on: the generated
// fixture always, and the example shop's recorded events when present.
func eventSources(t *testing.T) map[string][]telemetry.Event {
	out := map[string][]telemetry.Event{"fixture": fixture.Shop(3000)}
	shop := filepath.Join("..", "..", "examples", "shop", "events.jsonl")
	if _, err := os.Stat(shop); err == nil {
		evs, st, err := runtimegraph.SelectFromFiles(context.Background(), []string{shop}, runtimegraph.Filter{}, 0, runtimegraph.ReadOptions{})
		if err != nil || st.Rejected > 0 {
			t.Fatalf("%s: %v, %d bad lines", shop, err, st.Rejected)
		}
		out["shop"] = evs
	}
	return out
}

// TestBackendsAgree: the observed graph from the database is byte-identical
// to the one from the file, and so are event query results, for every
// window and tag filter tried.
func TestBackendsAgree(t *testing.T) {
	for name, evs := range eventSources(t) {
		t.Run(name, func(t *testing.T) {
			s := openStore(t, freshSchema(t))
			p := filepath.Join(t.TempDir(), "events.jsonl")
			fixture.WriteJSONL(t, p, evs)
			if r := load(t, s, evs, 700); r.Stored != int64(len(evs)) {
				t.Fatalf("stored %d of %d", r.Stored, len(evs))
			}
			first, last := evs[0].Timestamp, evs[0].Timestamp
			merchant := ""
			for _, e := range evs {
				if e.Timestamp.Before(first) {
					first = e.Timestamp
				}
				if e.Timestamp.After(last) {
					last = e.Timestamp
				}
				if merchant == "" && e.Tags["merchant_id"] != "" {
					merchant = e.Tags["merchant_id"]
				}
			}
			mid := first.Add(last.Sub(first) / 2).Truncate(time.Microsecond)
			day := first.UTC().Truncate(24 * time.Hour)
			nextDay := last.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			filters := map[string]runtimegraph.Filter{
				"all":           {},
				"first half":    {Until: mid},
				"second half":   {Since: mid},
				"merchant":      {Where: []runtimegraph.Tag{{Key: "merchant_id", Value: merchant}}},
				"merchant+half": {Since: mid, Where: []runtimegraph.Tag{{Key: "merchant_id", Value: merchant}}},
				"no such tag":   {Where: []runtimegraph.Tag{{Key: "nope", Value: "x"}}},
				"whole days":    {Since: day, Until: nextDay},
				"from day":      {Since: day},
				"until day":     {Until: nextDay},
				"day before":    {Since: day.Add(-24 * time.Hour), Until: day},
				"merchant days": {Since: day, Until: nextDay, Where: []runtimegraph.Tag{{Key: "merchant_id", Value: merchant}}},
			}
			ctx := context.Background()
			// Before Flush every graph comes from the events; after it,
			// those of whole days without tags come from rollup. Both must
			// give the file's bytes.
			for _, flushed := range []bool{false, true} {
				if flushed {
					if err := s.Flush(ctx); err != nil {
						t.Fatal(err)
					}
				}
				for fname, f := range filters {
					a, b, flows := bothGraphs(t, s, p, f)
					if !bytes.Equal(a, b) {
						t.Errorf("%s (flushed %v): graphs differ\nfile:\n%s\ndb:\n%s", fname, flushed, a, b)
					}
					if fname == "all" && flows == 0 {
						t.Error("no flows at all: the comparison proves nothing")
					}
					// Days without events need nothing flushed to be covered.
					wantRollup := (flushed || fname == "day before") && len(f.Where) == 0 && onSlot(f.Since) && onSlot(f.Until)
					if got := usesRollup(t, s, f); got != wantRollup {
						t.Errorf("%s (flushed %v): answered from rollup %v, want %v", fname, flushed, got, wantRollup)
					}
				}
			}
			queries := map[string]runtimegraph.Filter{
				"failed inventory for merchant": {Service: "inventory", Status: "error", Where: []runtimegraph.Tag{{Key: "merchant_id", Value: merchant}}},
				"consumes in second half":       {EventType: "consume", Since: mid},
				"one trace":                     {TraceID: evs[len(evs)/2].TraceID},
				"channel and type":              {Channel: evs[1].Channel, MessageType: evs[1].MessageType},
				"operation":                     {Operation: evs[0].Operation},
				"all":                           {},
			}
			for qname, f := range queries {
				for _, limit := range []int{0, 5} {
					fromFile, _, err := runtimegraph.SelectFromFiles(ctx, []string{p}, f, limit, runtimegraph.ReadOptions{})
					if err != nil {
						t.Fatal(err)
					}
					fromDB, err := s.Select(ctx, f, limit)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(fromFile, fromDB) {
						t.Errorf("%s (limit %d): %d events from file, %d from db, or they differ", qname, limit, len(fromFile), len(fromDB))
					}
					if qname == "all" && limit == 0 && len(fromDB) != len(evs) {
						t.Errorf("all: %d events, want %d", len(fromDB), len(evs))
					}
				}
			}
		})
	}
}

// bothGraphs returns the graph of f from the events file at path and from
// s, encoded, and how many flows the file's has.
func bothGraphs(t *testing.T, s *Store, path string, f runtimegraph.Filter) (fromFile, fromDB []byte, flows int) {
	t.Helper()
	ctx := context.Background()
	gf, _, err := runtimegraph.FromFiles(ctx, []string{path}, f, runtimegraph.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gd, err := s.Graph(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if fromFile, err = topology.Marshal(gf); err != nil {
		t.Fatal(err)
	}
	if fromDB, err = topology.Marshal(gd); err != nil {
		t.Fatal(err)
	}
	return fromFile, fromDB, len(gf.Flows)
}

// usesRollup reports whether Graph answers f from rollup alone.
func usesRollup(t *testing.T, s *Store, f runtimegraph.Filter) bool {
	t.Helper()
	p := plan(t, s, f)
	return !p.eventsOnly && len(p.raw) == 0
}

// plan is the graphPlan Graph follows for f.
func plan(t *testing.T, s *Store, f runtimegraph.Filter) graphPlan {
	t.Helper()
	var p graphPlan
	err := pgx.BeginFunc(context.Background(), s.pool, func(tx pgx.Tx) error {
		var err error
		p, err = planGraph(context.Background(), tx, f.GraphOnly())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// onSlot reports whether t is unset or a UTC boundary of a slot of minutes
// (slotLength): a window of such bounds is read from the rollup alone.
func onSlot(t time.Time) bool {
	return t.IsZero() || t.Equal(t.UTC().Truncate(slotLength))
}

// TestIngestTwice: a second load of the same events stores nothing and says
// every event was a duplicate; repeats inside one batch are stored once.
func TestIngestTwice(t *testing.T) {
	s := openStore(t, freshSchema(t))
	evs := fixture.Shop(2000)
	if r := load(t, s, evs, 300); r.Stored != 2000 || r.Duplicate != 0 {
		t.Fatalf("first load %+v", r)
	}
	if r := load(t, s, evs, 450); r.Stored != 0 || r.Duplicate != 2000 {
		t.Fatalf("second load %+v", r)
	}
	if n := count(t, s); n != 2000 {
		t.Fatalf("%d rows after two loads, want 2000", n)
	}
	// A batch mixing new events, stored ones and an in-batch repeat.
	more := fixture.Shop(2100)[1990:]
	more = append(more, more[len(more)-1])
	r := load(t, s, more, len(more))
	if r.Stored != 100 || r.Duplicate != 11 {
		t.Errorf("mixed batch %+v, want 100 stored and 11 duplicates", r)
	}
	if n := count(t, s); n != 2100 {
		t.Errorf("%d rows, want 2100", n)
	}
	// The rollup counted each stored event once: it covers the table.
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var stored, rolled int64
	if err := s.pool.QueryRow(context.Background(), "SELECT sum(stored), sum(rolled) FROM rollup_days").Scan(&stored, &rolled); err != nil {
		t.Fatal(err)
	}
	if stored != 2100 || rolled != 2100 {
		t.Errorf("rollup_days: stored %d, rolled %d, want 2100 and 2100", stored, rolled)
	}
}

// TestInterruptedIngest kills the ingesting connection in the middle of a
// COPY from a second connection. The committed batches stay, the batch in
// flight is rolled back, and a rerun stores the rest with no duplicate and
// no loss.
func TestInterruptedIngest(t *testing.T) {
	u := freshSchema(t)
	s := openStore(t, u)
	evs := fixture.Shop(60_000)
	const batch = 10_000
	load(t, s, evs[:3*batch], batch)
	if n := count(t, s); n != 3*batch {
		t.Fatalf("%d rows after three batches", n)
	}

	// The fourth batch is big, so its COPY is still running when it is killed.
	big := append([]telemetry.Event(nil), evs[3*batch:]...)
	for i := range big {
		big[i].Normalize()
	}
	app := mustAppName(t, u)
	ctx := context.Background()
	killer, err := pgx.Connect(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(ctx)
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() { _, writeErr = s.Write(ctx, big) })
	killed := false
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !killed; {
		var n int
		err := killer.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1 AND query LIKE 'COPY events%' AND state = 'active'`, app).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		killed = n > 0
	}
	wg.Wait()
	if !killed {
		t.Skip("the COPY finished before it could be killed; nothing to test on this machine")
	}
	if writeErr == nil {
		t.Fatal("Write succeeded although its connection was killed")
	}
	if n := count(t, s); n != 3*batch {
		t.Fatalf("%d rows after the kill, want the %d committed", n, 3*batch)
	}

	s2 := openStore(t, u)
	r := load(t, s2, evs, batch)
	if r.Stored != int64(len(evs)-3*batch) || r.Duplicate != 3*batch {
		t.Errorf("rerun %+v, want %d stored and %d duplicates", r, len(evs)-3*batch, 3*batch)
	}
	got, err := s2.Select(ctx, runtimegraph.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(evs) {
		t.Fatalf("%d events after rerun, want %d", len(got), len(evs))
	}
	for i := range got {
		if got[i].EventID != evs[i].EventID {
			t.Fatalf("event %d is %s, want %s", i, got[i].EventID, evs[i].EventID)
		}
	}
}

func mustAppName(t *testing.T, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Query().Get("application_name")
}

// TestUnreachable: a server nobody listens on gives a one-line error naming
// host and port, never the password, well within the connect timeout.
func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://tracegraph:s3cr3t-pw@127.0.0.1:1/events?sslmode=disable")
	if err == nil {
		t.Fatal("Open succeeded on port 1")
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1") {
		t.Errorf("error %q does not name the server", msg)
	}
	if strings.Contains(msg, "s3cr3t-pw") {
		t.Errorf("error %q shows the password", msg)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line", msg)
	}
	if ctx.Err() != nil {
		t.Errorf("Open took the whole 10 s: %v", ctx.Err())
	}
	if _, err := Open(ctx, "postgres://a:b@[::1"); err == nil || strings.Contains(err.Error(), ":b@") {
		t.Errorf("bad URL: error %v", err)
	}
}

// TestInjection: filter values full of quotes and SQL are parameters: they
// match nothing and change nothing.
func TestInjection(t *testing.T) {
	s := openStore(t, freshSchema(t))
	evs := fixture.Shop(500)
	load(t, s, evs, 500)
	ctx := context.Background()
	evil := []string{
		`x' OR '1'='1`,
		`'); DROP TABLE events; --`,
		`"}' OR tags IS NOT NULL OR '{"a":"`,
		`4c5d6e7' OR 1=1 --`,
	}
	for _, v := range evil {
		for _, f := range []runtimegraph.Filter{
			{Where: []runtimegraph.Tag{{Key: "merchant_id", Value: v}}},
			{Where: []runtimegraph.Tag{{Key: v, Value: "4c5d6e7"}}},
			{Service: v}, {Channel: v}, {TraceID: v}, {Status: v},
		} {
			if len(f.Where) > 0 { // the graph takes only window and tag filters
				g, err := s.Graph(ctx, f)
				if err != nil {
					t.Fatalf("%q: %v", v, err)
				}
				if len(g.Flows) != 0 || len(g.Services) != 0 {
					t.Errorf("%q matched %d flows", v, len(g.Flows))
				}
			}
			got, err := s.Select(ctx, f, 0)
			if err != nil {
				t.Fatalf("%q: %v", v, err)
			}
			if len(got) != 0 {
				t.Errorf("%q matched %d events", v, len(got))
			}
		}
	}
	if n := count(t, s); n != 500 {
		t.Errorf("%d rows, want 500", n)
	}
}

// TestMigrateConcurrently: stores opening one empty schema at once all
// succeed and agree on the version.
func TestMigrateConcurrently(t *testing.T) {
	u := freshSchema(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(context.Background(), u)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, u)
	v, err := s.Version(context.Background())
	ms, _ := migrations()
	if err != nil || v != ms[len(ms)-1].version {
		t.Errorf("Version() = %d, %v; want %d", v, err, ms[len(ms)-1].version)
	}
}

// TestPartitions: events of different days land in daily partitions made on
// arrival, including days before 1970.
func TestPartitions(t *testing.T) {
	s := openStore(t, freshSchema(t))
	var evs []telemetry.Event
	for i, ts := range []string{"2026-11-24T23:59:59.999999Z", "2026-11-25T00:00:00Z", "1969-12-31T12:00:00Z", "2026-11-26T08:00:00+09:00", "0900-01-01T00:00:00Z"} {
		tm, _ := time.Parse(time.RFC3339Nano, ts)
		evs = append(evs, telemetry.Event{EventID: fmt.Sprint(i), EventType: "start", Service: "s", Timestamp: tm})
	}
	load(t, s, evs, 10)
	var parts []string
	rows, err := s.pool.Query(context.Background(), `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'events'::regclass ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	parts, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"events_19691231", "events_20261124", "events_20261125", "events_b390809"}
	if !reflect.DeepEqual(parts, want) {
		t.Errorf("partitions %v, want %v", parts, want)
	}
}

func TestCheck(t *testing.T) {
	ok := telemetry.Event{EventID: "e", EventType: "x", Service: "s", Tags: map[string]string{"k": "v"}}
	if err := Check(&ok); err != nil {
		t.Error(err)
	}
	for _, e := range []telemetry.Event{
		{EventID: "e", Service: "s\x00"},
		{EventID: "e", ParentIDs: []string{"a", "\x00"}},
		{EventID: "e", Tags: map[string]string{"k\x00": "v"}},
		{EventID: "e", Error: "boom\x00"},
	} {
		if err := Check(&e); err == nil {
			t.Errorf("Check(%+v) accepted a NUL", e)
		}
	}
}
