package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

const multiDir = "../../staticgraph/testdata/multi"

// TestMergeCommand: static of two halves of a tree, each with --repo,
// merged in either order, pairs endpoints across them; the same without
// repos is the whole tree's graph byte for byte.
func TestMergeCommand(t *testing.T) {
	out := t.TempDir()
	abs, err := filepath.Abs(multiDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(abs)
	run := func(args ...string) string {
		t.Helper()
		code, stdout, errOut := tg(t, args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d, stderr %s", args, code, errOut)
		}
		return stdout
	}
	a, b, whole := filepath.Join(out, "a.json"), filepath.Join(out, "b.json"), filepath.Join(out, "whole.json")
	run("static", "./proto/...", "./orders/...", "./rates/...", "-o", a)
	run("static", "./billing/...", "./billing-api/...", "./workers/...", "-o", b)
	run("static", "-o", whole)
	want, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	if got := run("merge", b, a); got != string(want) {
		t.Errorf("merge of the halves differs from the whole:\n%s", got)
	}
	// With repositories: the evidence names them, the flows still pair.
	ra, rb := filepath.Join(out, "ra.json"), filepath.Join(out, "rb.json")
	run("static", "./proto/...", "./orders/...", "./rates/...", "--repo", "shop", "-o", ra)
	run("static", "./billing/...", "./billing-api/...", "./workers/...", "-o", rb)
	g, err := topology.Decode(strings.NewReader(run("merge", ra, "billing="+rb)))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range g.Flows {
		if f.From == "orders" && f.To == "billing-api" && f.Channel == "orders.placed" {
			found = true
			repos := map[string]bool{}
			for _, e := range f.Evidence {
				repos[e.Repo] = true
			}
			if !repos["shop"] || !repos["billing"] || len(repos) != 2 {
				t.Errorf("evidence %+v, want the repositories shop and billing", f.Evidence)
			}
		}
	}
	if !found {
		t.Errorf("no orders -> billing-api flow across the repositories: %+v", g.Flows)
	}
	code, _, errOut := tg(t, "merge", a, filepath.Join(out, "nosuch.json"))
	if code != exitUsage || !strings.Contains(errOut, "nosuch.json") {
		t.Errorf("a missing file: exit %d, stderr %q", code, errOut)
	}
}

// TestStaticArguments: every argument must be a pattern that matches; a
// file is named as one.
func TestStaticArguments(t *testing.T) {
	abs, err := filepath.Abs(multiDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(abs)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"static", "./orders/...", "expected.json"}, "expected.json is a file, not a package pattern"},
		{[]string{"static", "./orders/...", "./nosuch/..."}, "./nosuch/...: no such directory"},
	} {
		code, _, errOut := tg(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line with %q", c.args, code, errOut, c.want)
		}
	}
}
