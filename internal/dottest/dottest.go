// Package dottest tells tests whether native Graphviz is there to test
// against. Without it they skip its cases, unless TRACEGRAPH_REQUIRE_DOT=1
// (CI), where its absence is a failure.
package dottest

import (
	"os"
	"os/exec"
	"testing"
)

// EnvRequire makes a missing dot a failure.
const EnvRequire = "TRACEGRAPH_REQUIRE_DOT"

// Have reports whether Graphviz's dot is in PATH; see the package doc.
func Have(t testing.TB) bool {
	t.Helper()
	if _, err := exec.LookPath("dot"); err == nil {
		return true
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s=1 but Graphviz's dot is not in PATH", EnvRequire)
	}
	t.Log("native Graphviz (dot) is not installed: its cases are skipped")
	return false
}
