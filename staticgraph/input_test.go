package staticgraph

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		name     string
		dir      string
		patterns []string
		want     string
	}{
		{"no module", t.TempDir(), nil, "no Go module at"},
		{"pattern matching nothing", corpusDir, []string{"example.com/corpus/nosuch/..."}, "example.com/corpus/nosuch/...: matched no packages"},
		{"pattern under a missing directory", corpusDir, []string{"./nosuch/..."}, "./nosuch/...: no such directory"},
		{"directory that does not exist", corpusDir, []string{"./nosuch"}, "./nosuch:"},
		{"not a directory", corpusDir + "/go.mod", nil, "is not a directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), Options{Dir: c.dir, Patterns: c.patterns})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want an *InputError", err)
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, c.want)
			}
		})
	}
}
