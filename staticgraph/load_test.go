package staticgraph

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/staticgraph/modules"

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

// TestLoadPatterns: a pattern narrower than the module adds exactly the
// module packages it imports (syntax is read for them, and for nothing
// else of the module); a pattern over the whole module adds the module.
func TestLoadPatterns(t *testing.T) {
	const mod = "github.com/tracegraph/tracegraph"
	ctx := context.Background()
	loadPatterns := func(dir, pattern string) []string {
		t.Helper()
		loads, _, err := modules.Plan(dir, []string{pattern})
		if err != nil {
			t.Fatal(err)
		}
		if len(loads) != 1 {
			t.Fatalf("%s in %s: %d loads, want 1", pattern, dir, len(loads))
		}
		got, err := LoadPatterns(ctx, loads[0])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := loadPatterns("../examples/shop", "./cmd/catalog")
	want := []string{"./examples/shop/cmd/catalog", mod + "/channel", mod + "/channel/natsbus", mod + "/examples/shop/catalog",
		mod + "/examples/shop/catalog/catalogmsg", mod + "/examples/shop/cmd/catalog", mod + "/examples/shop/internal/shopcmd",
		mod + "/examples/shop/internal/shopkit", mod + "/examples/shop/searchindexer/searchmsg", mod + "/telemetry"}
	if !slices.Equal(got, want) {
		t.Errorf("LoadPatterns(./cmd/catalog) =\n%q\nwant\n%q", got, want)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// In the module's own terms: a pattern over the module is ./...
	for _, tc := range []struct {
		dir     string
		pattern string
		inMod   string
	}{{"..", "./...", "./..."}, {"../examples/shop", "../../...", "./..."}, {"../channel", mod + "/...", mod + "/..."},
		{"../channel", "all", "all"}, {"../channel", root + "/...", "./..."}} {
		got := loadPatterns(tc.dir, tc.pattern)
		if want := []string{tc.inMod, mod + "/..."}; !slices.Equal(got, want) {
			t.Errorf("LoadPatterns(%s in %s) = %q, want %q", tc.pattern, tc.dir, got, want)
		}
	}
}

// TestNarrowPatternSeesNestedModule: a narrow pattern reads with syntax the
// same module code as ./... does for it, including a nested module that
// is replaced into the main module's path (mod/... matches it), and none
// of the module's other services.
func TestNarrowPatternSeesNestedModule(t *testing.T) {
	dir := filepath.Join("testdata", "nested")
	cfg, err := config.Load(filepath.Join(dir, "tracegraph.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	endpoints := func(patterns ...string) []string {
		t.Helper()
		res, err := Analyze(context.Background(), Options{Dir: dir, Patterns: patterns, Recognizers: cfg.Recognizers})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Broken) > 0 {
			t.Fatalf("broken packages %v: %+v", res.Broken, res.Graph.Diagnostics)
		}
		var out []string
		for _, e := range res.Graph.Endpoints {
			out = append(out, fmt.Sprintf("%s %s %s %s at %s", e.Service, e.Role, e.Channel, e.MessageType, evidenceString(e.Evidence)))
		}
		return out
	}
	all := endpoints("./...")
	orders := endpoints("./cmd/orders")
	want := []string{"orders publish orders.placed example.com/nest/inner.Placed at inner/inner.go:11"}
	if !slices.Equal(orders, want) {
		t.Errorf("./cmd/orders: endpoints %q, want %q", orders, want)
	}
	if !slices.Contains(all, want[0]) || len(all) != 2 {
		t.Errorf("./...: endpoints %q, want %q and audit's", all, want[0])
	}
}
