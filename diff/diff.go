package diff

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tracegraph/tracegraph/topology"
)

// Options say how to compare.
type Options struct {
	// Aliases maps another name of a service (typically the name it runs
	// under) to its declared name. Both graphs are renamed through it before
	// they are compared, so a flow observed as "catalog-svc" meets the one
	// declared for "catalog". Service.Aliases in either graph add to it.
	Aliases map[string]string
	// Teams maps declared service names to the team that owns them; the
	// renderings cluster services by team.
	Teams map[string]string
	// Baseline, when set, marks the differences it lists as accepted and
	// reports its entries that match nothing any more.
	Baseline *Baseline
	// Rules are architecture rules checked on the compared graph.
	Rules []Rule
	// Partial says the declared graph is incomplete: some of the code
	// failed to load. An observed flow that would be undeclared is then
	// unverified when one of its services is in Incomplete (its code did
	// not load) or is not a declared service at all: the code that did
	// not load may declare it.
	Partial    bool
	Incomplete []string
}

// Compare returns the diff graph (Source "diff") of declared and observed.
//
// Each observed flow is matched against the declared flows of the same kind
// whose channels meet (a declared pattern such as orders.* meets any
// concrete channel it matches) and whose systems are equal or one of them
// unknown:
//   - same producer and consumer and the same message type (or one side does
//     not know the type): converged;
//   - same producer and consumer, different message type: type-mismatch, with
//     the declared type in MessageType and the observed one in ObservedType;
//   - otherwise: undeclared.
//
// Declared flows no observed flow matched are unobserved.
//
// Dangling ends (a flow with an empty From or To) are half a flow. A
// dangling end on one side that a complete flow on the other side covers on
// its known end is absorbed into that flow rather than reported on its own:
// a declared subscriber with no declared producer, observed consuming from
// B, makes the observed flow undeclared (its producer is not declared) and
// lends it its evidence, but is not also reported unobserved; a publish
// observed without a consumer whose producer declares a flow on that channel
// adds nothing new. Dangling ends match dangling ends like any other flow.
//
// Converged and type-mismatch flows keep the observed stats and the declared
// evidence. An undeclared flow is located at the declared endpoints of its
// producer (the publish or request), else of its consumer, where the
// declared graph lists them.
func Compare(declared, observed *topology.Graph, opts Options) *topology.Graph {
	alias := aliasMap(opts.Aliases, declared, observed)
	out := topology.New(topology.SourceDiff)
	out.Services = mergeServices(declared, observed, alias, opts.Teams)

	decl := renameFlows(declared.Flows, alias)
	obs := renameFlows(observed.Flows, alias)
	out.Flows = compareFlows(decl, obs)
	locateUndeclared(out.Flows, declared.Endpoints, alias)
	out.Diagnostics = append(out.Diagnostics, meetCandidates(out.Flows, declared.Unresolved, alias)...)
	if opts.Partial {
		unverify(out.Flows, declared, opts.Incomplete, alias)
	}

	for _, u := range declared.Unresolved {
		u.Service = rename(alias, u.Service)
		out.Unresolved = append(out.Unresolved, u)
	}
	out.Diagnostics = append(append(out.Diagnostics, declared.Diagnostics...), observed.Diagnostics...)
	out.Diagnostics = append(out.Diagnostics, CheckRules(out.Flows, opts.Rules)...)
	if opts.Baseline != nil {
		opts.Baseline.Apply(out)
	}
	out.Normalize()
	return out
}

func compareFlows(decl, obs []topology.Flow) []topology.Flow {
	used := make([]bool, len(decl))
	var out []topology.Flow
	for _, o := range obs {
		f, ok := matchObserved(o, decl, used)
		if !ok {
			continue
		}
		out = append(out, f)
	}
	for i, d := range decl {
		if !used[i] {
			d.Status = topology.StatusUnobserved
			d.Stats = nil
			out = append(out, d)
		}
	}
	return out
}

// matchObserved gives the diff flow of one observed flow, marking the
// declared flows it accounts for. It reports false for an observed dangling
// end that a declared flow covers.
func matchObserved(o topology.Flow, decl []topology.Flow, used []bool) (topology.Flow, bool) {
	f := o
	f.Evidence = nil
	var exact, mismatch []int
	for i, d := range decl {
		if !sameWire(d, o) || d.From != o.From || d.To != o.To {
			continue
		}
		if typesAgree(d.MessageType, o.MessageType) {
			exact = append(exact, i)
		} else {
			mismatch = append(mismatch, i)
		}
	}
	switch {
	case len(exact) > 0:
		f.Status = topology.StatusConverged
		for _, i := range exact {
			used[i] = true
			d := decl[i]
			f.MessageType = firstNonEmpty(f.MessageType, d.MessageType)
			f.ReplyType = firstNonEmpty(f.ReplyType, d.ReplyType)
			f.System = firstNonEmpty(f.System, d.System)
			f.Evidence = append(f.Evidence, d.Evidence...)
		}
	case len(mismatch) > 0:
		f.Status = topology.StatusTypeMismatch
		f.ObservedType = o.MessageType
		f.MessageType = decl[mismatch[0]].MessageType
		for _, i := range mismatch {
			used[i] = true
			f.System = firstNonEmpty(f.System, decl[i].System)
			f.Evidence = append(f.Evidence, decl[i].Evidence...)
		}
	default:
		if dangling(o) && coveredBy(o, decl) {
			return topology.Flow{}, false
		}
		f.Status = topology.StatusUndeclared
	}
	if dangling(o) {
		return f, true
	}
	// The declared halves this complete flow accounts for.
	for i, d := range decl {
		if dangling(d) && sameWire(d, o) && (d.From != "" && d.From == o.From || d.To != "" && d.To == o.To) {
			if !used[i] && f.Status == topology.StatusUndeclared {
				f.Evidence = append(f.Evidence, d.Evidence...)
			}
			used[i] = true
		}
	}
	return f, true
}

// meetCandidates converges each undeclared flow whose channel is a
// candidate of an unresolved name of the same service and role (a topic
// from a flag or the environment whose default is what runs), with the
// unresolved entry as its evidence and a note saying so: the code did
// declare it, under a name the analysis could not fix.
func meetCandidates(flows []topology.Flow, unresolved []topology.Unresolved, alias map[string]string) []topology.Diagnostic {
	var notes []topology.Diagnostic
	for i := range flows {
		f := &flows[i]
		if f.Status != topology.StatusUndeclared {
			continue
		}
		for _, u := range unresolved {
			svc := rename(alias, u.Service)
			own := u.Role == producerRole(f.Kind) && svc == f.From || u.Role == consumerRole(f.Kind) && svc == f.To
			if !own || !slices.Contains(u.Candidates, f.Channel) {
				continue
			}
			f.Status = topology.StatusConverged
			f.Evidence = append(f.Evidence, topology.Evidence{Repo: u.Repo, File: u.File, Line: u.Line})
			notes = append(notes, topology.Diagnostic{Repo: u.Repo, File: u.File, Line: u.Line, Subject: FlowSubject(*f),
				Message: fmt.Sprintf("observed %s is a candidate of the unresolved %s %s: taken as declared", FlowSubject(*f), u.Role, u.Expr)})
			break
		}
	}
	return notes
}

// unverify turns the undeclared flows of a partial declared graph whose
// producer or consumer is a service whose code did not load, or no declared
// service, into unverified flows, pointed at the first load error when
// they have no evidence of their own.
func unverify(flows []topology.Flow, declared *topology.Graph, incomplete []string, alias map[string]string) {
	known := map[string]bool{}
	for _, s := range declared.Services {
		known[rename(alias, s.Name)] = true
	}
	broken := map[string]bool{}
	for _, s := range incomplete {
		broken[rename(alias, s)] = true
	}
	var loadErr []topology.Evidence
	for _, d := range declared.Diagnostics {
		if d.File != "" && d.Rule == "" {
			loadErr = []topology.Evidence{{Repo: d.Repo, File: d.File, Line: d.Line}}
			break
		}
	}
	unsure := func(svc string) bool { return svc != "" && (broken[svc] || !known[svc]) }
	for i := range flows {
		f := &flows[i]
		if f.Status != topology.StatusUndeclared || !(unsure(f.From) || unsure(f.To)) {
			continue
		}
		f.Status = topology.StatusUnverified
		if len(f.Evidence) == 0 {
			f.Evidence = loadErr
		}
	}
}

// locateUndeclared points each undeclared flow at the code that declares
// one of its ends, where the static side knows it: the producer's publish or
// request if declared (that is where an undocumented flow starts), else the
// consumer's subscribe or serve.
func locateUndeclared(flows []topology.Flow, endpoints []topology.Endpoint, alias map[string]string) {
	for i := range flows {
		f := &flows[i]
		if f.Status != topology.StatusUndeclared {
			continue
		}
		var producer, consumer []topology.Evidence
		for _, e := range endpoints {
			if !topology.SystemsMatch(e.System, f.System) || !topology.ChannelsMatch(e.Channel, e.Pattern, f.Channel, f.Pattern, cmp.Or(e.System, f.System)) {
				continue
			}
			svc := rename(alias, e.Service)
			switch {
			case svc == f.From && producerRole(f.Kind) == e.Role:
				producer = append(producer, e.Evidence...)
			case svc == f.To && consumerRole(f.Kind) == e.Role:
				consumer = append(consumer, e.Evidence...)
			}
		}
		switch {
		case len(producer) > 0:
			f.Evidence = producer
		case len(consumer) > 0:
			f.Evidence = consumer
		}
	}
}

func producerRole(kind string) string {
	if kind == topology.KindReqRep {
		return topology.RoleRequest
	}
	return topology.RolePublish
}

func consumerRole(kind string) string {
	if kind == topology.KindReqRep {
		return topology.RoleServe
	}
	return topology.RoleSubscribe
}

// coveredBy reports whether a complete declared flow has o's known end.
func coveredBy(o topology.Flow, decl []topology.Flow) bool {
	for _, d := range decl {
		if dangling(d) || !sameWire(d, o) {
			continue
		}
		if o.From != "" && d.From == o.From || o.To != "" && d.To == o.To {
			return true
		}
	}
	return false
}

func sameWire(d, o topology.Flow) bool {
	return d.Kind == o.Kind && topology.SystemsMatch(d.System, o.System) &&
		topology.ChannelsMatch(d.Channel, d.Pattern, o.Channel, o.Pattern, cmp.Or(d.System, o.System))
}

// typesAgree treats an unknown type as agreeing: a span without a message
// type attribute says nothing against the declared type.
func typesAgree(a, b string) bool { return a == "" || b == "" || a == b }

func dangling(f topology.Flow) bool { return f.From == "" || f.To == "" }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// aliasMap joins the configured aliases with those the graphs carry.
// Configuration wins: it is what the user wrote down.
func aliasMap(cfg map[string]string, graphs ...*topology.Graph) map[string]string {
	m := map[string]string{}
	for _, g := range graphs {
		for _, s := range g.Services {
			for _, a := range s.Aliases {
				if a != s.Name {
					m[a] = s.Name
				}
			}
		}
	}
	for a, name := range cfg {
		if a != name {
			m[a] = name
		}
	}
	return m
}

func rename(alias map[string]string, name string) string {
	if n, ok := alias[name]; ok {
		return n
	}
	return name
}

func renameFlows(flows []topology.Flow, alias map[string]string) []topology.Flow {
	out := make([]topology.Flow, len(flows))
	for i, f := range flows {
		f.From, f.To = rename(alias, f.From), rename(alias, f.To)
		f.Status, f.ObservedType, f.Baselined = "", "", false
		f.Evidence = slices.Clone(f.Evidence)
		out[i] = f
	}
	return out
}

// mergeServices lists every service of either graph under its declared
// name, remembering the other names it goes by. A service the declared
// side knows is never virtual.
func mergeServices(declared, observed *topology.Graph, alias map[string]string, teams map[string]string) []topology.Service {
	byName := map[string]*topology.Service{}
	var names []string
	add := func(s topology.Service, isDeclared bool) {
		name := rename(alias, s.Name)
		m := byName[name]
		if m == nil {
			m = &topology.Service{Name: name, Virtual: s.Virtual && !isDeclared}
			byName[name] = m
			names = append(names, name)
		}
		if isDeclared {
			m.Virtual = false
		}
		m.Package = firstNonEmpty(m.Package, s.Package)
		m.Team = firstNonEmpty(m.Team, s.Team)
		m.Aliases = append(m.Aliases, s.Aliases...)
		if s.Name != name {
			m.Aliases = append(m.Aliases, s.Name)
		}
	}
	for _, s := range declared.Services {
		add(s, true)
	}
	for _, s := range observed.Services {
		add(s, false)
	}
	// Flows may name services the service lists lack (an observed peer).
	for _, g := range []*topology.Graph{declared, observed} {
		for _, f := range g.Flows {
			for _, n := range []string{f.From, f.To} {
				if n != "" && byName[rename(alias, n)] == nil {
					add(topology.Service{Name: n}, g == declared)
				}
			}
		}
	}
	out := make([]topology.Service, 0, len(names))
	for _, n := range names {
		s := *byName[n]
		if t, ok := teams[n]; ok && t != "" {
			s.Team = t
		}
		out = append(out, s)
	}
	return out
}
