package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
)

func TestWriteOutput(t *testing.T) {
	dir := t.TempDir()
	cmd := &cobra.Command{}
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}

	// A new file gets the mode os.Create would give it.
	fresh := filepath.Join(dir, "fresh.svg")
	if err := writeOutput(cmd, fresh, write("a")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o644 {
		t.Errorf("new output mode %v, want 0644", fi.Mode().Perm())
	}

	// A replaced file keeps its mode.
	kept := filepath.Join(dir, "kept.json")
	if err := os.WriteFile(kept, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeOutput(cmd, kept, write("new")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(kept); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced output mode %v, want 0600", fi.Mode().Perm())
	}

	// A failed write leaves the old file whole and no temporary behind.
	boom := errors.New("render failed")
	if err := writeOutput(cmd, kept, func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if b, _ := os.ReadFile(kept); string(b) != "new" {
		t.Errorf("after a failed write the file holds %q, want %q", b, "new")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".tracegraph-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}
