package serve

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgURL returns a URL on an empty schema of this test's own (see
// internal/pgtest).
func pgURL(t *testing.T) string { return pgtest.URL(t) }

// TestPostgresServesTheSame checks that the API answers the same bytes
// from the database as from the file the database was loaded from.
func TestPostgresServesTheSame(t *testing.T) {
	ctx := context.Background()
	st, err := pgstore.Open(ctx, pgURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	files, err := OpenFiles(ctx, []string{"testdata/events.jsonl"}, FilesOptions{})
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
		// The empty-window answers ask the store again (whyEmpty).
		"/api/graph?since=2020-01-01&until=2020-01-02",
		"/api/graph?where=merchant_id%3Dnobody",
		"/api/graph?since=2026-11-24T10:00:00Z&until=2026-11-24T10:00:00.001Z",
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
	// Text no event can hold is a 400 with its reason from either backend,
	// never PostgreSQL's error as a 500.
	for _, target := range []string{"/api/events?service=%FF", "/api/graph?where=merchant_id%3D%00", "/api/trace/%FF",
		"/api/flow/traces?kind=pubsub&from=%FF&channel=x"} {
		a, b := httptest.NewRecorder(), httptest.NewRecorder()
		fromFiles.ServeHTTP(a, httptest.NewRequest("GET", target, nil))
		fromDB.ServeHTTP(b, httptest.NewRequest("GET", target, nil))
		if a.Code != 400 || b.Code != 400 || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
			t.Errorf("GET %s: files %d %s, postgres %d %s; want the same 400", target, a.Code, a.Body, b.Code, b.Body)
		}
	}
	// Equal bytes could still be equally wrong: the database must give
	// each reason for an empty graph by itself.
	for query, want := range map[string]string{
		"since=2020-01-01&until=2020-01-02":                         "window",
		"where=merchant_id%3Dnobody":                                "filter",
		"since=2026-11-24T10:00:00Z&until=2026-11-24T10:00:00.001Z": "flows",
		"": "",
	} {
		var resp graphResponse
		get(t, fromDB, "/api/graph?"+query, 200, &resp)
		if resp.Empty != want {
			t.Errorf("postgres /api/graph?%s: empty %q, want %q", query, resp.Empty, want)
		}
	}
}
