package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/topology"
)

// tg runs the CLI and returns its exit code, stdout and stderr, as main
// would produce them.
func tg(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	code := exitOK
	if err != nil {
		code = exitUsage
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		fmt.Fprintln(&errb, "tracegraph: "+err.Error())
	}
	return code, out.String(), errb.String()
}

const shopEvents = "../../examples/shop/events.jsonl"

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgURL gives a database URL on a fresh schema, or skips.
func pgURL(t *testing.T) string { return pgtest.URL(t) }

func TestDBMatchesFiles(t *testing.T) {
	db := pgURL(t)
	code, out, errs := tg(t, "ingest", "--db", db, shopEvents)
	if code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	lines := strings.Count(mustRead(t, shopEvents), "\n")
	if want := fmt.Sprintf("read %d, stored %d, duplicate 0, rejected 0\n", lines, lines); out != want {
		t.Errorf("ingest printed %q, want %q", out, want)
	}
	code, out, _ = tg(t, "ingest", "--db", db, shopEvents)
	if want := fmt.Sprintf("read %d, stored 0, duplicate %d, rejected 0\n", lines, lines); code != 0 || out != want {
		t.Errorf("second ingest: exit %d, %q; want %q", code, out, want)
	}
	_, jsonl, _ := tg(t, "events", "--events", shopEvents, "-f", "jsonl", "--limit", "1")
	trace := jsonField(t, jsonl, "trace_id")
	for _, args := range [][]string{
		{"observed", "-f", "json"},
		{"observed", "-f", "text", "--where", "merchant_id=4c5d6e7"},
		{"events", "--service", "inventory", "--status", "error", "--where", "merchant_id=4c5d6e7"},
		{"events", "-f", "jsonl", "--type", "consume", "--since", "2026-11-24T09:02:00Z"},
		{"trace", trace},
	} {
		fc, fromFile, ferr := tg(t, append(args, "--events", shopEvents)...)
		dc, fromDB, derr := tg(t, append(args, "--db", db)...)
		if fc != 0 || dc != 0 {
			t.Fatalf("%v: exit %d (%s) and %d (%s)", args, fc, ferr, dc, derr)
		}
		if fromFile != fromDB {
			t.Errorf("%v: output differs\nfile:\n%s\ndb:\n%s", args, fromFile, fromDB)
		}
		if len(fromFile) < 100 {
			t.Errorf("%v: output too short to prove anything: %q", args, fromFile)
		}
	}
}

// TestIngestMalformed: every good line is stored, the first 20 bad lines
// are named file:line in order, then the count; exit 2.
func TestIngestMalformed(t *testing.T) {
	db := pgURL(t)
	good := strings.SplitAfter(strings.TrimSpace(mustRead(t, shopEvents)), "\n")[:200]
	var b strings.Builder
	var bad []int
	n := 0
	for i, l := range good {
		b.WriteString(strings.TrimRight(l, "\n") + "\n")
		n++
		if i%8 == 0 {
			b.WriteString(`{"event_id": "broken` + "\n")
			n++
			bad = append(bad, n)
		}
	}
	p := filepath.Join(t.TempDir(), "mixed.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tg(t, "ingest", "--db", db, p)
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	if want := fmt.Sprintf("read %d, stored %d, duplicate 0, rejected %d\n", len(good)+len(bad), len(good), len(bad)); out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	errLines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(errLines) != 21 {
		t.Fatalf("stderr has %d lines, want 20 named and 1 summary:\n%s", len(errLines), errs)
	}
	for i := range 20 {
		if prefix := fmt.Sprintf("%s:%d: ", p, bad[i]); !strings.HasPrefix(errLines[i], prefix) {
			t.Errorf("line %d %q, want prefix %q", i, errLines[i], prefix)
		}
	}
	if !strings.Contains(errLines[20], fmt.Sprintf("%d bad lines", len(bad))) {
		t.Errorf("summary %q does not give the count %d", errLines[20], len(bad))
	}
	code, out, _ = tg(t, "events", "--db", db, "-f", "jsonl")
	if code != 0 || strings.Count(out, "\n") != len(good) {
		t.Errorf("events: exit %d, %d events stored, want %d", code, strings.Count(out, "\n"), len(good))
	}
}

// TestUnreachableCLI: one line on stderr naming host and port, no password,
// exit 2.
func TestUnreachableCLI(t *testing.T) {
	code, _, errs := tg(t, "observed", "--db", "postgres://me:hunter2-secret@127.0.0.1:1/events?connect_timeout=3")
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	if strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "127.0.0.1:1") || strings.Contains(errs, "hunter2") {
		t.Errorf("stderr %q: want one line naming 127.0.0.1:1 without the password", errs)
	}
}

func TestSourceInputErrors(t *testing.T) {
	t.Setenv("TRACEGRAPH_DATABASE_URL", "")
	t.Setenv("DATABASE_URL", "")
	for _, v := range []string{"PGHOST", "PGDATABASE", "PGSERVICE", "PGPORT", "PGUSER"} {
		t.Setenv(v, "")
	}
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"observed"}, "give --events FILE"},
		{[]string{"observed", "--events", missing}, "missing.jsonl"},
		{[]string{"observed", "--events", shopEvents, "--where", "merchant_id"}, "key=value"},
		{[]string{"observed", "--events", shopEvents, "--since", "last week"}, "--since"},
		{[]string{"observed", "--events", shopEvents, "--since", "1h", "--until", "2h"}, "--until must be after --since"},
		{[]string{"events", "--events", shopEvents, "-f", "xml"}, "text or jsonl"},
		{[]string{"trace", "no-such-trace", "--events", shopEvents}, "no events for trace"},
		{[]string{"ingest", missing}, "missing.jsonl"},
		{[]string{"observed", "--events", shopEvents, "--input-format", "bogus"}, `unknown input format "bogus"`},
		{[]string{"observed", "--events", shopEvents, "--input-format", "zipkin"}, "opening a Zipkin span array"},
	}
	for _, tt := range tests {
		code, _, errs := tg(t, tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.msg) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line containing %q", tt.args, code, errs, tt.msg)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonField(t *testing.T, line, field string) string {
	t.Helper()
	key := `"` + field + `":"`
	i := strings.Index(line, key)
	if i < 0 {
		t.Fatalf("no %s in %q", field, line)
	}
	rest := line[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

// A span export is read by content, and --input-format names a format
// outright; both give the same flows.
func TestObservedSpanExport(t *testing.T) {
	const corpus = "../../runtimegraph/spans/testdata/corpora/zipkin/messaging.json"
	var outs []string
	for _, extra := range [][]string{nil, {"--input-format", "zipkin"}} {
		args := append([]string{"observed", "--events", corpus, "-f", "json"}, extra...)
		code, out, errs := tg(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		g, err := topology.Decode(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range g.Flows {
			if f.From == "frontend" && f.To == "backend" && f.Channel == "backend" && f.Kind == topology.KindPubSub {
				found = true
			}
		}
		if !found {
			t.Errorf("%v: no frontend -> backend flow on queue backend in %+v", args, g.Flows)
		}
		outs = append(outs, out)
	}
	if outs[0] != outs[1] {
		t.Error("detected and forced formats give different graphs")
	}
}

// --brokers draws the queue of messaging.json as Zipkin does, in observed
// and in render, and changes nothing else.
func TestBrokersFlag(t *testing.T) {
	const corpus = "../../runtimegraph/spans/testdata/corpora/zipkin/messaging.json"
	code, direct, errs := tg(t, "observed", "--events", corpus, "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	graphFile := filepath.Join(t.TempDir(), "observed.json")
	if err := os.WriteFile(graphFile, []byte(direct), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"observed", "--events", corpus, "-f", "json", "--brokers"},
		{"render", graphFile, "-f", "json", "--brokers"},
	} {
		code, out, errs := tg(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		g, err := topology.Decode(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range g.Flows {
			got = append(got, f.Kind+" "+f.From+" -> "+f.To+" "+f.Channel)
		}
		want := []string{"reqrep  -> frontend GET /", "pubsub frontend -> rabbitmq backend", "pubsub rabbitmq -> backend backend"}
		if !slices.Equal(got, want) {
			t.Errorf("%v: flows %q, want %q", args, got, want)
		}
		if s := g.Service("rabbitmq"); s == nil || !s.Virtual {
			t.Errorf("%v: the broker is %+v, want a virtual service", args, s)
		}
	}
}

// Span exports give the same graph and events from files and from the
// database, and a peer only named by the spans that reach it (the broker of
// messaging2.json) stays a virtual service either way.
func TestSpanExportDBMatchesFiles(t *testing.T) {
	const corpus = "../../runtimegraph/spans/testdata/corpora/zipkin/messaging2.json"
	db := pgURL(t)
	if code, _, errs := tg(t, "ingest", "--db", db, corpus); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	for _, args := range [][]string{
		{"observed", "-f", "json"},
		{"observed", "-f", "json", "--since", "2018-01-01", "--until", "2030-01-01"},
		{"events", "-f", "jsonl"},
	} {
		fc, fromFile, ferr := tg(t, append(args, "--events", corpus)...)
		dc, fromDB, derr := tg(t, append(args, "--db", db)...)
		if fc != 0 || dc != 0 {
			t.Fatalf("%v: exit %d (%s) and %d (%s)", args, fc, ferr, dc, derr)
		}
		if fromFile != fromDB {
			t.Errorf("%v: output differs\nfile:\n%s\ndb:\n%s", args, fromFile, fromDB)
		}
		if args[0] != "observed" {
			continue
		}
		g, err := topology.Decode(strings.NewReader(fromDB))
		if err != nil {
			t.Fatal(err)
		}
		virtual := map[string]bool{}
		for _, s := range g.Services {
			virtual[s.Name] = s.Virtual
		}
		if !virtual["rabbitmq"] || virtual["notification-service"] || virtual["transfer-service"] {
			t.Errorf("%v: virtual services %v, want only rabbitmq", args, virtual)
		}
	}
}

// A filter value no event can hold is an input error naming it, from a
// file and from the database alike, never PostgreSQL's raw error.
func TestFilterTextCLI(t *testing.T) {
	db := pgURL(t)
	for _, src := range [][]string{{"--events", shopEvents}, {"--db", db}} {
		for _, args := range [][]string{
			{"events", "--service", "\xff"},
			{"events", "--where", "merchant_id=a\x00b"},
			{"observed", "--where", "k=\xff"},
			{"trace", "\xff"},
		} {
			code, _, errs := tg(t, append(args, src...)...)
			if code != exitUsage || !strings.Contains(errs, "not valid UTF-8") && !strings.Contains(errs, "NUL") {
				t.Errorf("%q %v: exit %d, stderr %q; want 2 naming the bad text", args, src[0], code, errs)
			}
		}
	}
}

// Once the schema is current, read commands need nothing but SELECT; a
// role that may only read is told clearly when the schema is behind.
func TestReadOnlyRole(t *testing.T) {
	ctx := context.Background()
	db := pgURL(t)
	if code, _, errs := tg(t, "ingest", "--db", db, shopEvents); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	role := "ro_" + schema
	owner, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	for _, sql := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
	} {
		if _, err := owner.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		owner.Exec(ctx, "REVOKE ALL ON ALL TABLES IN SCHEMA "+schema+" FROM "+role)
		owner.Exec(ctx, "REVOKE ALL ON SCHEMA "+schema+" FROM "+role)
		owner.Exec(ctx, "DROP ROLE "+role)
	})
	u.User = url.User(role)
	ro := u.String()

	_, want, _ := tg(t, "observed", "--db", db)
	code, got, errs := tg(t, "observed", "--db", ro)
	if code != exitOK || got != want {
		t.Errorf("observed as a read-only role: exit %d, stderr %s; same graph %v", code, errs, got == want)
	}
	if code, _, errs := tg(t, "events", "--db", ro, "--limit", "1"); code != exitOK {
		t.Errorf("events as a read-only role: exit %d: %s", code, errs)
	}

	if _, err := owner.Exec(ctx, "DELETE FROM "+schema+".schema_migrations WHERE version = (SELECT max(version) FROM "+schema+".schema_migrations)"); err != nil {
		t.Fatal(err)
	}
	code, _, errs = tg(t, "observed", "--db", ro)
	if code != exitUsage || !strings.Contains(errs, "may not") || !strings.Contains(errs, "needs") {
		t.Errorf("observed as a read-only role on an old schema: exit %d, stderr %q; want 2 saying the schema is behind", code, errs)
	}
}

// A gzip file cut off in its middle: the whole lines before the cut are
// stored and counted, the error names the place, the bad lines of an
// earlier file are still listed, and ingesting the whole file later stores
// only the rest.
func TestIngestTruncatedGzip(t *testing.T) {
	db := pgURL(t)
	dir := t.TempDir()
	data, err := os.ReadFile(shopEvents)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	whole, cut, bad := filepath.Join(dir, "whole.jsonl.gz"), filepath.Join(dir, "cut.jsonl.gz"), filepath.Join(dir, "bad.jsonl")
	for p, b := range map[string][]byte{whole: gz.Bytes(), cut: gz.Bytes()[:gz.Len()/3], bad: []byte("{not json\n")} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := tg(t, "ingest", "--db", db, bad, cut)
	var read, stored int
	fmt.Sscanf(out, "read %d, stored %d", &read, &stored)
	if code != exitUsage || stored == 0 || stored != read-1 || !strings.Contains(errs, "cut.jsonl.gz:") || !strings.Contains(errs, "bad.jsonl:1:") {
		t.Fatalf("exit %d, out %q, stderr %q; want 2, the lines before the cut stored, the cut and the bad line both named", code, out, errs)
	}
	code, out, errs = tg(t, "ingest", "--db", db, whole)
	total := bytes.Count(data, []byte("\n"))
	if want := fmt.Sprintf("read %d, stored %d, duplicate %d, rejected 0", total, total-stored, stored); code != exitOK || !strings.Contains(out, want) {
		t.Errorf("the whole file after the cut one: exit %d, %q (stderr %s); want %q", code, out, errs, want)
	}
}
