package staticgraph

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDynamicOTelName: a main that names its OpenTelemetry resource with a
// value computed at run time (one binary run as several services, chosen
// by its first argument) is named by its directory, and a diagnostic at
// the resource call says why. It reuses the west worker's module files.
func TestDynamicOTelName(t *testing.T) {
	dir := t.TempDir()
	west := "testdata/multi/workers/west"
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(west, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := `package main

import (
	"os"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

func main() {
	_ = resource.NewWithAttributes("", attribute.String("service.name", os.Args[1]))
	nc, _ := nats.Connect(nats.DefaultURL)
	_ = nc.Publish("stock.returned", nil)
}
`
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "multi"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd", "multi", "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	if len(g.Services) != 1 || g.Services[0].Name != "multi" {
		t.Errorf("services %+v, want the one named by its directory, multi", g.Services)
	}
	found := false
	for _, d := range g.Diagnostics {
		if strings.Contains(d.Message, "service name that is not constant") && d.File == "cmd/multi/main.go" && d.Line == 12 {
			found = true
		}
	}
	if !found {
		t.Errorf("no diagnostic at cmd/multi/main.go:12 for the computed service name; got %+v", g.Diagnostics)
	}
}
