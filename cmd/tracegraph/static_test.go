package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

const corpusDir = "../../staticgraph/testdata/corpus"

func TestStaticCommand(t *testing.T) {
	t.Chdir(corpusDir)
	for _, c := range []struct {
		name      string
		args      []string
		code      int
		stdout    []string // substrings
		stderr    string   // substring of the one-line error
		wantGraph bool
	}{
		{name: "json", args: []string{"static", "./..."}, code: exitOK, wantGraph: true},
		{name: "text", args: []string{"static", "-f", "text"}, code: exitOK,
			stdout: []string{"wrap.one", "Unresolved (1):", "cmd/envmain/main.go:15", "Diagnostics (4):", "cmd/broken/main.go:15", `no client for key "billing"`}},
		{name: "strict with a broken package", args: []string{"static", "--strict"}, code: exitIncomplete, wantGraph: true,
			stderr: "analysis incomplete: 1 package(s) failed to load: example.com/corpus/cmd/broken"},
		{name: "strict without one", args: []string{"static", "--strict", "./cmd/consts"}, code: exitOK, wantGraph: true},
		{name: "pattern matching nothing", args: []string{"static", "example.com/corpus/nosuch/..."}, code: exitUsage,
			stderr: "example.com/corpus/nosuch/...: matched no packages"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := tg(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, errOut)
			}
			if c.stderr != "" && (!strings.Contains(errOut, c.stderr) || strings.Count(strings.TrimSpace(errOut), "\n") > 0) {
				t.Errorf("stderr %q, want one line with %q", errOut, c.stderr)
			}
			for _, s := range c.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if c.wantGraph {
				var g topology.Graph
				if err := json.Unmarshal([]byte(out), &g); err != nil {
					t.Fatalf("stdout is not a graph: %v", err)
				}
				if g.Schema != topology.Schema || g.Source != topology.SourceStatic || len(g.Endpoints) == 0 {
					t.Errorf("graph %s/%s with %d endpoints", g.Schema, g.Source, len(g.Endpoints))
				}
			}
		})
	}
}

func TestStaticNoModule(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, errOut := tg(t, "static")
	if code != exitUsage || !strings.Contains(errOut, "no Go module at") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("exit %d, stderr %q; want 2 and one line naming the missing module", code, errOut)
	}
}
