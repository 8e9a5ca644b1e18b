package serve

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
)

// FuzzQuery sends arbitrary query strings and trace ids to every route: a
// request may be refused or redirected, but never answered with a server
// error, and a refusal always carries a JSON message.
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		"", "view=messages", "since=24h&until=2026-11-24", "where=merchant_id%3D4c5d6e7&where=a%3Db",
		"focus=catalog&depth=3", "limit=0", "since=%zz", "view=services&view=services", "kind=pubsub&from=a",
		"until=1d&since=2d", "depth=99999999999999999999",
	} {
		f.Add(seed, "trace-a")
	}
	s := newTestServer(f, Options{})
	f.Fuzz(func(t *testing.T, query, id string) {
		for _, path := range []string{"/api/graph", "/api/events", "/api/flow/traces", "/api/info", "/api/trace/" + id} {
			req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1"+path+"?"+query, nil)
			if err != nil {
				continue // not a URL a client could send
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			switch {
			case rec.Code >= 300 && rec.Code < 400:
				// The mux redirects unclean paths ("/api/trace/.") to clean ones.
			case rec.Code >= 500:
				t.Fatalf("GET %s?%s: %d %s", path, query, rec.Code, rec.Body)
			case rec.Code != http.StatusOK && !jsonError(rec.Body.Bytes()):
				t.Fatalf("GET %s?%s: %d without a JSON error: %s", path, query, rec.Code, rec.Body)
			}
		}
	})
}

// fuzzRoutes are the routes a query string reaches, and the trace route
// with an id of the fuzzer's.
func fuzzRoutes(id string) []string {
	return []string{"/api/graph", "/api/events", "/api/flow/traces", "/api/info", "/api/trace/" + url.PathEscape(id)}
}

// FuzzQueryPostgres sends arbitrary query strings and trace ids, invalid
// UTF-8 and NUL among them, to the database backend and to the file
// backend holding the same events. The database never answers a server
// error, and answers every request with the file backend's status and
// bytes: the same events match, and the same text is refused the same
// way. Without PostgreSQL it skips, unless TRACEGRAPH_REQUIRE_PG=1.
//
// Seeds are the queries of testdata/pg-fuzz-seeds.txt (query<TAB>trace id)
// and the windows of the runtimegraph window fuzzer.
func FuzzQueryPostgres(f *testing.F) {
	ctx := context.Background()
	st, err := pgstore.Open(ctx, pgtest.URL(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	files, err := OpenFiles(ctx, []string{"testdata/events.jsonl"}, FilesOptions{})
	if err != nil {
		f.Fatal(err)
	}
	evs, err := files.Select(ctx, runtimegraph.Filter{}, 0)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.Write(ctx, evs); err != nil {
		f.Fatal(err)
	}
	if err := st.Flush(ctx); err != nil {
		f.Fatal(err)
	}
	seeds, err := os.ReadFile("testdata/pg-fuzz-seeds.txt")
	if err != nil {
		f.Fatalf("seeds: %v", err)
	}
	for line := range strings.Lines(string(seeds)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		query, id, _ := strings.Cut(line, "\t")
		f.Add(query, id)
	}
	windows, err := os.ReadFile("../runtimegraph/testdata/window-seeds.tsv")
	if err != nil {
		f.Fatalf("seeds: %v", err)
	}
	for line := range strings.Lines(string(windows)) {
		parts := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(parts) == 3 && !strings.HasPrefix(line, "#") {
			f.Add(url.Values{"since": {parts[0]}, "until": {parts[1]}, "where": {parts[2]}}.Encode(), parts[2])
		}
	}
	fromFiles := newTestServer(f, Options{Backend: files})
	fromDB := newTestServer(f, Options{Backend: st})
	f.Fuzz(func(t *testing.T, query, id string) {
		for _, path := range fuzzRoutes(id) {
			req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1"+path+"?"+query, nil)
			if err != nil {
				continue // not a URL a client could send
			}
			a, b := httptest.NewRecorder(), httptest.NewRecorder()
			fromFiles.ServeHTTP(a, req)
			fromDB.ServeHTTP(b, req.Clone(req.Context()))
			if b.Code >= 500 {
				t.Fatalf("GET %s?%s: postgres %d %s", path, query, b.Code, b.Body)
			}
			if a.Code != b.Code || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
				t.Fatalf("GET %s?%s:\nfiles    %d %s\npostgres %d %s", path, query, a.Code, a.Body, b.Code, b.Body)
			}
		}
	})
}
