package serve

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
