package staticgraph

import (
	"strings"
	"testing"
)

// TestServiceNames: a main package is named by the last element of its
// import path that is not generic, else of its directory; mains that
// would share a name are told apart, never merged.
func TestServiceNames(t *testing.T) {
	ds := func(pkg, dir string) dirService {
		return dirService{key: provisional + dir, pkg: pkg, dir: dir, abs: "/src/" + dir}
	}
	for _, c := range []struct {
		in    []dirService
		want  []string
		diags int
	}{
		{[]dirService{ds("example.com/shop/cmd/catalog", "cmd/catalog")}, []string{"catalog"}, 0},
		{[]dirService{ds("example.com/checkout/cmd/server", "checkout/cmd/server")}, []string{"checkout"}, 0},
		{[]dirService{ds("example.com/payments/v2/cmd", "payments/cmd")}, []string{"payments"}, 0},
		{[]dirService{ds("example.com/api/service/main", "x/main")}, []string{"example.com"}, 0},
		// Import path says nothing telling: the directory does.
		{[]dirService{ds("main", "examples/first-app")}, []string{"first-app"}, 0},
		{[]dirService{ds("example.com/a/orders/cmd", "a/orders/cmd"), ds("example.com/b/orders/cmd", "b/orders/cmd")},
			[]string{"a/orders", "b/orders"}, 1},
		// One module path in two modules: told apart by directory.
		{[]dirService{ds("example.com/worker", "workers/east"), ds("example.com/worker", "workers/west")},
			[]string{"east", "west"}, 1},
		// A name code gives another service is taken.
		{[]dirService{ds("example.com/team/billing/cmd", "billing/cmd")}, []string{"team/billing"}, 1},
	} {
		names, diags := finalNames(c.in, map[string][]string{"billing": {"example.com/billing/cmd"}, "catalog": {"example.com/shop/cmd/catalog"}})
		var got []string
		for _, d := range c.in {
			got = append(got, names[d.key])
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") || len(diags) != c.diags {
			t.Errorf("%v: names %q, %d diagnostics, want %q and %d", c.in, got, len(diags), c.want, c.diags)
		}
	}
}
