package staticgraph

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tracegraph/tracegraph/topology"
)

// combine puts the modules' graphs together: services named by directory
// get their final names, calls no module's main reaches are reported once
// (and once per package of generated code), the diagnostics that speak of
// the whole run are made here, and the endpoints of all modules pair into
// flows. An HTTP request's peer that is a host a Compose file at or below
// root gives a service is named by that service.
func combine(root string, results []*moduleResult, notes []string) *Result {
	var dirNamed []dirService
	reached := map[topology.Evidence]bool{}
	mains, apiMains, brokenMains := 0, 0, 0
	for _, r := range results {
		brokenMains += r.brokenMains
		dirNamed = append(dirNamed, r.dirNamed...)
		for e := range r.reached {
			reached[e] = true
		}
		mains += r.mains
		apiMains += r.apiMains
	}
	taken := map[string][]string{}
	for _, r := range results {
		if r.graph != nil {
			for _, s := range r.graph.Services {
				if !strings.HasPrefix(s.Name, provisional) {
					taken[s.Name] = append(taken[s.Name], s.Package)
				}
			}
		}
	}
	names, nameDiags := finalNames(dirNamed, taken)
	rename := func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		return s
	}
	g := topology.New(topology.SourceStatic)
	res := &Result{Graph: g}
	g.Diagnostics = append(g.Diagnostics, nameDiags...)
	for _, n := range notes {
		g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{Message: n})
	}
	generated := map[string]map[topology.Evidence]bool{} // package -> unreached calls
	var firstLoadErr string
	for _, r := range results {
		res.Broken = append(res.Broken, r.broken...)
		if r.fatal != "" {
			g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{Package: r.load.Module.Path, Message: r.fatal})
			res.Broken = append(res.Broken, r.load.Module.Path)
			if firstLoadErr == "" {
				firstLoadErr = r.fatal
			}
		}
		rg := r.graph
		if rg == nil {
			continue
		}
		for _, s := range rg.Services {
			s.Name = rename(s.Name)
			g.Services = append(g.Services, s)
		}
		for _, e := range rg.Endpoints {
			e.Service = rename(e.Service)
			g.Endpoints = append(g.Endpoints, e)
		}
		for _, u := range rg.Unresolved {
			u.Service = rename(u.Service)
			g.Unresolved = append(g.Unresolved, u)
		}
		if firstLoadErr == "" {
			firstLoadErr = r.loadErr
		}
		g.Diagnostics = append(g.Diagnostics, rg.Diagnostics...)
		for _, u := range r.unreached {
			if reached[topology.Evidence{File: u.diag.File, Line: u.diag.Line}] {
				continue
			}
			if u.generated {
				if generated[u.diag.Package] == nil {
					generated[u.diag.Package] = map[topology.Evidence]bool{}
				}
				generated[u.diag.Package][topology.Evidence{File: u.diag.File, Line: u.diag.Line}] = true
				continue
			}
			g.Diagnostics = append(g.Diagnostics, u.diag)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(generated)) {
		g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{Package: p, Message: fmt.Sprintf(
			"%d endpoint call(s) in the generated code of %s are not reached from any main package, so they are no flows", len(generated[p]), p)})
	}
	switch {
	case mains == 0 && brokenMains > 0:
		g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{
			Message: "every main package failed to load: no code is reachable, so there are no flows"})
	case mains == 0:
		g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{
			Message: "no main package among the analysed packages: no code is reachable, so there are no flows"})
	case apiMains == 0:
		g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{
			Message: "no main package imports a recognised messaging API (a built-in pack or a recognizer in tracegraph.yaml), so there are no flows"})
	}
	for i := range g.Diagnostics {
		g.Diagnostics[i].Message = strings.TrimSpace(g.Diagnostics[i].Message)
	}
	namePeers(root, g, results)
	// Merging the one graph joins the endpoints two modules found for one
	// service and derives the flows, exactly as merging saved graphs does.
	g, err := topology.Merge(g)
	if err != nil {
		panic(err) // a graph made here is a declared graph
	}
	res.Graph = g
	slices.Sort(res.Broken)
	res.Broken = slices.Compact(res.Broken)
	res.Why = why(g, mains, apiMains, brokenMains, firstLoadErr)
	for _, r := range results {
		for pkg, d := range r.brokenMainDirs {
			res.Incomplete = append(res.Incomplete, dirService{pkg: pkg, dir: d[0], abs: d[1]}.name())
		}
	}
	slices.Sort(res.Incomplete)
	res.Incomplete = slices.Compact(res.Incomplete)
	return res
}

// why says, one line each, why a graph has no service or no endpoint.
func why(g *topology.Graph, mains, apiMains, brokenMains int, loadErr string) []string {
	if len(g.Services) > 0 && len(g.Endpoints) > 0 {
		return nil
	}
	var out []string
	if loadErr != "" {
		out = append(out, "a package failed to load: "+loadErr)
	}
	switch {
	case mains == 0 && brokenMains > 0:
		out = append(out, "every main package failed to load")
	case mains == 0:
		out = append(out, "no main package among the analysed packages")
	case apiMains == 0:
		out = append(out, "no main package imports a recognised messaging library (nats.go, Kafka clients, Watermill, gRPC, the channel package, or a recognizer in tracegraph.yaml)")
	case len(g.Unresolved) > 0:
		out = append(out, fmt.Sprintf("%d endpoint(s) have channel names that are not constant: see unresolved", len(g.Unresolved)))
	default:
		out = append(out, "no call of a recognised messaging API is reached from a main package: see diagnostics")
	}
	return out
}
