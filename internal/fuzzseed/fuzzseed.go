// Package fuzzseed reads fuzz targets' seeds from committed files. A
// pattern that matches no file fails the target: a seed moved or renamed
// must not leave a fuzzer quietly running on nothing.
package fuzzseed

import (
	"os"
	"path/filepath"
	"testing"
)

// File is one seed file.
type File struct {
	Path string
	Data []byte
}

// Files reads the files each pattern (a path, or a filepath.Glob pattern)
// matches, in order; a pattern matching none fails t.
func Files(t testing.TB, patterns ...string) []File {
	t.Helper()
	var out []File
	for _, pattern := range patterns {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatalf("seed %s: %v", pattern, err)
		}
		if len(paths) == 0 {
			t.Fatalf("seed %s: no such file", pattern)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("seed: %v", err)
			}
			out = append(out, File{Path: p, Data: data})
		}
	}
	return out
}

// Add adds every file the patterns match to f's corpus, as Files reads
// them.
func Add(f *testing.F, patterns ...string) {
	f.Helper()
	for _, s := range Files(f, patterns...) {
		f.Add(s.Data)
	}
}
