package staticgraph

import (
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/topology"
)

// A service that its code does not name (no NewService constant, no
// OpenTelemetry service.name) is named by its main package: the last
// element of the import path that is not generic, else of its directory.
// Names can only be told apart once every module is analysed, so a
// module's graph names such a service provisionally, by directory, and
// combine gives the final names.

// generic are the path elements that say nothing of which service a main
// package is (cmd/server/main.go); a major version suffix (v2) is one too.
var generic = map[string]bool{"cmd": true, "main": true, "server": true, "app": true, "service": true, "api": true}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

func isGeneric(elem string) bool {
	return generic[elem] || majorVersion.MatchString(elem) || elem == "." || elem == ""
}

// provisional marks a service name given by directory until combine names
// it; no name from code contains a NUL.
const provisional = "\x00dir:"

// dirService is a service named by its main package's directory.
type dirService struct {
	key string // the provisional name in the module's graph
	pkg string // the main package's import path
	dir string // its directory relative to the starting directory, with slashes
	abs string // and absolute
}

// telling returns the elements of the import path up to its last telling
// one, else those of the directory: the name is the last of them, and
// names that collide are told apart by more of them.
func (d dirService) telling() []string {
	if t := upToTelling(strings.Split(d.pkg, "/")); t != nil {
		return t
	}
	if t := upToTelling(strings.Split(filepath.ToSlash(d.abs), "/")); t != nil {
		return t
	}
	return []string{path.Base(d.pkg)}
}

// dirTelling is telling by the directory alone, all of it when no element
// is telling.
func (d dirService) dirTelling() []string {
	elems := strings.Split(filepath.ToSlash(d.abs), "/")
	if t := upToTelling(elems); t != nil {
		return t
	}
	return elems
}

// upToTelling returns elems up to their last telling one; nil when none
// is.
func upToTelling(elems []string) []string {
	for i := len(elems) - 1; i >= 0; i-- {
		if !isGeneric(elems[i]) {
			return elems[:i+1]
		}
	}
	return nil
}

func (d dirService) name() string { t := d.telling(); return t[len(t)-1] }

// mainService names the service a main package runs as: the
// service.name its OpenTelemetry resource is built with, else the one
// service its code names and runs as (a NewService("merchant-api") whose
// home it is), else the services: rule that names its package, else a
// provisional name by directory.
func (a *analysis) mainService(m *ssa.Package) string {
	pkg := m.Pkg.Path()
	if n := a.otelNames[m]; n != "" {
		return a.service(n, pkg)
	}
	if n := a.codeNames[m]; n != "" {
		return a.service(n, pkg)
	}
	dirs := a.l.mainDirs[pkg]
	ds := dirService{pkg: pkg, dir: dirs[0], abs: dirs[1]}
	for _, r := range a.services {
		if r.Name != "" && r.Package != "" {
			if config.MatchPackage(r.Package, pkg) {
				return a.service(ds.name(), pkg)
			}
		}
	}
	ds.key = provisional + ds.dir
	if _, ok := a.svcs[ds.key+"\x00"+pkg]; !ok {
		a.res.dirNamed = append(a.res.dirNamed, ds)
	}
	name := a.service(ds.key, pkg)
	if c := a.otelCands[m]; len(c) > 0 {
		s := a.svcs[ds.key+"\x00"+pkg]
		s.Candidates = append(s.Candidates[:0], c...)
	}
	return name
}

// finalNames names the services every module named by directory: each
// its telling name, and where two main packages would share one, as many
// more elements of their paths as tell them apart, with a diagnostic.
//
// taken holds the names services have from code or configuration, with
// the main packages they run in: a directory name that equals one of
// another main package would merge two services into one, so it is
// lengthened too. The same main named both ways (a NewService("alpha")
// in cmd/alpha) is one service.
func finalNames(all []dirService, taken map[string][]string) (map[string]string, []topology.Diagnostic) {
	other := func(name string, g []dirService) bool {
		for _, p := range taken[name] {
			if !slices.ContainsFunc(g, func(d dirService) bool { return d.pkg == p }) {
				return true
			}
		}
		return false
	}
	used := map[string]bool{}
	for n := range taken {
		used[n] = true
	}
	byKey := map[string]dirService{}
	for _, d := range all {
		byKey[d.key] = d
	}
	groups := map[string][]dirService{}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		d := byKey[k]
		groups[d.name()] = append(groups[d.name()], d)
	}
	names := map[string]string{}
	var diags []topology.Diagnostic
	for _, n := range slices.Sorted(maps.Keys(groups)) {
		g := groups[n]
		clash := other(n, g)
		if len(g) == 1 && !clash {
			names[g[0].key] = n
			continue
		}
		told := tellApart(g, used)
		var dirs, got []string
		for i, d := range g {
			names[d.key] = told[i]
			dirs = append(dirs, d.dir)
			got = append(got, fmt.Sprintf("%q", told[i]))
		}
		msg := fmt.Sprintf("main packages in %s would all be named %q by their directories; they are named %s: name them in code or with services: in tracegraph.yaml",
			strings.Join(dirs, ", "), n, strings.Join(got, ", "))
		if clash && len(g) == 1 {
			msg = fmt.Sprintf("the main package in %s would be named %q by its directory, which another service is named in code or configuration; it is named %s: name it in code or with services: in tracegraph.yaml",
				strings.Join(dirs, ", "), n, strings.Join(got, ", "))
		}
		diags = append(diags, topology.Diagnostic{Message: msg})
	}
	return names, diags
}

// tellApart gives the services of one name the shortest distinct suffixes
// of their telling paths that no other service has; services whose import
// paths are the same (two modules with one module path) are told apart by
// directory.
func tellApart(g []dirService, taken map[string]bool) []string {
	elems := make([][]string, len(g))
	same := false
	for i, d := range g {
		elems[i] = d.telling()
		for j := 0; j < i; j++ {
			same = same || slices.Equal(elems[i], elems[j])
		}
	}
	if same {
		for i, d := range g {
			elems[i] = d.dirTelling()
		}
	}
	longest := 0
	for _, e := range elems {
		longest = max(longest, len(e))
	}
	for k := 1; k <= longest; k++ {
		out := make([]string, len(g))
		seen := map[string]bool{}
		distinct := true
		for i, e := range elems {
			out[i] = strings.Join(e[max(0, len(e)-k):], "/")
			distinct = distinct && !seen[out[i]] && !taken[out[i]]
			seen[out[i]] = true
		}
		if distinct {
			return out
		}
	}
	out := make([]string, len(g))
	for i, d := range g {
		out[i] = d.dir
	}
	return out
}

// resolveCodeNames fills a.codeNames: for each main package, the service
// name its code gives a service value and runs it as (mainOf), when there
// is exactly one. The endpoints a main has without a service value (an
// HTTP route, a gRPC server) then belong to that service, not to another
// named by the directory.
func (a *analysis) resolveCodeNames() {
	a.codeNames = map[*ssa.Package]string{}
	names := map[*ssa.Package][]string{}
	for _, sm := range a.ix.serviceMakes {
		c, ok := sm.call.(*ssa.Call)
		if !ok || !a.re.reachable(sm.fn) {
			continue
		}
		for _, v := range a.ev.resolve(c) {
			if v.kind != kService {
				continue
			}
			n, pattern, ok := v.props[propName].name()
			if !ok || pattern || n == "" {
				continue
			}
			// Only a main that is surely the service's home: the one
			// main that makes it, or one whose directory has its name.
			// A service a shared package makes for several mains
			// names none of them.
			mains := a.re.mainsOf(sm.fn)
			for _, m := range mains {
				if len(mains) == 1 || path.Base(m.Pkg.Path()) == n {
					names[m] = append(names[m], n)
				}
			}
		}
	}
	for m, ns := range names {
		slices.Sort(ns)
		if ns = slices.Compact(ns); len(ns) == 1 {
			a.codeNames[m] = ns[0]
		}
	}
}
