package staticgraph

import (
	"context"
	"fmt"
	"go/build"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/staticgraph/modules"
	"github.com/tracegraph/tracegraph/topology"
)

// LoadMode is the one packages.Load mode of the analysis: syntax and types
// for the packages the patterns match, export data for their dependencies
// (no NeedDeps, so dependencies are never parsed).
const LoadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedTypes | packages.NeedTypesSizes |
	packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

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
	// matched are the user's patterns (by index) that matched a package of
	// this load; matchErr is the first reason a pattern matched none.
	matched  map[int]bool
	matchErr string
	diags    []topology.Diagnostic
	base     string // the directory evidence is relative to
	// mainDirs holds each selected main package's directory, relative to
	// base and absolute.
	mainDirs map[string][2]string
	// source are the packages loaded from source, with or without SSA
	// bodies: the program's own code, not its dependencies'.
	source map[*types.Package]bool
	// brokenMainDirs are the selected main packages that were not
	// analysed (they, or a package they import, failed to load), with
	// their directories as mainDirs has them.
	brokenMainDirs map[string][2]string
	// firstErr and firstTypeErr are the first load errors, file:line:
	// message, for saying why a graph is empty; brokenMains counts the
	// selected main packages that failed to load.
	firstErr, firstTypeErr string
	brokenMains            int
}

// load runs the module's packages.Load and builds SSA for every package
// that loaded without errors (and whose imports did). Paths in evidence
// are relative to base, the directory the user started in. A load whose
// patterns match nothing gives no packages, not an error: another module
// may match them.
func load(ctx context.Context, base string, ld modules.Load, rulePkgs map[string]bool, progress func(string, int, int)) (*loaded, error) {
	all, err := LoadPatterns(ctx, ld)
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{Context: ctx, Mode: LoadMode, Dir: ld.Module.Dir, Env: ld.Env()}
	loadedPkgs, err := packages.Load(cfg, all...)
	if err != nil {
		return nil, inputErr("load %s in %s: %s", strings.Join(ld.Patterns, " "), relDir(base, ld.Module.Dir), oneLine(err.Error()))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := &loaded{base: base, matched: map[int]bool{}, mainDirs: map[string][2]string{}}
	initial, selected := l.selectPackages(ld, loadedPkgs)
	l.selected = selected
	if len(initial) == 0 {
		return l, nil
	}

	var good []*packages.Package
	for _, p := range initial {
		if len(p.Errors) > 0 {
			l.broken = append(l.broken, p.PkgPath)
			// go list's failed build of the export data repeats the
			// type checker's errors without positions.
			// One with a position (a missing go.sum entry) is the cause
			// the type errors follow from.
			typeErrs := slices.ContainsFunc(p.Errors, func(e packages.Error) bool { return e.Kind == packages.TypeError })
			for _, e := range p.Errors {
				if typeErrs && e.Kind == packages.ListError && (e.Pos == "" || e.Pos == "-") {
					continue
				}
				d := l.loadDiag(p, e)
				l.diags = append(l.diags, d)
				l.noteCause(e.Kind == packages.ListError, d)
			}
			// go list files the cause of a failed import (a missing
			// go.sum entry) under the imported package.
			for _, path := range slices.Sorted(maps.Keys(p.Imports)) {
				if errs := p.Imports[path].Errors; len(errs) > 0 && errs[0].Kind == packages.ListError {
					l.noteCause(true, l.loadDiag(p, errs[0]))
				}
			}
			if p.Name == "main" && selected[p.PkgPath] {
				l.brokenMains++
				l.noteBrokenMain(p)
			}
			continue
		}
		if p.Types == nil || p.TypesInfo == nil || p.IllTyped {
			l.broken = append(l.broken, p.PkgPath)
			if p.Name == "main" && selected[p.PkgPath] {
				l.noteBrokenMain(p)
			}
			l.diags = append(l.diags, topology.Diagnostic{Package: p.PkgPath,
				Message: "not analysed: it depends on a package that failed to load"})
			continue
		}
		good = append(good, p)
	}

	l.diags = append(l.diags, unsupportedDiags(good, rulePkgs)...)
	prog := ssa.NewProgram(initial[0].Fset, ssa.InstantiateGenerics)
	created := map[*types.Package]bool{}
	l.source = map[*types.Package]bool{}
	for _, p := range good {
		created[p.Types] = true
		l.source[p.Types] = true
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
			if len(p.GoFiles) > 0 {
				d := filepath.Dir(p.GoFiles[0])
				l.mainDirs[p.PkgPath] = [2]string{l.rel(d), d}
			}
		}
		if rel.matters(p.Types) || callsOwnInterface(p, l.source) {
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
	// Every package is created before any is built: a package may import
	// one that comes later in the load (the module's code importing a
	// replaced module's, whose path sorts after it). The syntax is held
	// by the load until each package's turn either way.
	for _, p := range build {
		l.pkgs = append(l.pkgs, prog.CreatePackage(p.Types, p.Syntax, p.TypesInfo, true))
	}
	for i, p := range build {
		progress("building SSA", i, len(build))
		if err := buildSSA(l.pkgs[i]); err != nil {
			return nil, err
		}
		p.Syntax, p.TypesInfo = nil, nil
	}
	l.prog = prog
	return l, nil
}

// noteBrokenMain records a selected main package that is not analysed.
func (l *loaded) noteBrokenMain(p *packages.Package) {
	if l.brokenMainDirs == nil {
		l.brokenMainDirs = map[string][2]string{}
	}
	files := p.GoFiles
	if len(files) == 0 {
		files = p.CompiledGoFiles
	}
	if len(files) > 0 {
		d := filepath.Dir(files[0])
		l.brokenMainDirs[p.PkgPath] = [2]string{l.rel(d), d}
	} else {
		l.brokenMainDirs[p.PkgPath] = [2]string{}
	}
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
//
// A package also matters when it calls a method through an interface the
// program declares (callsOwnInterface): use cases that import no
// messaging library call a port, and that call is what reaches the
// adapter's method that publishes (hexagonal layers).
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

// callsOwnInterface reports whether p calls, or takes the value of, a
// method of an interface declared in a package of source.
func callsOwnInterface(p *packages.Package, source map[*types.Package]bool) bool {
	if p.TypesInfo == nil {
		return false
	}
	for _, sel := range p.TypesInfo.Selections {
		if sel.Kind() == types.MethodVal && types.IsInterface(sel.Recv()) {
			if m := sel.Obj(); m.Pkg() != nil && source[m.Pkg()] {
				return true
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

// noteCause keeps the first list error and the first type error, as
// file:line: message, for saying why a graph is empty.
func (l *loaded) noteCause(listErr bool, d topology.Diagnostic) {
	msg := d.Message
	if d.File != "" {
		msg = fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Message)
	}
	switch {
	case listErr && l.firstErr == "":
		l.firstErr = msg
	case !listErr && l.firstTypeErr == "":
		l.firstTypeErr = msg
	}
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

// rel makes a file name relative to the starting directory, with
// slashes; a file of the module cache is named module@version/path, and
// one of the Go installation GOROOT/path, so that no absolute path of this
// machine reaches a graph.
func (l *loaded) rel(file string) string {
	if r, err := filepath.Rel(l.base, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	for _, root := range []struct{ dir, name string }{{modCache(), ""}, {build.Default.GOROOT, "GOROOT/"}} {
		if root.dir != "" && strings.HasPrefix(file, root.dir+string(filepath.Separator)) {
			return root.name + filepath.ToSlash(file[len(root.dir)+1:])
		}
	}
	if r, err := filepath.Rel(l.base, file); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

// relDir is rel for a directory, for messages.
func relDir(base, dir string) string {
	if r, err := filepath.Rel(base, dir); err == nil {
		return filepath.ToSlash(r)
	}
	return dir
}

// modCache is the module cache directory, as the go command finds it.
var modCache = sync.OnceValue(func() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return filepath.Clean(d)
	}
	gopath := build.Default.GOPATH
	if i := strings.IndexByte(gopath, filepath.ListSeparator); i >= 0 {
		gopath = gopath[:i]
	}
	if gopath == "" {
		return ""
	}
	return filepath.Join(gopath, "pkg", "mod")
})

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// LoadPatterns returns the patterns of a module's load: the given ones and
// the packages they import, directly or not, that live in this repository
// rather than the module cache: those under the module's path (the module,
// and a nested module replaced into it), and those of other modules that
// a replace directive or the go.work points to a local directory. Their
// syntax is read wherever they live (tracegraph static ./cmd/catalog must
// see the catalog package's clients, a service module must see the shared
// module's publish helper), and the rest is not read at all. The imports
// are found by a go list of names, imports and modules only, which costs a
// fraction of the load; patterns that cover the whole module of a module
// with no local dependencies skip it and add the module's path pattern.
func LoadPatterns(ctx context.Context, ld modules.Load) ([]string, error) {
	mod := ld.Module.Path
	whole := mod + "/..."
	if !hasLocalDeps(ld) {
		for _, pat := range ld.Patterns {
			if pat == whole || pat == "all" || pat == "./..." {
				return append(slices.Clone(ld.Patterns), whole), nil
			}
		}
	}
	deps, err := localDeps(ctx, ld)
	if err != nil {
		// The load will say what is wrong with the patterns; reading the
		// whole module is only slower.
		return append(slices.Clone(ld.Patterns), whole), nil
	}
	return append(slices.Clone(ld.Patterns), deps...), nil
}

// hasLocalDeps reports whether a module may import packages of another
// module of the repository: its go.mod replaces a module by a directory,
// or its load runs under a go.work.
func hasLocalDeps(ld modules.Load) bool {
	if ld.Workspace != "" {
		return true
	}
	data, err := os.ReadFile(filepath.Join(ld.Module.Dir, "go.mod"))
	if err != nil {
		return false
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return false
	}
	for _, r := range mf.Replace {
		if r.New.Version == "" && !isLibrary(r.Old.Path) {
			return true
		}
	}
	return false
}

// isLibrary reports whether a module provides a package a built-in pack
// recognises (a local checkout of this project's channel package, a fork
// of nats.go): the API's own code is never analysed (index.implements),
// so it stays export data even when a replace points to its source.
func isLibrary(modPath string) bool {
	for p := range builtinPackages() {
		if p == modPath || strings.HasPrefix(p, modPath+"/") {
			return true
		}
	}
	return false
}

var builtinPackages = sync.OnceValue(func() map[string]bool {
	recs, err := Builtin()
	if err != nil {
		return nil
	}
	rs, err := compileRules(recs, nil)
	if err != nil {
		return nil
	}
	return rs.packages()
})

// localDeps lists the packages that the packages matching the load's
// patterns import, directly or not, that are under the module path or in
// a module whose source is a local directory, sorted.
func localDeps(ctx context.Context, ld modules.Load) ([]string, error) {
	cfg := &packages.Config{Context: ctx, Dir: ld.Module.Dir, Env: ld.Env(),
		Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedModule}
	roots, err := packages.Load(cfg, ld.Patterns...)
	if err != nil {
		return nil, err
	}
	mod := ld.Module.Path
	var out []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		switch {
		case p.PkgPath == mod || strings.HasPrefix(p.PkgPath, mod+"/"):
			out = append(out, p.PkgPath)
		case p.Module == nil:
		case isLibrary(p.Module.Path):
		case p.Module.Main, p.Module.Replace != nil && p.Module.Replace.Version == "":
			out = append(out, p.PkgPath)
		}
	})
	slices.Sort(out)
	return slices.Compact(out), nil
}

// selectPackages keeps, of a load, the packages the load's patterns match
// and the loaded packages they import, directly or not; the rest of the
// module is dropped unread. A local pattern matches only packages of the
// load's own module: under a go.work, ./... would also match a workspace
// module nested below, which has a load of its own.
func (l *loaded) selectPackages(ld modules.Load, pkgs []*packages.Package) ([]*packages.Package, map[string]bool) {
	byPath := map[string]*packages.Package{}
	for _, p := range pkgs {
		byPath[p.PkgPath] = p
	}
	selected := map[string]bool{}
	for _, p := range pkgs {
		for j, pat := range ld.Patterns {
			if !matchPattern(ld.Module.Dir, pat, p) {
				continue
			}
			if modules.IsLocal(pat) && p.Module != nil && p.Module.Dir != "" && p.Module.Dir != ld.Module.Dir {
				continue
			}
			if len(p.GoFiles)+len(p.CompiledGoFiles) > 0 {
				selected[p.PkgPath] = true
				l.matched[ld.Origins[j]] = true
			} else if l.matchErr == "" && len(p.Errors) > 0 {
				l.matchErr = oneLine(p.Errors[0].Msg)
			}
		}
	}
	if len(selected) == 0 {
		for _, p := range pkgs {
			// go list reports a pattern it cannot expand as a package
			// without files that carries the error.
			if l.matchErr == "" && len(p.GoFiles)+len(p.CompiledGoFiles) == 0 && len(p.Errors) > 0 {
				l.matchErr = oneLine(p.Errors[0].Msg)
			}
		}
		return nil, nil
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
	return out, selected
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
	if modules.IsLocal(pattern) {
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
