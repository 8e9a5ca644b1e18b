package modules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (path -> content) under a new directory; a go.mod's
// content is its module path, or none for a go.mod without a module line.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case filepath.Base(name) == "go.mod" && content == "":
			content = "go 1.26.0\n" // no module line
		case filepath.Base(name) == "go.mod":
			content = "module " + content + "\n\ngo 1.26.0\n"
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// summary writes a plan as "dir: patterns (origins) work" lines.
func summary(root string, loads []Load) []string {
	var out []string
	for _, l := range loads {
		rel, _ := filepath.Rel(root, l.Module.Dir)
		w := ""
		if l.Workspace != "" {
			w = " work"
		}
		out = append(out, fmt.Sprintf("%s %s: %s %v%s", filepath.ToSlash(rel), l.Module.Path, strings.Join(l.Patterns, " "), l.Origins, w))
	}
	return out
}

func TestPlan(t *testing.T) {
	t.Setenv("GOWORK", "")
	root := tree(t, map[string]string{
		"a/go.mod":              "example.com/a",
		"a/cmd/main.go":         "package main",
		"a/nested/go.mod":       "example.com/a/nested",
		"b/go.mod":              "example.com/shared",
		"c/go.mod":              "example.com/shared",
		"vendor/v/go.mod":       "example.com/vendored",
		"testdata/x/go.mod":     "example.com/fixture",
		"_examples/e/go.mod":    "example.com/example",
		".hidden/h/go.mod":      "example.com/hidden",
		"events.jsonl":          "{}",
		"d/go.mod":              "example.com/d",
		"d/sub/go.mod.template": "",
		"e/go.mod":              "",
	})
	for _, c := range []struct {
		dir      string
		patterns []string
		want     []string
	}{
		{".", nil, []string{
			"a example.com/a: ./... [0]", "a/nested example.com/a/nested: ./... [0]",
			"b example.com/shared: ./... [0]", "c example.com/shared: ./... [0]", "d example.com/d: ./... [0]"}},
		{".", []string{"./a/cmd", "./a/..."}, []string{
			"a example.com/a: ./cmd ./... [0 1]", "a/nested example.com/a/nested: ./... [1]"}},
		{"a", []string{"./..."}, []string{"a example.com/a: ./... [0]", "a/nested example.com/a/nested: ./... [0]"}},
		{"a/cmd", []string{"."}, []string{"a example.com/a: ./cmd [0]"}},
		{"a/cmd", []string{"../..."}, []string{"a example.com/a: ./... [0]", "a/nested example.com/a/nested: ./... [0]"}},
		// What ./... skips is read when named.
		{".", []string{"./_examples/..."}, []string{"_examples/e example.com/example: ./... [0]"}},
		{".", []string{"example.com/shared/..."}, []string{"b example.com/shared: example.com/shared/... [0]", "c example.com/shared: example.com/shared/... [0]"}},
		{".", []string{"example.com/a/cmd"}, []string{"a example.com/a: example.com/a/cmd [0]"}},
		{"a", []string{"github.com/dep/x"}, []string{"a example.com/a: github.com/dep/x [0]"}},
	} {
		loads, _, err := Plan(filepath.Join(root, c.dir), c.patterns)
		if err != nil {
			t.Errorf("%s in %s: %v", c.patterns, c.dir, err)
			continue
		}
		if got := summary(root, loads); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s in %s:\n got %q\nwant %q", c.patterns, c.dir, got, c.want)
		}
	}
	if _, notes, _ := Plan(root, nil); len(notes) != 1 || notes[0] != "e/go.mod has no module line: the packages below it are not analysed" {
		t.Errorf("notes %q, want one naming e/go.mod", notes)
	}
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"./nosuch/..."}, "./nosuch/...: no such directory"},
		{[]string{"./events.jsonl"}, "./events.jsonl is a file, not a package pattern"},
		{[]string{"events.jsonl"}, "events.jsonl is a file, not a package pattern"},
		{[]string{"./vendor"}, "./vendor: no go.mod at or above"},
		{[]string{"example.com/none/..."}, "example.com/none/...: no Go module at or below . provides it"},
		{[]string{""}, "an empty package pattern"},
	} {
		_, _, err := Plan(root, c.patterns)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.patterns, err, c.want)
		}
	}
}

func TestPlanWorkspace(t *testing.T) {
	t.Setenv("GOWORK", "")
	root := tree(t, map[string]string{
		"a/go.mod": "example.com/a",
		"b/go.mod": "example.com/b",
		"c/go.mod": "example.com/b",
		"go.work":  "go 1.26.0\n\nuse (\n\t./a\n\t./b\n)\n",
	})
	loads, notes, err := Plan(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a example.com/a: ./... [0] work", "b example.com/b: ./... [0] work", "c example.com/b: ./... [0]"}
	if got := summary(root, loads); strings.Join(got, "\n") != strings.Join(want, "\n") || len(notes) != 0 {
		t.Errorf("got %q, notes %q, want %q", got, notes, want)
	}
	if env := loads[2].Env(); env[len(env)-1] != "GOWORK=off" {
		t.Errorf("a module the go.work does not list runs with %q, want GOWORK=off last", env[len(env)-1])
	}
	// Two modules with one path make the go.work invalid: it is not used.
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte("go 1.26.0\n\nuse ./b\nuse ./c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	loads, notes, err = Plan(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range loads {
		if l.Workspace != "" {
			t.Errorf("%s uses the invalid go.work", l.Module.Dir)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "have the same module path example.com/b") {
		t.Errorf("notes %q, want one saying the go.work has two modules of one path", notes)
	}
	// A relative GOWORK is refused, as the go tool refuses it.
	t.Setenv("GOWORK", "go.work")
	loads, notes, err = Plan(root, nil)
	if err != nil || loads[0].Workspace != "" || len(notes) != 1 || !strings.Contains(notes[0], "GOWORK is not an absolute path") {
		t.Errorf("relative GOWORK: err %v, notes %q", err, notes)
	}
	// GOWORK=off is obeyed.
	t.Setenv("GOWORK", "off")
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte("go 1.26.0\n\nuse ./a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if loads, _, _ = Plan(root, nil); loads[0].Workspace != "" {
		t.Errorf("GOWORK=off: %s uses the go.work", loads[0].Module.Dir)
	}
}
