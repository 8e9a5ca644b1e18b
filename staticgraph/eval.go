package staticgraph

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// evaluator traces SSA values back to what they may be. open(v) evaluates
// v inside its own function with that function's parameters left symbolic:
// it is v's summary, memoized. expand binds the parameters of a summary at
// each reachable call site, jointly, so that the channel and the service
// passed to one call stay together.
type evaluator struct {
	ix *index
	re *reach

	memo     map[ssa.Value][]*val
	busy     map[ssa.Value]bool
	free     map[ssa.Value][]*val
	freeBusy map[ssa.Value]bool
}

func newEvaluator(ix *index, re *reach) *evaluator {
	return &evaluator{ix: ix, re: re,
		memo: map[ssa.Value][]*val{}, busy: map[ssa.Value]bool{},
		free: map[ssa.Value][]*val{}, freeBusy: map[ssa.Value]bool{}}
}

// maxDepth bounds how many call levels a summary is carried up.
const maxDepth = 16

// open returns the alternatives of v in its function, parameters symbolic.
// A value met again while it is being evaluated (a loop through phis or
// fields) contributes nothing more, which is what a fixed point would give
// for the names we trace.
func (e *evaluator) open(v ssa.Value) []*val {
	if r, ok := e.memo[v]; ok {
		return r
	}
	if e.busy[v] {
		return nil
	}
	e.busy[v] = true
	r := capVals(e.eval(v))
	delete(e.busy, v)
	e.memo[v] = r
	return r
}

// resolve returns the alternatives of v with every parameter bound at
// every reachable call site, up the call graph.
func (e *evaluator) resolve(v ssa.Value) []*val {
	if r, ok := e.free[v]; ok {
		return r
	}
	if e.freeBusy[v] {
		return nil
	}
	e.freeBusy[v] = true
	var r []*val
	fn := parentOf(v)
	for _, x := range e.expand(fn, e.open(v), 0, nil, nil) {
		if x.outer != fn && x.outer != nil {
			// Bound by the code of one caller: only the mains that
			// reach it can see this value (a closure capturing a
			// parameter of the function that makes a client).
			x.v = withVia(x.v, []*ssa.Function{x.outer})
		}
		r = append(r, x.v)
	}
	r = capVals(r)
	delete(e.freeBusy, v)
	e.free[v] = r
	return r
}

func parentOf(v ssa.Value) *ssa.Function {
	if in, ok := v.(ssa.Instruction); ok {
		return in.Parent()
	}
	if p, ok := v.(*ssa.Parameter); ok {
		return p.Parent()
	}
	if fv, ok := v.(*ssa.FreeVar); ok {
		return fv.Parent()
	}
	return nil
}

// expanded is one fully bound alternative: the function where binding
// stopped (the outermost caller whose code fixed the value) and the call
// sites passed through on the way.
type expanded struct {
	v     *val
	outer *ssa.Function
	chain []ssa.CallInstruction
}

func (e *evaluator) expand(fn *ssa.Function, vs []*val, depth int, stack []*ssa.Function, chain []ssa.CallInstruction) []expanded {
	var out []expanded
	for _, v := range vs {
		if !v.hasParams() {
			out = append(out, expanded{v, fn, chain})
			continue
		}
		if depth >= maxDepth || slices.Contains(stack, fn) {
			for _, b := range subst(v, func(int) []*val { return []*val{unknown(fn.Pos(), "passed through recursive calls of "+funcName(fn))} }) {
				out = append(out, expanded{b, fn, chain})
			}
			continue
		}
		var sites []ssa.CallInstruction
		for _, s := range e.ix.sites[fn] {
			if e.re.reachable(s.Parent()) {
				sites = append(sites, s)
			}
		}
		var callbacks []recognised
		for _, cb := range e.ix.callbacks[fn] {
			if e.re.reachable(cb.fn) {
				callbacks = append(callbacks, cb)
			}
		}
		if len(sites) == 0 && len(callbacks) == 0 {
			bind := func(i int) []*val {
				return []*val{unknown(fn.Pos(), fmt.Sprintf("parameter %s of %s, which no reachable code calls directly", paramName(fn, i), funcName(fn)))}
			}
			for _, b := range subst(v, bind) {
				out = append(out, expanded{b, fn, chain})
			}
			continue
		}
		inner := append(slices.Clip(stack), fn)
		for _, s := range sites {
			bound := subst(v, e.binder(s.Common(), fn))
			out = append(out, e.expand(s.Parent(), bound, depth+1, inner, append(slices.Clip(chain), s))...)
		}
		for _, cb := range callbacks {
			// The library calls fn with what the rule makes (E17).
			made := e.make(cb.rule, cb.call.(*ssa.Call))
			bound := subst(v, func(i int) []*val {
				if i == 0 {
					return made
				}
				return []*val{unknown(cb.call.Pos(), fmt.Sprintf("parameter %s of %s, which %s calls", paramName(fn, i), funcName(fn), cb.rule.label()))}
			})
			out = append(out, e.expand(cb.fn, bound, depth+1, inner, append(slices.Clip(chain), cb.call))...)
		}
	}
	return out
}

// binder binds callee's parameters to a call's arguments, evaluated in the
// caller (so the result may hold the caller's parameters).
func (e *evaluator) binder(cc *ssa.CallCommon, callee *ssa.Function) func(int) []*val {
	return func(i int) []*val {
		if i < len(cc.Args) {
			return e.open(cc.Args[i])
		}
		return []*val{unknown(cc.Pos(), "argument missing at a call of "+funcName(callee))}
	}
}

func (e *evaluator) eval(v ssa.Value) []*val {
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value == nil {
			return []*val{unknown(v.Pos(), "nil")}
		}
		return []*val{constVal(v.Value)}
	case *ssa.Parameter:
		return []*val{paramVal(slices.Index(v.Parent().Params, v))}
	case *ssa.Phi:
		var out []*val
		for _, x := range v.Edges {
			out = append(out, e.open(x)...)
		}
		return out
	case *ssa.Call:
		return e.call(v, 0)
	case *ssa.Extract:
		if c, ok := v.Tuple.(*ssa.Call); ok {
			return e.call(c, v.Index)
		}
		if l, ok := v.Tuple.(*ssa.Lookup); ok && v.Index == 0 {
			return e.lookup(l) // w, ok := writers[key]
		}
	case *ssa.BinOp:
		if v.Op == token.ADD && isString(v.Type()) {
			var out []*val
			for _, x := range e.open(v.X) {
				for _, y := range e.open(v.Y) {
					out = append(out, concat(v.Pos(), x, y))
				}
			}
			return out
		}
	case *ssa.UnOp:
		if v.Op == token.MUL {
			return e.load(v.X, v.Pos())
		}
	case *ssa.MakeInterface:
		return e.open(v.X)
	case *ssa.ChangeType:
		return e.open(v.X)
	case *ssa.ChangeInterface:
		return e.open(v.X)
	case *ssa.TypeAssert:
		return e.open(v.X)
	case *ssa.Convert:
		// string to string, and between strings and bytes: a payload's
		// type survives []byte(s).
		if isStringOrBytes(v.Type()) && isStringOrBytes(v.X.Type()) {
			return e.open(v.X)
		}
	case *ssa.Field:
		return e.fieldLoad(v.X.Type(), v.Field, v.Pos())
	case *ssa.FreeVar:
		return e.freeVar(v, false)
	case *ssa.Slice:
		// A slice literal of names stands for each of them: a consumer of
		// []string{"a", "b"} consumes a and b.
		if elems, ok := sliceElems(v); ok && len(elems) > 0 {
			var out []*val
			for _, x := range elems {
				if x == nil {
					out = append(out, unknown(v.Pos(), "an element never set"))
					continue
				}
				out = append(out, e.open(x)...)
			}
			return out
		}
	case *ssa.Function:
		return []*val{{kind: kFunc, fn: v, pos: v.Pos()}}
	case *ssa.MakeClosure:
		return []*val{{kind: kFunc, fn: v.Fn.(*ssa.Function), pos: v.Pos()}}
	case *ssa.Lookup:
		if _, ok := v.X.Type().Underlying().(*types.Map); ok {
			return e.lookup(v)
		}
		return []*val{unknown(v.Pos(), "a byte of a string")}
	case *ssa.MakeMap:
		return []*val{e.mapVal(v)}
	case *ssa.Alloc:
		if r := e.ix.rules.literal(v.Type()); r != nil {
			return e.makeLiteral(r, v)
		}
		if isString(derefType(v.Type())) {
			// &topic handed to a function of the program: what
			// it points to, bound where the function reads it.
			return []*val{{kind: kRef, pos: v.Pos(), refs: e.stores(v, false)}}
		}
		if enc := e.encodedInto(v); len(enc) > 0 {
			return enc
		}
	case *ssa.Index:
		return []*val{unknown(v.Pos(), "an element of an array")}
	}
	return []*val{unknown(posOf(v), "not a constant ("+describe(v)+")")}
}

// call evaluates result idx of a call: a value made by a recognised
// function, a Sprintf, or what the callee returns with its parameters bound
// to this call's arguments.
func (e *evaluator) call(c *ssa.Call, idx int) []*val {
	cc := c.Common()
	if r := maker(e.ix.rulesFor(cc)); r != nil && idx == 0 {
		if r.Makes == config.MakesSetting {
			return []*val{e.setting(r, cc, c.Pos())}
		}
		return e.make(r, c)
	}
	callee := cc.StaticCallee()
	if callee == nil {
		return e.dynamicCall(c, idx)
	}
	if idx == 0 && isFunc(callee, "fmt", "Sprintf") {
		return e.sprintf(c)
	}
	if idx == 0 && isGenericFunc(callee, "cmp", "Or") {
		// cmp.Or(os.Getenv(k), def) may be any of its arguments.
		var out []*val
		for _, item := range e.varargs(cc.Args[0]) {
			out = append(out, item...)
		}
		if len(out) > 0 {
			return out
		}
	}
	if callee.Blocks == nil || isGenericBody(callee) {
		return []*val{unknown(c.Pos(), "the result of "+funcName(callee))}
	}
	return e.returns(callee, idx, e.binder(cc, callee))
}

// dynamicCall evaluates result idx of a call of a function value: what
// each function the value may be (a closure kept in a variable or a config
// field) returns, its parameters bound to this call's arguments.
func (e *evaluator) dynamicCall(c *ssa.Call, idx int) []*val {
	cc := c.Common()
	if cc.IsInvoke() {
		return []*val{unknown(c.Pos(), "the result of a dynamic call")}
	}
	var out []*val
	for _, f := range e.open(cc.Value) {
		if f.kind != kFunc || f.fn.Blocks == nil || isGenericBody(f.fn) || len(f.fn.Params) != len(cc.Args) {
			out = append(out, unknown(c.Pos(), "the result of a call of a function value that is not known"))
			continue
		}
		out = append(out, e.returns(f.fn, idx, e.binder(cc, f.fn))...)
	}
	if len(out) == 0 {
		return []*val{unknown(c.Pos(), "the result of a dynamic call")}
	}
	return out
}

// returns evaluates result idx of fn at every return, with its parameters
// bound by bind.
func (e *evaluator) returns(fn *ssa.Function, idx int, bind func(int) []*val) []*val {
	var out []*val
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || idx >= len(ret.Results) {
			continue
		}
		for _, rv := range e.open(ret.Results[idx]) {
			out = append(out, subst(rv, bind)...)
		}
	}
	return out
}

// make evaluates a call of a rule that makes a service or a client.
func (e *evaluator) make(r *rule, c *ssa.Call) []*val {
	k := kClient
	if r.Makes == "service" {
		k = kService
	}
	props := e.props(r, c.Common(), c.Pos(), nil, useSite{})
	return product(&val{kind: k, pos: c.Pos(), site: c, rule: r}, props)
}

// setting is the value of a call of a setting rule: unknown, with the
// kind of setting and the default the call shows as a candidate.
func (e *evaluator) setting(r *rule, cc *ssa.CallCommon, pos token.Pos) *val {
	v := unknown(pos, fmt.Sprintf("the result of %s, a setting from the %s", r.label(), r.Setting))
	if r.Setting == "flag" {
		v.reason = fmt.Sprintf("the result of %s, set by a flag", r.label())
	}
	v.setting = r.Setting
	if r.Default != nil && r.Default.Arg != nil {
		if args := callArgs(cc); *r.Default.Arg < len(args) {
			for _, d := range e.resolve(args[*r.Default.Arg]) {
				if n, pattern, ok := d.name(); ok && !pattern {
					v.cands = append(v.cands, n)
				}
			}
		}
	}
	return v
}

// props evaluates every source a rule names; recv, when not nil, is the
// one receiver value the properties it gives are taken from; at says
// which value was sent, or which element of a variadic argument is meant.
func (e *evaluator) props(r *rule, cc *ssa.CallCommon, pos token.Pos, recv *val, at useSite) map[string][]*val {
	props := map[string][]*val{}
	for _, p := range []struct {
		name string
		src  *config.Source
	}{
		{propName, r.Name}, {propService, r.Service}, {propChannel, r.Channel},
		{propMessage, r.Message}, {propReply, r.Reply}, {propMethod, r.Method},
	} {
		if p.src != nil {
			props[p.name] = e.source(p.name, p.src, cc, pos, recv, at)
		}
	}
	if r.Prefix != nil {
		// A router's prefix is the channel it was made with.
		props[propPrefix] = e.source(propChannel, r.Prefix, cc, pos, recv, at)
	}
	if r.Namer != nil {
		props[propNamer] = e.namer(r.Namer, cc, pos, recv)
	}
	if r.HTTP == config.HTTPServer && r.Makes == config.MakesClient {
		if rv := receiver(cc); rv != nil {
			props[propParent] = e.open(rv)
		}
	}
	if r.Channel != nil && len(r.Channel.Call) > 0 && r.Role != "" {
		props[propChannel] = e.called(r.Channel.Call, cc, props[propChannel], props[propMessage], props[propNamer], pos)
	}
	return props
}

// called evaluates a Call source: the string each function value in fns
// returns, its parameter's fields bound as call says, for each message
// type the endpoint may have.
func (e *evaluator) called(call map[string]string, cc *ssa.CallCommon, fns, msgs, namers []*val, pos token.Pos) []*val {
	if len(namers) == 0 {
		namers = []*val{litVal("full")}
	}
	var out []*val
	for _, f := range fns {
		if f.kind != kFunc {
			out = append(out, unknown(pos, "the topic function is not known"))
			continue
		}
		for _, m := range msgs {
			if m.kind != kType {
				out = append(out, unknown(pos, "the message type is not known"))
				continue
			}
			for _, nm := range namers {
				naming, _, ok := nm.name()
				if !ok {
					out = append(out, unknown(pos, "the marshaler's name function is not known: "+nm.reason))
					continue
				}
				fields := map[string]string{}
				for k, v := range call {
					var n int
					if _, err := fmt.Sscanf(v, "arg:%d", &n); err == nil {
						// A constant argument, else the field stays
						// unbound and the name unknown.
						if args := callArgs(cc); n < len(args) {
							if c, ok := args[n].(*ssa.Const); ok && c.Value != nil && c.Value.Kind() == constant.String {
								fields[k] = constant.StringVal(c.Value)
							}
						}
						continue
					}
					fields[k] = watermillName(m, v == "message_short_name" || naming == "short")
				}
				for _, b := range f.fn.Blocks {
					if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && len(ret.Results) > 0 {
						out = append(out, e.generated(f.fn, ret.Results[0], fields)...)
					}
				}
			}
		}
	}
	return out
}

// watermillName is the name Watermill's marshalers give a message type:
// FullyQualifiedStructName (package name, not path: main.BookRoom) or
// StructName (BookRoom).
func watermillName(m *val, short bool) string {
	name := lastElem(m.typ)
	if n := namedOf(m.goType); n != nil && n.Obj().Pkg() != nil {
		name = n.Obj().Pkg().Name() + "." + n.Obj().Name()
	}
	if short {
		name = name[strings.LastIndex(name, ".")+1:]
	}
	return name
}

// namer evaluates a Namer source (E20): "short" or "full" as the marshaler
// a config gives names messages, or what the receiver was made with.
func (e *evaluator) namer(src *config.Source, cc *ssa.CallCommon, pos token.Pos, recv *val) []*val {
	if src.Receiver {
		if recv != nil {
			return project(recv, propNamer)
		}
		rv := receiver(cc)
		if rv == nil {
			return []*val{unknown(pos, "no receiver")}
		}
		var out []*val
		for _, x := range e.open(rv) {
			out = append(out, project(x, propNamer)...)
		}
		return out
	}
	args := callArgs(cc)
	if src.Arg == nil || *src.Arg >= len(args) {
		return []*val{unknown(pos, "no marshaler argument")}
	}
	ms := []ssa.Value{args[*src.Arg]}
	if src.Field != "" {
		var seen bool
		if ms, seen = e.fieldValues(args[*src.Arg], src.Field); !seen {
			return []*val{unknown(pos, "the config is not a literal here")}
		}
	}
	if len(ms) == 0 {
		return []*val{litVal("full")} // no marshaler set: the default names in full
	}
	var out []*val
	for _, m := range ms {
		out = append(out, e.marshalerNaming(m, 0))
	}
	return out
}

// marshalerNaming says how a marshaler value names messages: by its
// GenerateName field, or that of a marshaler it embeds (a decorator).
func (e *evaluator) marshalerNaming(m ssa.Value, depth int) *val {
	m = peel(m)
	if c, ok := m.(*ssa.Const); ok && c.Value == nil {
		return litVal("full") // cqrs.JSONMarshaler{}: nothing set
	}
	if ld, ok := m.(*ssa.UnOp); ok && ld.Op == token.MUL {
		m = ld.X
	}
	st, ok := derefType(m.Type()).Underlying().(*types.Struct)
	if _, local := m.(*ssa.Alloc); !ok || !local || depth > 4 {
		return unknown(m.Pos(), "the marshaler is not a literal here")
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		switch {
		case f.Name() == "GenerateName":
			vs, _ := e.fieldValues(m, "GenerateName")
			if len(vs) == 0 {
				return litVal("full")
			}
			if len(vs) > 1 {
				return unknown(m.Pos(), "GenerateName is set more than once")
			}
			fn, ok := peel(vs[0]).(*ssa.Function)
			switch {
			case ok && fn.Name() == "StructName":
				return litVal("short")
			case ok && fn.Name() == "FullyQualifiedStructName":
				return litVal("full")
			}
			return unknown(vs[0].Pos(), "GenerateName is a function of the program's")
		case f.Embedded():
			if vs, _ := e.fieldValues(m, f.Name()); len(vs) == 1 {
				if v := e.marshalerNaming(vs[0], depth+1); v.kind == kName {
					return v
				}
			}
		}
	}
	return litVal("full")
}

// fieldValues returns the values stored to field name of the local struct
// a is or points to (a literal); seen is false when a is no such literal,
// so that a field never set is told from one not looked at.
func (e *evaluator) fieldValues(a ssa.Value, name string) (vals []ssa.Value, seen bool) {
	a = peel(a)
	if ld, ok := a.(*ssa.UnOp); ok && ld.Op == token.MUL {
		a = ld.X
	}
	alloc, ok := a.(*ssa.Alloc)
	if !ok {
		return nil, false
	}
	return e.ix.storedFields(alloc, name), true
}

// generated evaluates what a topic function returns, with the fields of
// its one parameter bound; the rest is traced as any value.
func (e *evaluator) generated(fn *ssa.Function, v ssa.Value, fields map[string]string) []*val {
	// isParam: the parameter itself, or the local copy SSA reads a
	// struct parameter's fields through.
	isParam := func(x ssa.Value) bool {
		if len(fn.Params) != 1 {
			return false
		}
		if x == fn.Params[0] {
			return true
		}
		if a, ok := x.(*ssa.Alloc); ok {
			for _, r := range *a.Referrers() {
				if st, ok := r.(*ssa.Store); ok && st.Addr == a && st.Val == fn.Params[0] {
					return true
				}
			}
		}
		return false
	}
	field := func(x ssa.Value, i int) []*val {
		if !isParam(x) {
			return nil
		}
		if st, ok := derefType(x.Type()).Underlying().(*types.Struct); ok {
			if s, ok := fields[st.Field(i).Name()]; ok {
				return []*val{litVal(s)}
			}
		}
		return nil
	}
	switch v := v.(type) {
	case *ssa.Field:
		if out := field(v.X, v.Field); out != nil {
			return out
		}
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
			if out := field(fa.X, fa.Field); out != nil {
				return out
			}
		}
	case *ssa.BinOp:
		if v.Op == token.ADD && isString(v.Type()) {
			var out []*val
			for _, x := range e.generated(fn, v.X, fields) {
				for _, y := range e.generated(fn, v.Y, fields) {
					out = append(out, concat(v.Pos(), x, y))
				}
			}
			return out
		}
	case *ssa.Phi:
		var out []*val
		for _, x := range v.Edges {
			out = append(out, e.generated(fn, x, fields)...)
		}
		return out
	case *ssa.Call:
		// A helper called with the parameter's fields
		// (generateTopic(params.EventName)): its result with the
		// arguments evaluated here, where the fields are bound.
		cc := v.Common()
		var callees []*ssa.Function
		if g := cc.StaticCallee(); g != nil {
			callees = append(callees, g)
		} else if !cc.IsInvoke() {
			for _, f := range e.resolve(cc.Value) {
				if f.kind == kFunc {
					callees = append(callees, f.fn)
				}
			}
		}
		var out []*val
		for _, g := range callees {
			if g.Blocks == nil || len(g.Params) != len(cc.Args) || maker(e.ix.rulesFor(cc)) != nil {
				out = nil
				break
			}
			bind := func(i int) []*val { return e.generated(fn, cc.Args[i], fields) }
			out = append(out, e.returns(g, 0, bind)...)
		}
		if len(out) > 0 {
			return out
		}
	}
	return e.resolve(v)
}

// product makes one value per combination of the properties' alternatives.
func product(proto *val, props map[string][]*val) []*val {
	outs := []*val{proto}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		var next []*val
		for _, o := range outs {
			for _, a := range props[k] {
				c := *o
				c.props = cloneProps(o.props)
				c.props[k] = a
				next = append(next, &c)
			}
		}
		outs = capVals(next)
	}
	return outs
}

// source evaluates where a rule says a property comes from, and where its
// Else says when that gives nothing known.
// useSite narrows a use: the value a send sends, and for a variadic
// argument given element by element, the one element meant (so that each
// Message's topic stays with its own Value).
type useSite struct {
	sent   ssa.Value
	result ssa.Value // the call's result, for a Then source
	elem   int
	one    bool
}

// pick returns the elements at means.
func (at useSite) pick(elems []ssa.Value) []ssa.Value {
	if !at.one {
		return elems
	}
	if at.elem < len(elems) {
		return elems[at.elem : at.elem+1]
	}
	return nil
}

// source evaluates where a rule says a property comes from, and where its
// Else says when that gives nothing: a field never set, or set to "".
func (e *evaluator) source(prop string, src *config.Source, cc *ssa.CallCommon, pos token.Pos, recv *val, at useSite) []*val {
	out := e.source1(prop, src, cc, pos, recv, at)
	if src.Else != nil && !slices.ContainsFunc(out, func(v *val) bool { return !v.empty() }) {
		return e.source(prop, src.Else, cc, pos, recv, at)
	}
	return out
}

func (e *evaluator) source1(prop string, src *config.Source, cc *ssa.CallCommon, pos token.Pos, recv *val, at useSite) []*val {
	isType := prop == propMessage || prop == propReply
	switch {
	case src.Sent:
		sent := at.sent
		if sent == nil {
			return []*val{unknown(pos, "no value sent")}
		}
		switch {
		case src.Made:
			return e.made(prop, src, sent, false, pos, at)
		case src.Field != "":
			return e.fieldOf(sent, src.Field, pos)
		case isType:
			return []*val{msgTypeVal(peel(sent).Type(), pos)}
		}
		return e.open(sent)
	case src.Value != "":
		if isType {
			return []*val{typeVal(src.Value)}
		}
		return []*val{litVal(src.Value)}
	case len(src.Join) > 0:
		out := []*val{litVal("")}
		for i := range src.Join {
			var next []*val
			for _, y := range e.source1(prop, &src.Join[i], cc, pos, recv, at) {
				for _, x := range out {
					next = append(next, concat(pos, x, y))
				}
			}
			out = capVals(next)
		}
		return out
	case src.Then != "":
		return e.then(src, at.result, pos)
	case src.TypeArg != nil:
		if t := typeArg(cc, *src.TypeArg); t != nil {
			return []*val{msgTypeVal(t, pos)}
		}
		if recv != nil && recv.kind == kClient {
			// Called through an interface of the caller's: the client
			// knows its types.
			return project(recv, prop)
		}
		return []*val{unknown(pos, "no type argument "+fmt.Sprint(*src.TypeArg))}
	case src.Arg != nil:
		args := callArgs(cc)
		if *src.Arg >= len(args) {
			return []*val{unknown(pos, "no argument "+fmt.Sprint(*src.Arg))}
		}
		a := args[*src.Arg]
		if src.Returns {
			return e.returned(prop, src, a, pos)
		}
		if src.Made {
			return e.made(prop, src, a, isVariadicArg(cc, *src.Arg), pos, at)
		}
		if src.Field != "" {
			if elems, ok := sliceElems(a); ok {
				// ProduceSync(ctx, &Record{Topic: "a"}, &Record{Topic: "b"}),
				// SendMessages([]*ProducerMessage{{Topic: "a"}, {Topic: "b"}})
				var out []*val
				for _, x := range at.pick(elems) {
					if x != nil {
						out = append(out, e.fieldOf(x, src.Field, pos)...)
					}
				}
				return out
			}
			return e.fieldOf(a, src.Field, pos)
		}
		if isType {
			return []*val{msgTypeVal(peel(a).Type(), pos)}
		}
		if isVariadicArg(cc, *src.Arg) {
			// Each element is a value of its own: ConsumeTopics("a", "b").
			var out []*val
			for i, item := range e.varargs(a) {
				if !at.one || i == at.elem {
					out = append(out, item...)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
		return e.open(a)
	case src.Receiver:
		rv := receiver(cc)
		if rv == nil {
			return []*val{unknown(pos, "no receiver")}
		}
		if src.Field != "" {
			return e.fieldOf(rv, src.Field, pos)
		}
		if recv != nil {
			return project(recv, prop)
		}
		var out []*val
		for _, x := range e.open(rv) {
			out = append(out, project(x, prop)...)
		}
		return out
	}
	return []*val{unknown(pos, "no source")}
}

// then evaluates a Then source: argument Arg of each call of the method it
// names on the call's result (r.HandleFunc(p, h).Methods("GET", "HEAD")
// gives GET and HEAD); a field never set when there is none.
func (e *evaluator) then(src *config.Source, result ssa.Value, pos token.Pos) []*val {
	var out []*val
	if result != nil && result.Referrers() != nil {
		for _, r := range *result.Referrers() {
			if _, ok := r.(*ssa.DebugRef); ok {
				continue
			}
			c, ok := r.(ssa.CallInstruction)
			if !ok || receiver(c.Common()) != result || !strings.HasSuffix(calleeKey(c.Common()), " "+src.Then) {
				// The result goes elsewhere too (r.HandleFunc(p,
				// h).Name("x").Methods("GET"), a route kept in a
				// variable): what else sets it is not followed.
				return []*val{unknown(pos, "the result is used by calls other than "+src.Then)}
			}
			args := callArgs(c.Common())
			if *src.Arg >= len(args) {
				continue
			}
			if isVariadicArg(c.Common(), *src.Arg) {
				for _, item := range e.varargs(args[*src.Arg]) {
					out = append(out, item...)
				}
				continue
			}
			out = append(out, e.open(args[*src.Arg])...)
		}
	}
	if len(out) == 0 {
		return []*val{unset(pos, src.Then+" is not called on the result")}
	}
	return out
}

// returned evaluates a Returns source: property prop of what the function
// value fn returns (result 0), each element of a returned slice literal
// apart; with Made, of what those values were made with. Values no rule
// made give nothing.
func (e *evaluator) returned(prop string, src *config.Source, fn ssa.Value, pos token.Pos) []*val {
	var out []*val
	for _, f := range e.open(fn) {
		if f.kind != kFunc || f.fn.Blocks == nil {
			continue
		}
		noArgs := func(i int) []*val {
			return []*val{unknown(pos, "a parameter of a handler the library calls")}
		}
		for _, v := range e.returns(f.fn, 0, noArgs) {
			if v.kind == kClient {
				out = append(out, project(v, prop)...)
			}
		}
	}
	if len(out) == 0 {
		return []*val{unknown(pos, "the handler returns nothing a recognised function made")}
	}
	return out
}

// made takes property prop from the values a (or each element of it when
// it is a variadic tail, or its field) was made with by a rule. Values no
// rule made give nothing: a message type is left empty, never guessed.
func (e *evaluator) made(prop string, src *config.Source, a ssa.Value, variadic bool, pos token.Pos, at useSite) []*val {
	items := []ssa.Value{a}
	if elems, ok := sliceElems(a); ok && (variadic || src.Field != "") {
		items = nil
		for _, x := range at.pick(elems) {
			if x != nil {
				items = append(items, x)
			}
		}
	}
	var vs []*val
	for _, x := range items {
		if src.Field != "" {
			vs = append(vs, e.fieldOf(x, src.Field, pos)...)
		} else {
			vs = append(vs, e.open(x)...)
		}
	}
	var out []*val
	for _, v := range vs {
		if v.kind == kClient || v.kind == kParam || v.kind == kProj {
			out = append(out, project(v, prop)...)
		}
	}
	if len(out) == 0 {
		return []*val{unknown(pos, "not made by a recognised function")}
	}
	return out
}

// encodedInto gives the payloads a local buffer holds: the types of the
// values json.NewEncoder(&buf).Encode(v) wrote into it, each as a value a
// payload rule made.
func (e *evaluator) encodedInto(buf *ssa.Alloc) []*val {
	var out []*val
	var writers []ssa.Value
	writers = append(writers, buf)
	for _, r := range *buf.Referrers() {
		if mi, ok := r.(*ssa.MakeInterface); ok {
			writers = append(writers, mi)
		}
	}
	for _, w := range writers {
		for _, r := range *w.Referrers() {
			c, ok := r.(*ssa.Call)
			if !ok || calleeKey(c.Common()) != "encoding/json NewEncoder" {
				continue
			}
			for _, r2 := range *c.Referrers() {
				enc, ok := r2.(ssa.CallInstruction)
				if !ok || calleeKey(enc.Common()) != "encoding/json Encoder.Encode" || receiver(enc.Common()) != ssa.Value(c) {
					continue
				}
				if args := callArgs(enc.Common()); len(args) == 1 {
					t := msgTypeVal(peel(args[0]).Type(), enc.Pos())
					out = append(out, &val{kind: kClient, pos: enc.Pos(), props: map[string]*val{propMessage: t}})
				}
			}
		}
	}
	return out
}

// msgTypeVal is the message type a value of type t carries: its named
// type, never an interface (a payload passed as any says nothing of what
// it holds).
func msgTypeVal(t types.Type, pos token.Pos) *val {
	if types.IsInterface(t) {
		return unknown(pos, "an interface type ("+types.TypeString(t, nil)+") is no message type")
	}
	v := typeVal(typeName(t))
	v.goType = t
	return v
}

// mapVal is a map made here with the entries stored into it by this
// function: clients kept by name (writers["orders"] = w, or a literal).
//
// Its entries are known one by one only when each update's key is one
// constant, or its value one value (m[t] = &Writer{Topic: t} in a loop
// over topics pairs them only together), and no other code updates a map
// of that type that it was handed (a helper filling a map parameter);
// else the map says why in reason and a lookup in it is unknown.
func (e *evaluator) mapVal(mm *ssa.MakeMap) *val {
	v := &val{kind: kMap, pos: mm.Pos()}
	for _, u := range e.ix.mapUpdates[typeKey(mm.Type())] {
		if _, ok := u.Map.(*ssa.MakeMap); !ok {
			// Code that adds to a map it was handed (a parameter, a
			// field) may add to this one.
			v.reason = "entries are added elsewhere to maps of its type"
			return v
		}
	}
	for _, r := range *mm.Referrers() {
		u, ok := r.(*ssa.MapUpdate)
		if !ok || u.Map != ssa.Value(mm) {
			continue
		}
		keys, vals := e.open(u.Key), e.open(u.Value)
		for _, k := range keys {
			if _, p, ok := k.name(); !ok || p {
				v.reason = "a key is not constant"
				return v
			}
		}
		if len(keys) > 1 && len(vals) > 1 {
			v.reason = "keys and values are stored in a loop, not one by one"
			return v
		}
		for _, k := range keys {
			for _, x := range vals {
				v.entries = append(v.entries, mapEntry{key: k, val: x})
			}
		}
	}
	return v
}

// lookup evaluates m[key]: the entries stored with that key, each map and
// key alternative apart; symbolic while the map or the key is a parameter.
func (e *evaluator) lookup(l *ssa.Lookup) []*val {
	var out []*val
	for _, m := range e.open(l.X) {
		for _, k := range e.open(l.Index) {
			out = append(out, lookupIn(m, k, l.Pos())...)
		}
	}
	return out
}

// lookupIn is one alternative of a map lookup. A constant key that the map
// does not hold is no value, and says so (noKey): a lookup of a client by
// a name nobody stored is a bug, not a flow.
func lookupIn(m, k *val, pos token.Pos) []*val {
	if m.hasParams() || k.hasParams() {
		return []*val{{kind: kIndex, of: m, mapKey: k, pos: pos}}
	}
	if m.kind != kMap {
		return []*val{unknown(pos, "an element of a map that is not made here ("+m.describe()+")")}
	}
	if m.reason != "" {
		return []*val{unknown(pos, "an element of a map whose "+m.reason)}
	}
	name, pattern, ok := k.name()
	if !ok || pattern {
		return []*val{unknown(pos, "an element of a map whose key is not constant")}
	}
	var out []*val
	for _, en := range m.entries {
		if n, p, ok := en.key.name(); ok && !p && n == name {
			out = append(out, withVia(en.val, m.via))
		}
	}
	if len(out) == 0 {
		v := unknown(pos, fmt.Sprintf("no client for key %q", name))
		v.noKey = name
		return []*val{v}
	}
	return out
}

// makeLiteral is the client a composite literal of a literal rule's type
// makes (&kafka.Writer{Topic: "orders"}): its properties are its fields.
func (e *evaluator) makeLiteral(r *rule, a *ssa.Alloc) []*val {
	props := map[string][]*val{}
	for _, p := range []struct {
		name string
		src  *config.Source
	}{{propChannel, r.Channel}, {propMessage, r.Message}} {
		if p.src == nil || p.src.Field == "" {
			continue
		}
		st, ok := derefType(a.Type()).Underlying().(*types.Struct)
		if !ok {
			continue
		}
		for i := 0; i < st.NumFields(); i++ {
			if st.Field(i).Name() == p.src.Field {
				props[p.name] = e.allocField(a, i, a.Pos())
			}
		}
	}
	return product(&val{kind: kClient, pos: a.Pos(), lit: a, rule: r}, props)
}
