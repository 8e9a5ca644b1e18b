package staticgraph

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// TestFuncName: functions and methods are named as Go writes them, with
// a method's receiver in balanced parentheses.
func TestFuncName(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", "package p\ntype T struct{}\nfunc (*T) M() {}\nfunc (T) V() {}\nfunc F() {}\n", 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := ssautil.BuildPackage(&types.Config{Importer: importer.Default()}, fset,
		types.NewPackage("example.com/p", "p"), []*ast.File{f}, ssa.SanityCheckFunctions)
	if err != nil {
		t.Fatal(err)
	}
	tt := pkg.Pkg.Scope().Lookup("T").Type()
	method := func(recv types.Type, name string) *ssa.Function {
		return pkg.Prog.MethodValue(pkg.Prog.MethodSets.MethodSet(recv).Lookup(pkg.Pkg, name))
	}
	for _, c := range []struct {
		fn   *ssa.Function
		want string
	}{
		{pkg.Func("F"), "example.com/p.F"},
		{method(types.NewPointer(tt), "M"), "(*example.com/p.T).M"},
		{method(tt, "V"), "(example.com/p.T).V"},
	} {
		if got := funcName(c.fn); got != c.want {
			t.Errorf("funcName = %q, want %q", got, c.want)
		}
	}
}
