package serve

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestGolden pins the API's answers on the fixture, so a change to what the
// pages receive shows up as a diff of testdata/golden. -update rewrites them.
func TestGolden(t *testing.T) {
	s := newTestServer(t, Options{})
	for name, target := range map[string]string{
		"graph-services.json": "/api/graph",
		"graph-channels.json": "/api/graph?view=channels&where=merchant_id%3D4c5d6e7",
		"events.json":         "/api/events?service=inventory&status=error&where=merchant_id%3D4c5d6e7",
		"flow-traces.json":    "/api/flow/traces?kind=reqrep&from=merchant-api&to=catalog&channel=catalog.update-sku",
		"trace.json":          "/api/trace/trace-a",
	} {
		t.Run(name, func(t *testing.T) {
			rec := get(t, s, target, 200, nil)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, rec.Body.Bytes(), "", "  "); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("GET %s differs from %s:\n%s", target, path, pretty.Bytes())
			}
		})
	}
}
