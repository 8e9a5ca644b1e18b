package staticgraph

import (
	"fmt"
	"go/token"
	"go/types"
	"maps"
	"slices"

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
