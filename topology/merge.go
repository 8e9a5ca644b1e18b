package topology

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// duplicateSubject starts the Subject of the diagnostic Merge makes for a
// service that more than one repository defines; Merge makes it anew from
// the services' repositories each time, so that merging stays associative.
const duplicateSubject = "service defined in several repositories: "

// Merge returns the union of declared graphs, such as those of separate
// repositories that each repository's CI saved: services by name (their
// repositories joined), endpoints by identity (their evidence joined),
// unresolved entries and diagnostics, with the flows derived anew from all
// the endpoints, so that endpoints pair across the graphs. A service that
// graphs of two repositories define is a diagnostic. The result is
// normalized; Merge is associative and commutative, and merging one graph
// gives that graph. Graphs that are not declared graphs are an error.
func Merge(graphs ...*Graph) (*Graph, error) {
	out := New(SourceStatic)
	type ekey struct {
		service, role, channel, message, reply, system, peer string
		pattern                                              bool
	}
	endpoints := map[ekey]*Endpoint{}
	for i, g := range graphs {
		if g.Source != SourceStatic {
			return nil, fmt.Errorf("graph %d is a %s graph: only declared (static) graphs merge", i+1, cmp.Or(g.Source, "sourceless"))
		}
		for _, s := range g.Services {
			if old := out.Service(s.Name); old != nil {
				old.Repos = append(old.Repos, s.Repos...)
				old.Aliases = append(old.Aliases, s.Aliases...)
				old.Candidates = append(old.Candidates, s.Candidates...)
				old.Virtual = old.Virtual && s.Virtual
				if old.Package == "" || (s.Package != "" && s.Package < old.Package) {
					old.Package = s.Package
				}
				if old.Team == "" || (s.Team != "" && s.Team < old.Team) {
					old.Team = s.Team
				}
				continue
			}
			s.Repos = slices.Clone(s.Repos)
			s.Aliases = slices.Clone(s.Aliases)
			s.Candidates = slices.Clone(s.Candidates)
			out.Services = append(out.Services, s)
		}
		for _, e := range g.Endpoints {
			k := ekey{e.Service, e.Role, e.Channel, e.MessageType, e.ReplyType, e.System, e.Peer, e.Pattern}
			if old := endpoints[k]; old != nil {
				old.Evidence = append(old.Evidence, e.Evidence...)
				continue
			}
			e.Evidence = slices.Clone(e.Evidence)
			endpoints[k] = &e
		}
		out.Unresolved = append(out.Unresolved, g.Unresolved...)
		for _, d := range g.Diagnostics {
			if !strings.HasPrefix(d.Subject, duplicateSubject) && !strings.HasPrefix(d.Subject, nearMissSubject) {
				out.Diagnostics = append(out.Diagnostics, d)
			}
		}
	}
	for _, e := range endpoints {
		out.Endpoints = append(out.Endpoints, *e)
	}
	for i := range out.Services {
		s := &out.Services[i]
		slices.Sort(s.Repos)
		s.Repos = slices.Compact(s.Repos)
		if len(s.Repos) > 1 && !s.Virtual {
			out.Diagnostics = append(out.Diagnostics, Diagnostic{Subject: duplicateSubject + s.Name,
				Message: fmt.Sprintf("service %q is defined in the repositories %s: their endpoints are taken as one service's", s.Name, strings.Join(s.Repos, ", "))})
		}
	}
	// Normalize before deriving, so that flows and their evidence do not
	// depend on the order of the graphs.
	out.Normalize()
	out.Flows = DeriveFlows(out.Endpoints)
	out.Diagnostics = append(out.Diagnostics, nearMisses(out.Flows)...)
	out.Normalize()
	return out, nil
}

// StampRepo marks every service, piece of evidence, unresolved entry and
// diagnostic of g that names no repository as repo's: what a repository's
// CI does before its graph is merged with others (tracegraph static
// --repo).
func (g *Graph) StampRepo(repo string) {
	if repo == "" {
		return
	}
	for i := range g.Services {
		if len(g.Services[i].Repos) == 0 {
			g.Services[i].Repos = []string{repo}
		}
	}
	stamp := func(ev []Evidence) {
		for i := range ev {
			if ev[i].Repo == "" {
				ev[i].Repo = repo
			}
		}
	}
	for i := range g.Endpoints {
		stamp(g.Endpoints[i].Evidence)
	}
	for i := range g.Flows {
		stamp(g.Flows[i].Evidence)
	}
	for i := range g.Unresolved {
		if g.Unresolved[i].Repo == "" {
			g.Unresolved[i].Repo = repo
		}
	}
	for i := range g.Diagnostics {
		if g.Diagnostics[i].Repo == "" && (g.Diagnostics[i].File != "" || g.Diagnostics[i].Package != "") {
			g.Diagnostics[i].Repo = repo
		}
	}
}
