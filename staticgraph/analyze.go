package staticgraph

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"maps"
	"path"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/topology"
)

type analysis struct {
	l        *loaded
	ix       *index
	re       *reach
	ev       *evaluator
	services []config.ServiceRule
	res      *moduleResult
	// otelNames are the service.name values main packages build their
	// OpenTelemetry resource with.
	otelNames map[*ssa.Package]string
	otelCands map[*ssa.Package][]string
	// codeNames are the names of the one service each main's code
	// names and runs as.
	codeNames map[*ssa.Package]string

	g         *topology.Graph
	endpoints map[endpointKey]*topology.Endpoint
	svcs      map[string]*topology.Service
	used      map[*ssa.Call]bool
	files     map[string]*parsedFile
	reachedAt map[token.Pos]bool // positions of endpoint calls some main reaches
}

type endpointKey struct {
	service, role, channel, message, reply, system, peer string
	pattern                                              bool
}

// guard runs f on u and turns a panic, which would be a bug of ours met on
// code we did not foresee, into a diagnostic at the call, so that one odd
// construct does not cost the whole graph.
func (a *analysis) guard(u recognised, f func(recognised)) {
	defer func() {
		if r := recover(); r != nil {
			a.diag(u.fn, u.call.Pos(), fmt.Sprintf("internal error analysing this call, please report it: %v", r))
		}
	}()
	f(u)
}

// safely runs a pass over the whole module and turns a panic, a bug of
// ours met on code we did not foresee, into a diagnostic: the endpoints
// already found are kept.
func (a *analysis) safely(pass func()) {
	defer func() {
		if r := recover(); r != nil {
			a.g.Diagnostics = append(a.g.Diagnostics, topology.Diagnostic{Message: fmt.Sprintf("internal error, please report it: %v", r)})
		}
	}()
	pass()
}

// propReceiver carries the receiver a use's properties were taken from, so
// that the client it was made by can be marked used.
const propReceiver = "receiver"

// use turns one recognised endpoint call into endpoints or unresolved
// entries, one per combination of values its summary takes at its call
// sites.
func (a *analysis) use(u recognised) {
	if !a.re.reachable(u.fn) {
		if a.reachedAt[u.call.Pos()] {
			return
		}
		a.reachedAt[u.call.Pos()] = true // one diagnostic per call in the source
		a.res.unreached = append(a.res.unreached, unreachedCall{
			diag: a.diagAt(u.fn, u.call.Pos(), fmt.Sprintf("%s call (%s) in %s is not reached from any main package, so it is no flow",
				u.rule.Role, u.rule.label(), funcName(u.fn))),
			generated: a.ix.isGenerated(u.call.Pos())})
		return
	}
	cc := u.call.Common()
	recvs := []*val{nil}
	if r := receiver(cc); r != nil {
		recvs = a.ev.open(r)
		if u.rule.Channel != nil && len(u.rule.Channel.Call) > 0 {
			// A topic function is called with the endpoint's message
			// type here, so the client it comes from must be known
			// here: a bus handed in as a parameter is bound first,
			// each binding only for the mains that reach the code
			// that bound it.
			var bound []*val
			for _, x := range a.ev.expand(u.fn, recvs, 0, nil, nil) {
				v := x.v
				if x.outer != u.fn {
					v = withVia(v, []*ssa.Function{x.outer})
				}
				bound = append(bound, v)
			}
			recvs = capVals(bound)
		}
	}
	if u.rule.Each != nil {
		a.eachUse(u)
		return
	}
	if u.rule.serving != nil && a.serves(u) {
		u.rule = u.rule.serving
	}
	a.useWith(u, recvs)
}

// useWith turns a use into endpoints for each of its receiver's values:
// what comes from the receiver is taken from that one value, so that a
// receiver that may be either of two clients gives two endpoints, not the
// four mixtures of their channels and services.
func (a *analysis) useWith(u recognised, recvs []*val) {
	if p := a.forwardedParam(u); p != nil && a.useForwarded(u, recvs, p) {
		return
	}
	cc := u.call.Common()
	var tuples []*val
	for _, at := range a.sitesOf(u) {
		for _, r := range recvs {
			props := a.ev.props(u.rule, cc, u.call.Pos(), r, at)
			if r != nil {
				props[propReceiver] = []*val{r}
			}
			tuples = append(tuples, product(&val{kind: kClient, pos: u.call.Pos()}, props)...)
		}
	}
	var xs []expanded
	for _, t := range capVals(tuples) {
		// The call sites a summary passed through are evidence only when
		// the channel, a type or the Service came through them, not when
		// only a transport client the call uses did.
		through := false
		for _, k := range []string{propChannel, propMessage, propReply, propService, propPrefix} {
			through = through || (t.props[k] != nil && t.props[k].hasParams())
		}
		for _, x := range a.ev.expand(u.fn, []*val{t}, 0, nil, nil) {
			if !through {
				x.chain = nil
			}
			xs = append(xs, x)
		}
	}
	a.endpointsOf(u, xs)
}

// endpointsOf records the endpoints, or unresolved entries, of a use's
// bound alternatives.
func (a *analysis) endpointsOf(u recognised, xs []expanded) {
	// A name that may come from a setting is not known, whatever
	// constants it may also be: they are its candidates, not endpoints.
	var cands []string
	fromSetting := false
	for _, x := range xs {
		ch := x.v.props[propChannel]
		if ch == nil {
			continue
		}
		if set := ch.asSetting(); set != nil {
			fromSetting = true
			cands = append(cands, set.cands...)
		} else if n, pattern, ok := ch.name(); ok && !pattern {
			cands = append(cands, n)
		}
	}
	if !fromSetting {
		for _, x := range xs {
			a.endpoint(u, x, nil)
		}
		return
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	seen := map[string]bool{}
	for _, x := range xs {
		if ch := x.v.props[propChannel]; ch != nil {
			if set := ch.asSetting(); set != nil {
				if k := set.key(); !seen[k] {
					seen[k] = true
					v := *x.v
					v.props = cloneProps(x.v.props)
					v.props[propChannel] = set
					x.v = &v
					a.endpoint(u, x, cands)
				}
			}
		}
	}
}

// natsWildcard reports whether a NATS subject has a token '*' or ends in
// the token '>'.
func natsWildcard(subject string) bool {
	tokens := strings.Split(subject, ".")
	return slices.Contains(tokens, "*") || tokens[len(tokens)-1] == ">"
}

// serves reports whether the handler a use's rule names calls, itself or
// through the functions it calls, one of the rule's ServeIfCalls methods.
func (a *analysis) serves(u recognised) bool {
	args := callArgs(u.call.Common())
	if *u.rule.Handler.Arg >= len(args) {
		return false
	}
	want := map[string]bool{}
	for _, m := range u.rule.ServeIfCalls {
		want[u.rule.pkg+" "+m] = true
	}
	var stack []*ssa.Function
	seen := map[*ssa.Function]bool{}
	push := func(fn *ssa.Function) {
		if fn != nil && !seen[fn] {
			seen[fn] = true
			stack = append(stack, fn)
		}
	}
	push(funcValue(args[*u.rule.Handler.Arg]))
	for len(stack) > 0 {
		fn := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				if c, ok := in.(ssa.CallInstruction); ok && want[calleeKey(c.Common())] {
					return true
				}
			}
		}
		for _, g := range a.ix.out[fn] {
			push(g)
		}
	}
	return false
}

// calleeKey names what a call calls as rules do: "pkg Type.Method" or
// "pkg Func".
func calleeKey(cc *ssa.CallCommon) string {
	var obj *types.Func
	if cc.IsInvoke() {
		obj = cc.Method
	} else if fn := cc.StaticCallee(); fn != nil {
		obj, _ = fn.Object().(*types.Func)
	}
	if obj == nil || obj.Pkg() == nil {
		return ""
	}
	if recv := obj.Signature().Recv(); recv != nil {
		if n := namedOf(recv.Type()); n != nil {
			return obj.Pkg().Path() + " " + n.Obj().Name() + "." + obj.Name()
		}
		return ""
	}
	return obj.Pkg().Path() + " " + obj.Name()
}

// sitesOf splits a use whose rule reads a variadic argument given as a
// list (WriteMessages(ctx, m1, m2)), or a field of each element of a slice
// literal (SendMessages([]*ProducerMessage{...})), into one use per
// element, so that each element's channel goes with its own message type
// (E3).
func (a *analysis) sitesOf(u recognised) []useSite {
	cc := u.call.Common()
	n := 0
	var walk func(s *config.Source)
	walk = func(s *config.Source) {
		if s == nil {
			return
		}
		if s.Arg != nil && (isVariadicArg(cc, *s.Arg) || s.Field != "") {
			if args := callArgs(cc); *s.Arg < len(args) {
				if elems, ok := sliceElems(args[*s.Arg]); ok {
					n = max(n, len(elems))
				}
			}
		}
		walk(s.Else)
	}
	for _, s := range []*config.Source{u.rule.Channel, u.rule.Message, u.rule.Reply} {
		walk(s)
	}
	var result ssa.Value
	if c, ok := u.call.(*ssa.Call); ok {
		result = c
	}
	if n < 2 {
		return []useSite{{sent: u.sent, result: result}}
	}
	out := make([]useSite, n)
	for i := range out {
		out[i] = useSite{sent: u.sent, result: result, elem: i, one: true}
	}
	return out
}

// dynamicUse handles a call of an interface method that a rule names for
// a concrete client type (a client kept behind the caller's own
// interface): it is a use for each client the receiver may hold whose type
// has that rule.
func (a *analysis) dynamicUse(u recognised) {
	if !a.re.reachable(u.fn) {
		return
	}
	cc := u.call.Common()
	byRule := map[*rule][]*val{}
	for _, x := range a.ev.expand(u.fn, a.ev.open(cc.Value), 0, nil, nil) {
		if x.v.kind != kClient {
			continue
		}
		for _, r := range a.ix.rules.forMethodOf(x.v.site.Type(), cc.Method.Name()) {
			if r.Role != "" {
				byRule[r] = append(byRule[r], x.v)
			}
		}
	}
	for _, r := range slices.SortedFunc(maps.Keys(byRule), func(x, y *rule) int { return cmp.Compare(x.Func, y.Func) }) {
		a.useWith(recognised{fn: u.fn, call: u.call, rule: r}, byRule[r])
	}
}

// endpoint records one bound alternative of a use: an endpoint, or an
// unresolved entry with cands, the names it may take, as candidates.
func (a *analysis) endpoint(u recognised, x expanded, cands []string) {
	p := x.v.props
	if r := p[propReceiver]; r != nil && r.kind == kClient {
		a.used[r.site] = true
	}
	var evidence []topology.Evidence
	// A call in generated code (a gRPC client's Invoke) is where the
	// user's code calls into it (E13): each service's own calls, below.
	var intoGenerated []ssa.CallInstruction
	for _, pos := range a.usePositions(u) {
		if a.ix.isGenerated(pos) {
			intoGenerated = append(intoGenerated, a.callersOutsideGenerated(u.fn, map[*ssa.Function]bool{})...)
			continue
		}
		evidence = append(evidence, a.evidence(pos))
	}
	for _, s := range x.chain {
		if s.Pos().IsValid() && !a.ix.isGenerated(s.Pos()) {
			evidence = append(evidence, a.evidence(s.Pos()))
		}
	}
	services, mains := a.serviceMains(p[propService], x.outer, viaOf(x.v, nil))
	generatedEvidence := a.evidenceByService(intoGenerated, mains)
	msg, reply := typeOf(p[propMessage]), typeOf(p[propReply])
	ch := p[propChannel]
	name, pattern, ok := ch.name()
	if ok && !pattern && u.rule.wildcards == "nats" && natsWildcard(name) {
		pattern = true
	}
	// An empty name is no channel: the real one is set elsewhere (a NATS
	// PullSubscribe("", durable, nats.Bind(stream, consumer)) takes the
	// bound consumer's filter), so the endpoint is not known.
	empty := ok && name == ""
	var peer, httpReason string
	if ok && !empty && u.rule.HTTP != "" {
		h := a.httpUse(u, p, ch.rawName(), pattern)
		name, pattern, peer, httpReason = h.channel, h.pattern, h.peer, h.reason
	}
	for _, v := range []*val{ch, p[propReceiver]} {
		if v != nil && v.kind == kUnknown && v.noKey != "" {
			// A client looked up by a name the map does not hold: the
			// call fails at run time, so it is no flow, and says so.
			pos := v.pos
			if !pos.IsValid() {
				pos = u.call.Pos()
			}
			a.diag(u.fn, pos, fmt.Sprintf("no client for key %q in the map it is looked up in: the %s call makes no flow", v.noKey, u.rule.Role))
			return
		}
	}
	if !ok || empty || httpReason != "" {
		expr, ev := a.channelExpr(u, p[propReceiver])
		reason := "channel name is not constant"
		switch {
		case empty:
			reason = "channel name is empty: the name in use is set elsewhere"
		case httpReason != "":
			reason = httpReason
		}
		if r := p[propReceiver]; r != nil && r.kind == kUnknown && u.rule.Channel.Receiver && u.rule.Channel.Field == "" {
			reason, ch = "the client could not be traced", r
		}
		if ch.kind == kUnknown {
			reason += ": " + ch.reason
			if at := a.evidence(ch.pos); ch.pos.IsValid() && at != ev {
				reason += fmt.Sprintf(" (%s:%d)", at.File, at.Line)
			}
		}
		if len(services) == 0 {
			services = []string{""}
		}
		for _, s := range services {
			a.g.Unresolved = append(a.g.Unresolved, topology.Unresolved{Service: s, Role: u.rule.Role,
				Expr: expr, File: ev.File, Line: ev.Line, Reason: reason, Candidates: cands})
		}
		return
	}
	for _, s := range services {
		k := endpointKey{s, u.rule.Role, name, msg, reply, u.rule.system, peer, pattern}
		e := a.endpoints[k]
		if e == nil {
			e = &topology.Endpoint{Service: s, Role: u.rule.Role, Channel: name, MessageType: msg,
				ReplyType: reply, System: u.rule.system, Pattern: pattern, Peer: peer}
			a.endpoints[k] = e
		}
		e.Evidence = append(e.Evidence, evidence...)
		e.Evidence = append(e.Evidence, generatedEvidence(s)...)
	}
}

// evidenceByService returns, for each service of an endpoint, the
// evidence of those of calls that a main running as that service reaches
// (mains, from serviceMains): generated client code that several services
// call is evidence for each only where it calls it. A service the code
// names (nil mains) gets all of them.
func (a *analysis) evidenceByService(calls []ssa.CallInstruction, mains map[string][]*ssa.Package) func(string) []topology.Evidence {
	return func(s string) []topology.Evidence {
		ms, known := mains[s]
		var out []topology.Evidence
		for _, c := range calls {
			if !known || slices.ContainsFunc(a.re.mainsOf(c.Parent()), func(m *ssa.Package) bool { return slices.Contains(ms, m) }) {
				out = append(out, a.evidence(c.Pos()))
			}
		}
		return out
	}
}

// callersOutsideGenerated returns where reachable code outside generated
// files calls fn, directly, through an interface, or through other
// generated functions.
func (a *analysis) callersOutsideGenerated(fn *ssa.Function, seen map[*ssa.Function]bool) []ssa.CallInstruction {
	if seen[fn] {
		return nil
	}
	seen[fn] = true
	var out []ssa.CallInstruction
	for _, c := range append(slices.Clip(a.ix.sites[fn]), a.re.dispatch[fn]...) {
		switch {
		case !a.re.reachable(c.Parent()):
		case a.ix.isGenerated(c.Pos()):
			out = append(out, a.callersOutsideGenerated(c.Parent(), seen)...)
		case c.Pos().IsValid():
			out = append(out, c)
		}
	}
	return out
}

// unusedGenerated reports generated clients (NewRatesClient(conn)) that a
// main builds and never calls a method of: no endpoint, a diagnostic at
// the user's call.
func (a *analysis) unusedGenerated() {
	for _, lt := range a.ix.lazy {
		if !a.callsEndpoints(lt) {
			// A response or model type (go-swagger's GetBasketOK, whose
			// Error formats it into an any) is no client: not using it
			// loses no flow.
			continue
		}
		for _, c := range a.callersOutsideGenerated(lt.maker, map[*ssa.Function]bool{}) {
			used := false
			for _, m := range a.re.mainsOf(c.Parent()) {
				for _, meth := range lt.methods {
					used = used || slices.Contains(a.re.mainsOf(meth), m)
				}
			}
			if !used {
				a.diag(c.Parent(), c.Pos(), fmt.Sprintf("client built by %s is never used by a call the analysis can trace: no endpoint", funcName(lt.maker)))
			}
		}
	}
}

// callsEndpoints reports whether a method of lt makes a recognised
// endpoint call itself (a generated gRPC client's Invoke or NewStream).
func (a *analysis) callsEndpoints(lt *lazyType) bool {
	for _, m := range lt.methods {
		for _, b := range m.Blocks {
			for _, instr := range b.Instrs {
				if c, ok := instr.(ssa.CallInstruction); ok &&
					slices.ContainsFunc(a.ix.rulesFor(c.Common()), func(r *rule) bool { return r.Role != "" }) {
					return true
				}
			}
		}
	}
	return false
}

// usePositions says where in the source a use is: the call, or for a call
// inside a wrapper the compiler made (a method value such as pub.Publish
// passed as a function), where the wrapper is made.
func (a *analysis) usePositions(u recognised) []token.Pos {
	if u.sendAt.IsValid() {
		return []token.Pos{u.sendAt}
	}
	if u.call.Pos().IsValid() {
		return []token.Pos{u.call.Pos()}
	}
	var out []token.Pos
	for _, mc := range a.ix.closures[u.fn] {
		if mc.Pos().IsValid() && a.re.reachable(mc.Parent()) {
			out = append(out, mc.Pos())
		}
	}
	return out
}

func typeOf(v *val) string {
	if v != nil && v.kind == kType {
		return v.typ
	}
	return ""
}

// serviceNames names the service of a use: the constant name of the
// service value it was built from, else each main package that reaches the
// outermost function its values came through.
//
// A main counts only if it also reaches every function whose stores to a
// field or package-level variable the use's values came through (via): a
// topic one main stores into a shared struct's field is not another main's.
func (a *analysis) serviceNames(svc *val, outer *ssa.Function, via []*ssa.Function) []string {
	names, _ := a.serviceMains(svc, outer, via)
	return names
}

// serviceMains is serviceNames with, for a service named by its main
// package, the mains that run as it; mains is nil for a service the code
// names (and when there is no service).
func (a *analysis) serviceMains(svc *val, outer *ssa.Function, via []*ssa.Function) (names []string, mains map[string][]*ssa.Package) {
	if svc != nil && svc.kind == kService {
		if n, pattern, ok := svc.props[propName].name(); ok && !pattern && n != "" {
			return []string{a.service(n, a.mainOf(svc.site.Parent(), n))}, nil
		}
	}
	for _, m := range a.re.mainsOf(outer) {
		if a.reachesAll(m, via) {
			name := a.mainService(m)
			names = append(names, name)
			if mains == nil {
				mains = map[string][]*ssa.Package{}
			}
			mains[name] = append(mains[name], m)
		}
	}
	return names, mains
}

// reachesAll reports whether main m reaches every function of fns.
func (a *analysis) reachesAll(m *ssa.Package, fns []*ssa.Function) bool {
	for _, f := range fns {
		if !slices.Contains(a.re.mainsOf(f), m) {
			return false
		}
	}
	return true
}

// mainOf picks the main package a named service runs as, among those that
// reach fn (where its Service is made): the one whose directory has the
// service's name, else the first by path. A simulation that runs every
// service in one process is then not taken for each service's home.
func (a *analysis) mainOf(fn *ssa.Function, name string) string {
	var best string
	for _, m := range a.re.mainsOf(fn) {
		p := m.Pkg.Path()
		if path.Base(p) == name {
			return p
		}
		if best == "" || p < best {
			best = p
		}
	}
	return best
}

// service records a service and returns its name after the services:
// rules, which may rename it (keeping the code's name as an alias, since
// that is the name it runs under).
func (a *analysis) service(name, pkg string) string {
	key := name + "\x00" + pkg
	if s, ok := a.svcs[key]; ok {
		return s.Name
	}
	s := &topology.Service{Name: name, Package: pkg}
	for _, r := range a.services {
		if pkg != "" && config.MatchPackage(r.Package, pkg) {
			if r.Name != "" && r.Name != name {
				s.Aliases = append(s.Aliases, name)
				s.Name = r.Name
			}
			s.Aliases = append(s.Aliases, r.Aliases...)
			s.Team = r.Team
			break
		}
	}
	a.svcs[key] = s
	return s.Name
}

// madeInto reports whether what call c makes is handed, directly or in a
// variadic list, to a call of a rule that makes a client or service (an
// option given to kgo.NewClient).
func (a *analysis) madeInto(v ssa.Value) bool {
	isMaker := func(r ssa.Instruction) bool {
		ci, ok := r.(ssa.CallInstruction)
		return ok && maker(a.ix.rulesFor(ci.Common())) != nil
	}
	refs := v.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		if isMaker(r) {
			return true
		}
		switch x := r.(type) {
		case *ssa.ChangeInterface:
			if a.madeInto(x) {
				return true
			}
		case *ssa.MakeInterface:
			if a.madeInto(x) {
				return true
			}
		}
		st, ok := r.(*ssa.Store)
		if !ok {
			continue
		}
		ia, ok := st.Addr.(*ssa.IndexAddr)
		if !ok || ia.X.Referrers() == nil {
			continue // a package-level array has no referrers to follow
		}
		for _, r2 := range *ia.X.Referrers() {
			if sl, ok := r2.(*ssa.Slice); ok {
				for _, r3 := range *sl.Referrers() {
					if isMaker(r3) {
						return true
					}
				}
			}
		}
	}
	return false
}

// unused reports clients that reachable code builds and nothing uses.
func (a *analysis) unused() {
	for _, m := range a.ix.makes {
		c := m.call.(*ssa.Call)
		if a.used[c] || !a.re.reachable(m.fn) || m.rule.HTTP != "" || a.madeInto(c) {
			// An HTTP router or request is used by what it is handed
			// to (a server, a Client.Do behind an interface), which
			// need not be a recognised call; an option is used by the
			// client it is made into.
			continue
		}
		expr, _ := a.argExpr(c, m.rule.Channel)
		a.diag(m.fn, c.Pos(), fmt.Sprintf("client built by %s(…, %s) is never used by a call the analysis can trace: no endpoint", m.rule.label(), expr))
	}
}

func (a *analysis) evidence(pos token.Pos) topology.Evidence {
	return a.evidenceAt(a.l.prog.Fset.Position(pos))
}

func (a *analysis) evidenceAt(p token.Position) topology.Evidence {
	return topology.Evidence{File: a.l.rel(p.Filename), Line: p.Line}
}

func (a *analysis) diag(fn *ssa.Function, pos token.Pos, msg string) {
	a.g.Diagnostics = append(a.g.Diagnostics, a.diagAt(fn, pos, msg))
}

func (a *analysis) diagAt(fn *ssa.Function, pos token.Pos, msg string) topology.Diagnostic {
	d := topology.Diagnostic{Message: msg}
	if p := pkgOf(fn); p != nil {
		d.Package = p.Path()
	}
	if pos.IsValid() {
		e := a.evidence(pos)
		d.File, d.Line = e.File, e.Line
	}
	return d
}

func pkgOf(fn *ssa.Function) *types.Package {
	for f := fn; f != nil; f = f.Parent() {
		if f.Pkg != nil {
			return f.Pkg.Pkg
		}
		if o := f.Origin(); o != nil && o.Pkg != nil {
			return o.Pkg.Pkg
		}
	}
	return nil
}

// assemble puts the module's services and endpoints into its graph; the
// flows are derived once every module's endpoints are together.
func (a *analysis) assemble() {
	g := a.g
	for _, k := range slices.Sorted(maps.Keys(a.svcs)) {
		g.Services = append(g.Services, *a.svcs[k])
	}
	for _, e := range a.endpoints {
		g.Endpoints = append(g.Endpoints, *e)
	}
	slices.SortFunc(g.Endpoints, func(x, y topology.Endpoint) int {
		return cmp.Or(cmp.Compare(x.Service, y.Service), cmp.Compare(x.Role, y.Role), cmp.Compare(x.Channel, y.Channel),
			cmp.Compare(x.MessageType, y.MessageType))
	})
}
