package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
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

// TestTuneGC: the collector is off up to gcMemoryLimit unless the user set
// GOGC or GOMEMLIMIT, which then win.
func TestTuneGC(t *testing.T) {
	restorePercent, restoreLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	defer func() {
		debug.SetGCPercent(restorePercent)
		debug.SetMemoryLimit(restoreLimit)
	}()
	for _, tt := range []struct {
		env         map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{nil, -1, gcMemoryLimit},
		{map[string]string{"GOGC": "200"}, 100, math.MaxInt64},
		{map[string]string{"GOMEMLIMIT": "4GiB"}, 100, math.MaxInt64},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		tuneGC(func(k string) string { return tt.env[k] })
		if got := debug.SetGCPercent(100); got != tt.wantPercent {
			t.Errorf("env %v: GC percent %d, want %d", tt.env, got, tt.wantPercent)
		}
		if got := debug.SetMemoryLimit(math.MaxInt64); got != tt.wantLimit {
			t.Errorf("env %v: memory limit %d, want %d", tt.env, got, tt.wantLimit)
		}
	}
}
