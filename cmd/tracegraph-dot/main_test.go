package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tiny = "digraph { a -> b }\n"

// TestDotCommandLine: the part of dot's command line tracegraph uses,
// -TFORMAT (or -T FORMAT), -o OUT and an input file or stdin.
func TestDotCommandLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.dot")
	if err := os.WriteFile(in, []byte(tiny), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-Tsvg"}, "<svg"},
		{[]string{"-T", "json"}, `"objects"`},
		{[]string{"-Tsvg", in}, "<svg"},
		{[]string{"-Tjson", "-o", filepath.Join(dir, "out.json"), in}, `"objects"`},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), tt.args, strings.NewReader(tiny), &out); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got := out.String()
		if len(tt.args) > 2 && tt.args[1] == "-o" {
			b, err := os.ReadFile(tt.args[2])
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%q: output %.100q, want %q in it", tt.args, got, tt.want)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-Kneato"}, "unknown flag -Kneato"},
		{[]string{"-T"}, "-T needs a value"},
		{[]string{"a.dot", "b.dot"}, "one input file at most"},
		{[]string{filepath.Join(dir, "missing.dot")}, "missing.dot"},
	} {
		if err := run(context.Background(), tt.args, strings.NewReader(tiny), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err %v, want %q", tt.args, err, tt.want)
		}
	}
	if err := run(context.Background(), []string{"-Tsvg"}, strings.NewReader("digraph {"), &bytes.Buffer{}); err == nil {
		t.Error("bad DOT: no error")
	}
}
