package staticgraph

import (
	"context"
	"fmt"
	"go/build"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/topology"
)

// LoadMode is the one packages.Load mode of the analysis: syntax and types
// for the packages the patterns match, export data for their dependencies
// (no NeedDeps, so dependencies are never parsed).
const LoadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedTypes | packages.NeedTypesSizes |
	packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

// InputError is an error in what the analysis was asked to read: no Go
// module, patterns that match no package, a bad recognizer.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErr(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ModuleRoot returns the directory of the go.mod that governs dir.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", inputErr("%s: %v", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", inputErr("%s is not a directory", dir)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", inputErr("no Go module at %s (no go.mod there or above)", abs)
		}
	}
}

// loaded is the outcome of the load: the packages that can be analysed, in
// SSA form, and what went wrong with the others.
type loaded struct {
	prog   *ssa.Program
	pkgs   []*ssa.Package // the analysable packages, in load order
	broken []string       // paths of packages that failed to load or type-check
	mains  int            // main packages loaded, whether they matter or not
	// selected are the packages the patterns match: their main packages
	// are the services; the rest of the load is library code they use.
	selected map[string]bool
	diags    []topology.Diagnostic
	modRoot  string
}

// load runs the one packages.Load and builds SSA for every package that
// loaded without errors (and whose imports did).
func load(ctx context.Context, dir string, patterns []string, rulePkgs map[string]bool, progress func(string, int, int)) (*loaded, error) {
	root, err := ModuleRoot(dir)
	if err != nil {
		return nil, err
	}
	all, err := LoadPatterns(ctx, dir, patterns)
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{Context: ctx, Mode: LoadMode, Dir: dir}
	loadedPkgs, err := packages.Load(cfg, all...)
	if err != nil {
		return nil, inputErr("load %s: %s", strings.Join(patterns, " "), oneLine(err.Error()))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := &loaded{modRoot: root}
	initial, selected, err := selectPackages(dir, patterns, loadedPkgs)
	if err != nil {
		return nil, err
	}
	l.selected = selected

	var good []*packages.Package
	for _, p := range initial {
		if len(p.Errors) > 0 {
			l.broken = append(l.broken, p.PkgPath)
			// go list's failed build of the export data repeats the
			// type checker's errors without positions.
			typeErrs := slices.ContainsFunc(p.Errors, func(e packages.Error) bool { return e.Kind == packages.TypeError })
			for _, e := range p.Errors {
				if !(typeErrs && e.Kind == packages.ListError) {
					l.diags = append(l.diags, l.loadDiag(p, e))
				}
			}
			continue
		}
		if p.Types == nil || p.TypesInfo == nil || p.IllTyped {
			l.broken = append(l.broken, p.PkgPath)
			l.diags = append(l.diags, topology.Diagnostic{Package: p.PkgPath,
				Message: "not analysed: it depends on a package that failed to load"})
			continue
		}
		good = append(good, p)
	}

	prog := ssa.NewProgram(initial[0].Fset, ssa.InstantiateGenerics)
	created := map[*types.Package]bool{}
	for _, p := range good {
		created[p.Types] = true
	}
	// Dependencies get SSA packages without bodies, as
	// ssautil.BuildPackage does; ssautil.Packages would need NeedDeps.
	var createDeps func([]*types.Package)
	createDeps = func(ps []*types.Package) {
		for _, tp := range ps {
			if created[tp] {
				continue
			}
			created[tp] = true
			prog.CreatePackage(tp, nil, nil, true)
			createDeps(tp.Imports())
		}
	}
	for _, p := range good {
		createDeps(p.Types.Imports())
	}
	// SSA with bodies only for the packages that can matter (see
	// matters); the others are created from their types alone, like
	// dependencies, and their syntax is let go at once. Packages are built
	// one at a time, dropping their type information as they go.
	// The packages that do not matter go first, so that their syntax is
	// garbage before SSA starts to grow.
	rel := relevance{rules: rulePkgs, memo: map[*types.Package]bool{}}
	var build []*packages.Package
	for _, p := range good {
		if p.Name == "main" && selected[p.PkgPath] {
			l.mains++
		}
		if rel.matters(p.Types) {
			build = append(build, p)
			continue
		}
		prog.CreatePackage(p.Types, nil, nil, true)
		p.Syntax, p.TypesInfo = nil, nil
	}
	// The load's last collection set the heap goal with all syntax live;
	// collecting now, with most of it gone, lowers the goal for the SSA
	// that follows instead of letting the heap grow into the old one.
	runtime.GC()
	for i, p := range build {
		progress("building SSA", i, len(build))
		sp := prog.CreatePackage(p.Types, p.Syntax, p.TypesInfo, true)
		if err := buildSSA(sp); err != nil {
			return nil, err
		}
		l.pkgs = append(l.pkgs, sp)
		p.Syntax, p.TypesInfo = nil, nil
	}
	l.prog = prog
	return l, nil
}

// relevance decides which loaded packages get SSA bodies. SSA functions
// keep their syntax trees for good, so building every package would hold
// all the syntax and all the SSA at once: about twice the memory of the
// load. A package matters when it imports, directly or not, a recognised
// package (only such code can make or use a client, and only from such
// code can a main reach one: a closure passed elsewhere is reached where
// it is made), or when it may compute a name for one: it has a function,
// a method other than String or Error, or a package-level variable of
// string type. What a package that does not matter cannot give is a name
// stored into a struct field by its own code; such a name is reported
// unresolved, not guessed.
type relevance struct {
	rules map[string]bool
	memo  map[*types.Package]bool
}

func (r *relevance) matters(p *types.Package) bool {
	return r.imports(p) || computesNames(p)
}

func (r *relevance) imports(p *types.Package) bool {
	if v, ok := r.memo[p]; ok {
		return v
	}
	r.memo[p] = false // import cycles cannot happen; this only guards repeats
	v := r.rules[p.Path()]
	for _, q := range p.Imports() {
		v = v || r.imports(q)
	}
	r.memo[p] = v
	return v
}

func computesNames(p *types.Package) bool {
	sc := p.Scope()
	for _, name := range sc.Names() {
		switch o := sc.Lookup(name).(type) {
		case *types.Func:
			if returnsString(o) {
				return true
			}
		case *types.Var:
			if isString(o.Type()) {
				return true
			}
		case *types.TypeName:
			n, ok := o.Type().(*types.Named)
			if !ok {
				continue
			}
			for i := 0; i < n.NumMethods(); i++ {
				if m := n.Method(i); m.Name() != "String" && m.Name() != "Error" && returnsString(m) {
					return true
				}
			}
		}
	}
	return false
}

func returnsString(f *types.Func) bool {
	res := f.Signature().Results()
	for i := 0; i < res.Len(); i++ {
		if isString(res.At(i).Type()) {
			return true
		}
	}
	return false
}

// buildSSA builds a package's bodies. The builder panics on inputs it does
// not expect; that is a bug to report, not a crash of the whole command.
func buildSSA(p *ssa.Package) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building SSA for %s: %v", p.Pkg.Path(), r)
		}
	}()
	p.Build()
	return nil
}

func (l *loaded) loadDiag(p *packages.Package, e packages.Error) topology.Diagnostic {
	d := topology.Diagnostic{Package: p.PkgPath, Message: oneLine(e.Msg)}
	// e.Pos is "file:line:col" or "file:line" or "-" or "".
	if e.Pos != "" && e.Pos != "-" {
		parts := strings.Split(e.Pos, ":")
		file := parts[0]
		if len(parts) >= 2 {
			fmt.Sscan(parts[1], &d.Line)
		}
		d.File = l.rel(file)
	}
	return d
}

// rel makes a file name relative to the module root, with slashes.
func (l *loaded) rel(file string) string {
	if r, err := filepath.Rel(l.modRoot, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// LoadPatterns returns the patterns of the analysis's load: the given ones
// and the packages under the main module's path that they import, directly
// or not, so that the module's code the matched packages use is read with
// syntax wherever it lives (tracegraph static ./cmd/catalog must see the
// catalog package's clients), and the rest of the module is not read at
// all. The imports are found by a go list of names and imports only, which
// costs a fraction of the load; patterns that cover the whole module skip
// it and add the module's path pattern.
func LoadPatterns(ctx context.Context, dir string, patterns []string) ([]string, error) {
	root, err := ModuleRoot(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, inputErr("%v", err)
	}
	mod := modfile.ModulePath(data)
	if mod == "" {
		return nil, inputErr("%s: no module line", filepath.Join(root, "go.mod"))
	}
	whole := mod + "/..."
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, inputErr("%s: %v", dir, err)
	}
	for _, pat := range patterns {
		if pat == whole || pat == "all" || coversDir(abs, pat, root) {
			return append(slices.Clone(patterns), whole), nil
		}
	}
	deps, err := moduleDeps(ctx, dir, mod, patterns)
	if err != nil {
		// The load will say what is wrong with the patterns; reading the
		// whole module is only slower.
		return append(slices.Clone(patterns), whole), nil
	}
	return append(slices.Clone(patterns), deps...), nil
}

// coversDir reports whether a file-system pattern given in dir is root/...
func coversDir(dir, pattern, root string) bool {
	d, ok := strings.CutSuffix(pattern, "/...")
	if !ok || !(filepath.IsAbs(d) || d == "." || d == ".." || strings.HasPrefix(d, "./") || strings.HasPrefix(d, "../")) {
		return false
	}
	if !filepath.IsAbs(d) {
		d = filepath.Join(dir, d)
	}
	return filepath.Clean(d) == root
}

// moduleDeps lists the packages under the module path mod (what mod/...
// matches: the main module, and a nested module replaced into it) that the
// packages matching patterns import, directly or not, sorted.
func moduleDeps(ctx context.Context, dir, mod string, patterns []string) ([]string, error) {
	cfg := &packages.Config{Context: ctx, Dir: dir, Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps}
	roots, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var out []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		if p.PkgPath == mod || strings.HasPrefix(p.PkgPath, mod+"/") {
			out = append(out, p.PkgPath)
		}
	})
	slices.Sort(out)
	return out, nil
}

// selectPackages keeps, of a load, the packages the patterns match and the
// loaded packages they import, directly or not; the rest of the module is
// dropped unread. It is an input error when the patterns match nothing.
func selectPackages(dir string, patterns []string, pkgs []*packages.Package) ([]*packages.Package, map[string]bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, inputErr("%s: %v", dir, err)
	}
	byPath := map[string]*packages.Package{}
	for _, p := range pkgs {
		byPath[p.PkgPath] = p
	}
	selected := map[string]bool{}
	var firstErr string
	for _, p := range pkgs {
		for _, pat := range patterns {
			if matchPattern(abs, pat, p) {
				if len(p.GoFiles)+len(p.CompiledGoFiles) > 0 {
					selected[p.PkgPath] = true
				} else if firstErr == "" && len(p.Errors) > 0 {
					firstErr = oneLine(p.Errors[0].Msg)
				}
			}
		}
	}
	if len(selected) == 0 {
		for _, p := range pkgs {
			// go list reports a pattern it cannot expand as a package
			// without files that carries the error.
			if firstErr == "" && len(p.GoFiles)+len(p.CompiledGoFiles) == 0 && len(p.Errors) > 0 {
				firstErr = oneLine(p.Errors[0].Msg)
			}
		}
		if firstErr == "" {
			firstErr = "matched no packages"
		}
		return nil, nil, inputErr("%s: %s", strings.Join(patterns, " "), firstErr)
	}
	needed := map[string]bool{}
	var visit func(path string)
	visit = func(path string) {
		p := byPath[path]
		if p == nil || needed[path] {
			return
		}
		needed[path] = true
		for imp := range p.Imports {
			visit(p.Imports[imp].PkgPath)
		}
	}
	for path := range selected {
		visit(path)
	}
	var out []*packages.Package
	for _, p := range pkgs {
		if needed[p.PkgPath] {
			out = append(out, p)
		}
	}
	return out, selected, nil
}

// matchPattern reports whether a go package pattern given in dir matches p:
// a relative pattern by directory, an import path pattern by path, "..."
// matching anything (and "x/..." matching x itself).
func matchPattern(dir, pattern string, p *packages.Package) bool {
	if pattern == "all" {
		return true
	}
	recursive := pattern == "..." || strings.HasSuffix(pattern, "/...")
	base := strings.TrimSuffix(strings.TrimSuffix(pattern, "..."), "/")
	if build.IsLocalImport(pattern) || filepath.IsAbs(pattern) {
		files := append(slices.Clone(p.GoFiles), p.CompiledGoFiles...)
		if len(files) == 0 {
			return false
		}
		pdir := filepath.Dir(files[0])
		bdir := base
		if !filepath.IsAbs(bdir) {
			bdir = filepath.Join(dir, base)
		}
		return pdir == bdir || (recursive && strings.HasPrefix(pdir, bdir+string(filepath.Separator)))
	}
	if !strings.Contains(pattern, "...") {
		return p.PkgPath == pattern
	}
	re := regexp.QuoteMeta(pattern)
	re = strings.ReplaceAll(re, `/\.\.\.`, `(/.*)?`)
	re = strings.ReplaceAll(re, `\.\.\.`, `.*`)
	ok, _ := regexp.MatchString("^"+re+"$", p.PkgPath)
	return ok
}
