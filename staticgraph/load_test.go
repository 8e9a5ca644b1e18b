package staticgraph

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/packages"
)

func TestMatchPattern(t *testing.T) {
	dir := filepath.FromSlash("/m")
	pkg := func(path, file string) *packages.Package {
		return &packages.Package{PkgPath: path, GoFiles: []string{filepath.FromSlash(file)}}
	}
	a := pkg("example.com/m/cmd/a", "/m/cmd/a/main.go")
	lib := pkg("example.com/m/lib", "/m/lib/lib.go")
	for _, c := range []struct {
		pattern string
		p       *packages.Package
		want    bool
	}{
		{"./...", a, true},
		{"./cmd/...", a, true},
		{"./cmd/...", lib, false},
		{"./cmd/a", a, true},
		{"./cmd", a, false},
		{"./cmd/a/", a, true},
		{"example.com/m/...", lib, true},
		{"example.com/m/cmd/...", lib, false},
		{"example.com/m/lib/...", lib, true}, // x/... matches x
		{"example.com/m/lib", lib, true},
		{"example.com/m/li", lib, false},
		{"example.com/.../a", a, true},
		{"all", lib, true},
	} {
		if got := matchPattern(dir, c.pattern, c.p); got != c.want {
			t.Errorf("matchPattern(%q, %s) = %t, want %t", c.pattern, c.p.PkgPath, got, c.want)
		}
	}
}
