package modules

import (
	"fmt"
	"go/build"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// Error is a pattern or directory that cannot be planned: the user's input.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Module is one go.mod.
type Module struct {
	Dir  string // absolute directory of the go.mod
	Path string // the module path its module line declares
}

// Load is one packages.Load of a plan: patterns in the module's terms, to
// be run with Module.Dir as the working directory.
type Load struct {
	Module   Module
	Patterns []string
	// Origins holds, for each of Patterns, the index of the user's pattern
	// it stands for, so that a pattern no load matched can be named.
	Origins []int
	// Workspace is the go.work the load runs under; "" means the load must
	// run with GOWORK=off.
	Workspace string
}

// Env returns the environment for the load's go commands.
func (l Load) Env() []string {
	env := os.Environ()
	if l.Workspace == "" {
		env = append(env, "GOWORK=off")
	}
	return env
}

// Plan splits patterns given in dir into loads, one per module, sorted by
// module directory. An empty patterns list means ./... The notes say what
// the plan chose not to use (an invalid go.work), for the user to see.
func Plan(dir string, patterns []string) (loads []Load, notes []string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, errorf("%s: %v", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, nil, errorf("%s is not a directory", dir)
	}
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	p := &planner{dir: abs, byDir: map[string]*Load{}, found: map[string][]Module{}, works: map[string]*workspace{}}
	for i, pat := range patterns {
		if err := p.add(i, pat); err != nil {
			return nil, nil, err
		}
	}
	for _, d := range slices.Sorted(maps.Keys(p.byDir)) {
		loads = append(loads, *p.byDir[d])
	}
	return loads, p.notes, nil
}

type planner struct {
	dir   string
	byDir map[string]*Load
	found map[string][]Module   // directory -> the modules at or below it
	works map[string]*workspace // go.work file -> what it lists
	notes []string
}

func (p *planner) add(i int, pat string) error {
	if pat == "" {
		return errorf("an empty package pattern")
	}
	if !IsLocal(pat) {
		// An argument that is a file here is a mistake, not an import
		// path (tracegraph static events.jsonl).
		if st, err := os.Stat(filepath.Join(p.dir, pat)); err == nil && !st.IsDir() {
			return errorf("%s is a file, not a package pattern", pat)
		}
		return p.addImportPath(i, pat)
	}
	base, recursive := strings.CutSuffix(pat, "/...")
	if pat == "..." {
		base, recursive = ".", true
	}
	d := base
	if !filepath.IsAbs(d) {
		d = filepath.Join(p.dir, d)
	}
	d = filepath.Clean(d)
	st, err := os.Stat(d)
	switch {
	case err != nil:
		return errorf("%s: no such directory", pat)
	case !st.IsDir():
		return errorf("%s is a file, not a package pattern (name its directory)", pat)
	}
	gov, govErr := governing(d)
	if !recursive {
		if govErr != nil {
			return errorf("%s: %v", pat, govErr)
		}
		p.put(gov, local(gov.Dir, d, false), i)
		return nil
	}
	if govErr == nil {
		p.put(gov, local(gov.Dir, d, true), i)
	}
	n := 0
	for _, m := range p.modulesBelow(d) {
		if govErr == nil && m.Dir == gov.Dir {
			continue
		}
		p.put(m, "./...", i)
		n++
	}
	if govErr != nil && n == 0 {
		return errorf("%s: no Go module at or below %s (no go.mod)", pat, p.show(d))
	}
	return nil
}

// addImportPath gives an import path pattern to the modules whose packages
// it may name: those at or below dir whose path it covers, else the module
// that governs dir (for a dependency's packages).
func (p *planner) addImportPath(i int, pat string) error {
	gov, govErr := governing(p.dir)
	prefix, _, wild := strings.Cut(pat, "...")
	prefix = strings.TrimSuffix(prefix, "/")
	n := 0
	for _, m := range p.modulesBelow(p.dir) {
		// a/b/... covers a/b and a/b/c, not a/bc; a/b... covers a/bc.
		below := strings.HasPrefix(m.Path, prefix+"/")
		if !strings.HasSuffix(pat, "/...") {
			below = strings.HasPrefix(m.Path, prefix)
		}
		covers := pat == "all" || m.Path == prefix || strings.HasPrefix(prefix, m.Path+"/") ||
			(wild && (prefix == "" || below))
		if covers {
			p.put(m, pat, i)
			n++
		}
	}
	if n > 0 {
		return nil
	}
	if govErr != nil {
		return errorf("%s: no Go module at or below %s provides it", pat, p.show(p.dir))
	}
	p.put(gov, pat, i)
	return nil
}

func (p *planner) put(m Module, pat string, origin int) {
	l := p.byDir[m.Dir]
	if l == nil {
		l = &Load{Module: m, Workspace: p.workspaceOf(m)}
		p.byDir[m.Dir] = l
	}
	for j, q := range l.Patterns {
		if q == pat && l.Origins[j] == origin {
			return
		}
	}
	l.Patterns = append(l.Patterns, pat)
	l.Origins = append(l.Origins, origin)
}

func (p *planner) show(d string) string {
	if r, err := filepath.Rel(p.dir, d); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return d
}

// modulesBelow returns the modules at or below d; the go tool's exclusions
// apply below d, so that ./_examples/... reads what ./... skips.
func (p *planner) modulesBelow(d string) []Module {
	if ms, ok := p.found[d]; ok {
		return ms
	}
	ms, bad := Find(d)
	for _, gm := range bad {
		note := fmt.Sprintf("%s has no module line: the packages below it are not analysed", p.show(gm))
		if !slices.Contains(p.notes, note) {
			p.notes = append(p.notes, note)
		}
	}
	p.found[d] = ms
	return ms
}

// Find returns the modules at or below root, sorted by directory. Below
// root it skips what the go tool skips: vendor and testdata directories,
// and names that start with "." or "_". A go.mod without a module line is
// no module: those are returned apart, for the caller to say so.
func Find(root string) (mods []Module, noModuleLine []string) {
	var out []Module
	// WalkDir does not follow a root that is a symbolic link (a checkout
	// reached through one): walk what it points to, and name what is
	// found below root as the user does.
	real := root
	if r, err := filepath.EvalSymlinks(root); err == nil && r != root {
		real = r
	}
	_ = filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
		if rel, err := filepath.Rel(real, path); err == nil {
			path = filepath.Join(root, rel)
		}
		if err != nil {
			if d != nil && d.IsDir() && path != root {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if path != root {
			name := d.Name()
			if name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return fs.SkipDir
			}
		}
		gm := filepath.Join(path, "go.mod")
		if mp := modulePath(gm); mp != "" {
			out = append(out, Module{Dir: path, Path: mp})
		} else if st, err := os.Stat(gm); err == nil && !st.IsDir() {
			noModuleLine = append(noModuleLine, gm)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Module) int { return strings.Compare(a.Dir, b.Dir) })
	slices.Sort(noModuleLine)
	return out, noModuleLine
}

// governing returns the module whose go.mod is at or above d.
func governing(d string) (Module, error) {
	for x := d; ; x = filepath.Dir(x) {
		gm := filepath.Join(x, "go.mod")
		if _, err := os.Stat(gm); err == nil {
			mp := modulePath(gm)
			if mp == "" {
				return Module{}, fmt.Errorf("%s has no module line", gm)
			}
			return Module{Dir: x, Path: mp}, nil
		}
		if filepath.Dir(x) == x {
			return Module{}, fmt.Errorf("no go.mod at or above %s", d)
		}
	}
}

func modulePath(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	return modfile.ModulePath(data)
}

// local writes directory d as a pattern relative to the module directory.
func local(modDir, d string, recursive bool) string {
	r, _ := filepath.Rel(modDir, d)
	pat := "./" + filepath.ToSlash(r)
	if r == "." {
		pat = "."
	}
	if recursive {
		if r == "." {
			return "./..."
		}
		return pat + "/..."
	}
	return pat
}

// IsLocal reports whether a package pattern names directories (./x,
// ../x/..., ., an absolute path) rather than import paths.
func IsLocal(pat string) bool {
	return pat == "." || pat == ".." || pat == "..." || build.IsLocalImport(pat) || filepath.IsAbs(pat)
}
