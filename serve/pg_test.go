package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
)

// pgURL makes an empty schema on the test server and returns a URL whose
// search_path points at it. Without TRACEGRAPH_TEST_DATABASE_URL the test
// skips, unless TRACEGRAPH_REQUIRE_PG=1 makes that a failure.
func pgURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TRACEGRAPH_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("TRACEGRAPH_REQUIRE_PG") == "1" {
			t.Fatal("TRACEGRAPH_REQUIRE_PG=1 but TRACEGRAPH_TEST_DATABASE_URL is not set")
		}
		t.Skip("PostgreSQL tests skipped: set TRACEGRAPH_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tg_serve_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	exec := func(sql string) {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	t.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TRACEGRAPH_TEST_DATABASE_URL must be a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresServesTheSame checks that the API answers the same bytes
// from the database as from the file the database was loaded from.
func TestPostgresServesTheSame(t *testing.T) {
	ctx := context.Background()
	st, err := pgstore.Open(ctx, pgURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	files, err := OpenFiles(ctx, []string{"testdata/events.jsonl"}, runtimegraph.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := files.Select(ctx, runtimegraph.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(ctx, evs); err != nil {
		t.Fatal(err)
	}
	fromFiles := newTestServer(t, Options{Backend: files})
	fromDB := newTestServer(t, Options{Backend: st})
	for _, target := range []string{
		"/api/graph",
		"/api/graph?view=channels&where=merchant_id%3D4c5d6e7",
		"/api/graph?since=2026-11-24T10:01:00Z&until=2026-11-24T10:30:00Z&focus=inventory",
		"/api/events?service=inventory&status=error&where=merchant_id%3D4c5d6e7",
		"/api/events?type=complete&limit=1",
		"/api/flow/traces?kind=pubsub&from=catalog&to=inventory&channel=sku.updated&message_type=" + url.QueryEscape(skuUpdated),
		"/api/flow/traces?kind=pubsub&from=audit&channel=audit.log",
		"/api/trace/trace-a",
		"/api/trace/no-such-trace",
	} {
		a, b := httptest.NewRecorder(), httptest.NewRecorder()
		fromFiles.ServeHTTP(a, httptest.NewRequest("GET", target, nil))
		fromDB.ServeHTTP(b, httptest.NewRequest("GET", target, nil))
		want := 200
		if target == "/api/trace/no-such-trace" {
			want = 404
		}
		if a.Code != want {
			t.Errorf("GET %s from files: %d, want %d: %s", target, a.Code, want, a.Body)
		}
		if a.Code != b.Code || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
			t.Errorf("GET %s:\nfiles    %d %s\npostgres %d %s", target, a.Code, a.Body, b.Code, b.Body)
		}
	}
}
