package staticgraph

import (
	"context"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

// TestNeverUsedOnlyClients: the "never used" diagnostic is for generated
// types that make endpoint calls. The grpc module's generated error type
// and its model, which generated code also turns into interfaces, are used
// by calls of Error in fx and web, and give none.
func TestNeverUsedOnlyClients(t *testing.T) {
	res, err := Analyze(context.Background(), Options{Dir: "testdata/libs/grpc", Patterns: []string{"./..."}})
	if err != nil {
		t.Fatal(err)
	}
	var got []topology.Diagnostic
	for _, d := range res.Graph.Diagnostics {
		if strings.Contains(d.Message, "never used") {
			got = append(got, d)
		}
	}
	if len(got) != 1 || got[0].File != "cmd/web/main.go" || got[0].Line != 52 || !strings.Contains(got[0].Message, "NewRatesClient") {
		t.Errorf("never-used diagnostics %+v, want only NewRatesClient's at cmd/web/main.go:52", got)
	}
}
