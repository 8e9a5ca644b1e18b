package staticgraph

import (
	"context"
	"fmt"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	prog    *ssa.Program
	pkgs    []*ssa.Package // the analysable packages, in load order
	syntax  map[*types.Package]*packages.Package
	broken  []string // paths of packages that failed to load or type-check
	diags   []topology.Diagnostic
	modRoot string
}

// load runs the one packages.Load and builds SSA for every package that
// loaded without errors (and whose imports did).
func load(ctx context.Context, dir string, patterns []string) (*loaded, error) {
	root, err := ModuleRoot(dir)
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{Context: ctx, Mode: LoadMode, Dir: dir}
	initial, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, inputErr("load %s: %s", strings.Join(patterns, " "), oneLine(err.Error()))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := &loaded{syntax: map[*types.Package]*packages.Package{}, modRoot: root}
	matched := 0
	for _, p := range initial {
		if len(p.GoFiles)+len(p.CompiledGoFiles) > 0 {
			matched++
		}
	}
	if matched == 0 {
		msg := "matched no packages"
		if len(initial) > 0 && len(initial[0].Errors) > 0 {
			msg = oneLine(initial[0].Errors[0].Msg)
		}
		return nil, inputErr("%s: %s", strings.Join(patterns, " "), msg)
	}

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
	for _, p := range good {
		l.syntax[p.Types] = p
	}
	// Dependencies get SSA packages without bodies, as
	// ssautil.BuildPackage does; ssautil.Packages would need NeedDeps.
	created := map[*types.Package]bool{}
	var createDeps func([]*types.Package)
	createDeps = func(ps []*types.Package) {
		for _, tp := range ps {
			if created[tp] || l.syntax[tp] != nil {
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
	for _, p := range good {
		l.pkgs = append(l.pkgs, prog.CreatePackage(p.Types, p.Syntax, p.TypesInfo, true))
	}
	if err := buildSSA(prog); err != nil {
		return nil, err
	}
	l.prog = prog
	return l, nil
}

// buildSSA builds every body. The builder panics on inputs it does not
// expect; that is a bug to report, not a crash of the whole command.
func buildSSA(prog *ssa.Program) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building SSA: %v", r)
		}
	}()
	prog.Build()
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
