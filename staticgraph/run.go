package staticgraph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/staticgraph/modules"
	"github.com/tracegraph/tracegraph/topology"
)

// Options say what to analyse and how.
type Options struct {
	// Dir is the directory the patterns are relative to ("" = current).
	// Evidence in the graph is relative to it.
	Dir string
	// Patterns are go package patterns; none means ./...
	Patterns []string
	// Recognizers add to the built-in packs; a rule for the same function
	// replaces the built-in one.
	Recognizers []config.Recognizer
	// Services name, alias and group services by package (tracegraph.yaml
	// services:); matched against each service's main package.
	Services []config.ServiceRule
	// Parallel is how many modules are loaded and analysed at once; 0
	// means the number of CPUs. Memory grows with it: each module's
	// packages and SSA are let go when its analysis ends.
	Parallel int
	// Progress, if set, is told what stage the analysis is in; total is 0
	// while the amount of work is not known. It is called from one
	// goroutine at a time.
	Progress func(stage string, done, total int)
}

// Result is a declared graph and what kept it from being complete.
type Result struct {
	Graph *topology.Graph
	// Broken lists the packages that failed to load or type-check: the
	// graph leaves them out (their diagnostics say why).
	Broken []string
	// Why says, one line each, why the graph has no service or no
	// endpoint; empty when it has both.
	Why []string
	// Incomplete names, as their directories would, the services whose
	// main packages were not analysed because they (or a package they
	// import) failed to load: a diff cannot blame what they may declare.
	Incomplete []string
}

// InputError is an error in what the analysis was asked to read: no Go
// module, patterns that match no package, a bad recognizer.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErr(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// Analyze builds the declared graph of the packages the patterns match,
// over every module they reach: one load and analysis per module (see
// package modules), several at once, their endpoints paired in one graph.
// An *InputError is the caller's input (no module, no package);
// broken packages are not errors but diagnostics and Result.Broken.
func Analyze(ctx context.Context, opts Options) (*Result, error) {
	progress := syncProgress(opts.Progress)
	recs, err := Builtin()
	if err != nil {
		return nil, err
	}
	rs, err := compileRules(recs, opts.Recognizers)
	if err != nil {
		return nil, &InputError{Msg: err.Error()}
	}
	patterns := opts.Patterns
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	base, err := filepath.Abs(dir)
	if err != nil {
		return nil, inputErr("%s: %v", dir, err)
	}
	loads, notes, err := modules.Plan(dir, patterns)
	var me *modules.Error
	if errors.As(err, &me) {
		return nil, &InputError{Msg: me.Msg}
	}
	if err != nil {
		return nil, err
	}
	results := make([]*moduleResult, len(loads))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(max(opts.Parallel, 0), runtime.GOMAXPROCS(0)))
	var mu sync.Mutex
	done := 0
	for i, ld := range loads {
		g.Go(func() error {
			inner := progress
			if len(loads) > 1 {
				inner = func(string, int, int) {}
			}
			r, err := analyzeModule(gctx, base, ld, rs, opts.Services, inner)
			var ie *InputError
			if errors.As(err, &ie) && len(loads) > 1 {
				// One module that cannot be loaded at all (a broken
				// go.mod) costs its own flows, not the others'.
				r, err = &moduleResult{load: ld, fatal: ie.Msg}, nil
			}
			if err != nil {
				return err
			}
			results[i] = r
			mu.Lock()
			done++
			progress("analysing modules", done, len(loads))
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := unmatched(patterns, results); err != nil {
		return nil, err
	}
	return combine(base, results, notes), nil
}

// unmatched is the input error for the first pattern no module matched.
func unmatched(patterns []string, results []*moduleResult) error {
	matched := map[int]bool{}
	why := map[int]string{}
	for _, r := range results {
		for o := range r.matched {
			matched[o] = true
		}
		for _, o := range r.load.Origins {
			if why[o] == "" {
				why[o] = cmp.Or(r.fatal, r.matchErr)
			}
		}
	}
	for i, p := range patterns {
		if !matched[i] {
			reason := why[i]
			if reason == "" {
				reason = "matched no packages"
			}
			if strings.HasPrefix(reason, p+":") {
				return &InputError{Msg: reason}
			}
			return inputErr("%s: %s", p, reason)
		}
	}
	return nil
}

// syncProgress makes a progress callback safe to call from the module
// goroutines.
func syncProgress(f func(string, int, int)) func(string, int, int) {
	if f == nil {
		return func(string, int, int) {}
	}
	var mu sync.Mutex
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		f(stage, done, total)
	}
}

// moduleResult is what one module's analysis leaves for the combination:
// its graph, with the services named by directory under provisional names
// (see naming.go), and what the other modules' results may overrule.
type moduleResult struct {
	load     modules.Load
	graph    *topology.Graph
	broken   []string
	fatal    string // the load failed as a whole
	matched  map[int]bool
	matchErr string
	mains    int // main packages among the selected ones
	// brokenMains are the selected main packages that failed to load, and
	// loadErr the first load error, the cause of an empty graph.
	brokenMains int
	loadErr     string
	apiMains    int // of those, the ones that reach a recognised API
	// reached are the positions of endpoint calls a main of this module
	// reaches; unreached are the diagnostics of calls none reaches, which
	// another module's main may reach (a shared module's helper).
	reached   map[topology.Evidence]bool
	unreached []unreachedCall
	dirNamed  []dirService
	mainDirs  map[string]string // main package path -> absolute directory
	// brokenMains are the selected main packages not analysed, with
	// their directories (relative and absolute).
	brokenMainDirs map[string][2]string
}

// unreachedCall is an endpoint call no main of its module reaches.
type unreachedCall struct {
	diag      topology.Diagnostic
	generated bool
}

// analyzeModule loads one module and analyses it.
func analyzeModule(ctx context.Context, base string, ld modules.Load, rs rules, services []config.ServiceRule, progress func(string, int, int)) (*moduleResult, error) {
	progress("loading packages", 0, 0)
	l, err := load(ctx, base, ld, rs.packages(), progress)
	if err != nil {
		return nil, err
	}
	res := &moduleResult{load: ld, matched: l.matched, matchErr: l.matchErr, broken: l.broken,
		brokenMains: l.brokenMains, loadErr: cmp.Or(l.firstErr, l.firstTypeErr),
		reached: map[topology.Evidence]bool{}, graph: topology.New(topology.SourceStatic)}
	res.graph.Diagnostics = append(res.graph.Diagnostics, l.diags...)
	res.mainDirs = map[string]string{}
	for p, d := range l.mainDirs {
		res.mainDirs[p] = d[1]
	}
	res.brokenMainDirs = l.brokenMainDirs
	if l.prog == nil {
		return res, nil
	}
	progress("indexing", 0, 0)
	ix := newIndex(l.prog, l.pkgs, l.source, rs)
	re := newReach(ix, l.pkgs, l.selected)
	a := &analysis{l: l, ix: ix, re: re, ev: newEvaluator(ix, re), services: services, res: res,
		g: res.graph, endpoints: map[endpointKey]*topology.Endpoint{},
		svcs: map[string]*topology.Service{}, used: map[*ssa.Call]bool{}}
	res.mains, res.apiMains = l.mains, len(re.mains)
	a.resolveServiceNames()
	a.resolveCodeNames()
	// A call in generic code is one call in the source however many
	// instances it has: unreachable only if no instance is reached.
	a.reachedAt = map[token.Pos]bool{}
	for _, u := range ix.uses {
		if re.reachable(u.fn) {
			a.reachedAt[u.call.Pos()] = true
			res.reached[a.evidence(u.call.Pos())] = true
		}
	}
	for _, u := range ix.dynamic {
		a.guard(u, a.dynamicUse)
	}
	for i, u := range ix.uses {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			progress("analysing calls", i, len(ix.uses))
		}
		a.guard(u, a.use)
	}
	for _, u := range ix.stubUses {
		func() {
			defer func() {
				if r := recover(); r != nil {
					a.diag(u.fn, u.call.Pos(), fmt.Sprintf("internal error analysing this call, please report it: %v", r))
				}
			}()
			a.stubUse(u)
		}()
	}
	progress("analysing calls", len(ix.uses), len(ix.uses))
	a.safely(a.unused)
	a.safely(a.unusedGenerated)
	a.assemble()
	return res, nil
}
