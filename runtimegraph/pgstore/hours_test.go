package pgstore

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
)

// TestHoursMigration: a store rolled up before migration 0009 has daily
// cells and no hourly ones. After the migration its whole days are still
// read from the daily cells and its hours from the events, with the file
// backend's bytes; the next HealStale builds the hourly cells, after which
// whole hours come from them and the rollup equals a from-scratch
// aggregate in every table.
func TestHoursMigration(t *testing.T) {
	// What a store of schema version 8 holds: the same daily cells, no
	// hourly or minute tables, no hourly or minutely column.
	d0 := migrationDay
	s, p := migrated(t, `DROP TABLE rollup_hour_flows, rollup_hour_services, rollup_minute_flows;
		ALTER TABLE rollup_days DROP COLUMN hourly, DROP COLUMN minutely; DELETE FROM schema_migrations WHERE version >= 9`)
	windows := map[string]runtimegraph.Filter{
		"whole day":       {Since: d0.Add(dayLength), Until: d0.Add(2 * dayLength)},
		"hours":           {Since: d0.Add(30 * time.Hour), Until: d0.Add(40 * time.Hour)},
		"days and hours":  {Since: d0.Add(9 * time.Hour)},
		"mid-hour window": {Since: d0.Add(9*time.Hour + 17*time.Minute), Until: d0.Add(50*time.Hour + 3*time.Minute)},
	}
	checkPlan := func(when, name string, f runtimegraph.Filter, wantHourly bool) {
		pl := plan(t, s, f)
		if name == "whole day" && (len(pl.raw) != 0 || rolledDays(t, s, pl) != 1) {
			t.Errorf("%s, %s: plan %+v, want the daily cells alone", when, name, pl)
		}
		if name == "hours" && usesRollup(t, s, f) != wantHourly {
			t.Errorf("%s, %s: answered from the rollup alone %v, want %v", when, name, !wantHourly, wantHourly)
		}
	}
	healAfterMigration(t, s, p, windows, checkPlan)
}

// TestMinutesMigration: a store rolled up before migration 0010 has daily
// and hourly cells and no minute ones. After the migration a window whose
// ends fall inside hours reads those minutes from the events, with the file
// backend's bytes; the next HealStale builds the minute cells, after which
// they come from them and the rollup equals a from-scratch aggregate in
// every table.
func TestMinutesMigration(t *testing.T) {
	// What a store of schema version 9 holds: the same daily and hourly
	// cells, no minute ones, no minute masks, no minutely column.
	d0 := migrationDay
	s, p := migrated(t, `DROP TABLE rollup_minute_flows;
		ALTER TABLE rollup_hour_services DROP COLUMN minutes, DROP COLUMN real_peer_minutes, DROP COLUMN real_service_minutes;
		ALTER TABLE rollup_days DROP COLUMN minutely; DELETE FROM schema_migrations WHERE version = 10`)
	windows := map[string]runtimegraph.Filter{
		"hours":           {Since: d0.Add(30 * time.Hour), Until: d0.Add(40 * time.Hour)},
		"mid-hour window": {Since: d0.Add(9*time.Hour + 15*time.Minute), Until: d0.Add(50*time.Hour + 5*time.Minute)},
		"minutes":         {Since: d0.Add(30*time.Hour + 5*time.Minute), Until: d0.Add(30*time.Hour + 55*time.Minute)},
	}
	checkPlan := func(when, name string, f runtimegraph.Filter, wantMinutes bool) {
		if name == "hours" && !usesRollup(t, s, f) {
			t.Errorf("%s, %s: whole hours not answered from the rollup alone", when, name)
		}
		if name != "hours" && usesRollup(t, s, f) != wantMinutes {
			t.Errorf("%s, %s: answered from the rollup alone %v, want %v", when, name, !wantMinutes, wantMinutes)
		}
	}
	healAfterMigration(t, s, p, windows, checkPlan)
}

// migrationDay is the first day of migrated's events.
var migrationDay = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// migrated loads 1,500 events from migrationDay 06:00 to two days later
// 08:00 into a fresh schema, makes it what an older schema held with the
// SQL undo, and opens it again, which migrates it. It returns the store and
// a JSONL file of the same events.
func migrated(t *testing.T, undo string) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	u := freshSchema(t)
	evs := spread(1500, migrationDay.Add(6*time.Hour), 2*time.Minute, "a-")
	old := openStore(t, u)
	load(t, old, evs, 400)
	if err := old.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := old.pool.Exec(ctx, undo); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s := openStore(t, u)
	p := filepath.Join(t.TempDir(), "events.jsonl")
	fixture.WriteJSONL(t, p, evs)
	return s, p
}

// healAfterMigration checks a store as a migration left it, heals it (the
// three days rolled up before the migration must be healed) and checks it
// again. A check compares each window's graph from the store with the file
// p's, then calls checkPlan, whose last argument says whether the
// migration's cells are there.
func healAfterMigration(t *testing.T, s *Store, p string, windows map[string]runtimegraph.Filter,
	checkPlan func(when, name string, f runtimegraph.Filter, built bool)) {
	t.Helper()
	check := func(when string, built bool) {
		t.Helper()
		for name, f := range windows {
			a, b, flows := bothGraphs(t, s, p, f)
			if !bytes.Equal(a, b) || flows == 0 {
				t.Errorf("%s, %s: graphs differ or have no flows\nfile:\n%s\ndb:\n%s", when, name, a, b)
			}
			checkPlan(when, name, f, built)
		}
	}
	check("after the migration", false)
	healed, err := s.HealStale(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(healed) != 3 {
		t.Errorf("healed %v, want the three days rolled up before the migration", healed)
	}
	checkRollupExact(t, s, "after the heal")
	check("after the heal", true)
}
