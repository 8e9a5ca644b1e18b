package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestRebuildRollupCLI: a load whose rollup was lost is named by the next
// ingest, and ingest --rebuild-rollup recomputes it; the graph is the
// file's before and after.
func TestRebuildRollupCLI(t *testing.T) {
	db := pgURL(t)
	if code, _, errs := tg(t, "ingest", "--db", db, shopEvents); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	if code, out, _ := tg(t, "ingest", "--db", db, "--rebuild-rollup"); code != 0 || out != "rollup rebuilt for 0 days\n" {
		t.Errorf("rebuild of a whole rollup: exit %d, %q", code, out)
	}
	// What a load killed before its flush leaves: events counted as stored,
	// none rolled up.
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(context.Background(), "DELETE FROM rollup_flows; DELETE FROM rollup_hist; DELETE FROM rollup_services; UPDATE rollup_days SET rolled = 0")
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := tg(t, "observed", "--events", shopEvents, "-f", "json")
	if _, got, _ := tg(t, "observed", "--db", db, "-f", "json"); got != want {
		t.Errorf("graph without the rollup differs from the file's:\n%s", got)
	}
	code, _, errs := tg(t, "ingest", "--db", db, shopEvents)
	if code != 0 || !strings.Contains(errs, "1 day(s) (first 2026-11-24) are not in the graph rollup") || !strings.Contains(errs, "--rebuild-rollup") {
		t.Errorf("ingest over a lost rollup: exit %d, stderr %q; want a note naming the day and the fix", code, errs)
	}
	if code, out, errs := tg(t, "ingest", "--db", db, "--rebuild-rollup"); code != 0 || out != "rollup rebuilt for 1 day: 2026-11-24\n" {
		t.Errorf("rebuild: exit %d, %q (%s)", code, out, errs)
	}
	if _, got, _ := tg(t, "observed", "--db", db, "-f", "json"); got != want {
		t.Errorf("graph after the rebuild differs from the file's:\n%s", got)
	}
	if _, _, errs := tg(t, "ingest", "--db", db, shopEvents); strings.Contains(errs, "rollup") {
		t.Errorf("ingest after the rebuild still notes a stale rollup: %q", errs)
	}
	for _, args := range [][]string{
		{"ingest", "--db", db},
		{"ingest", "--db", db, "--rebuild-rollup", shopEvents},
	} {
		if code, _, errs := tg(t, args...); code != exitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args[2:], code, errs)
		}
	}
}
