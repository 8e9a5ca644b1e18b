// Forwarded variadic tails (E22): a wrapper that hands its own variadic
// parameter on to a recognised call.

package staticgraph

import (
	"cmp"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// forwardedParam returns u's function's variadic parameter when the call
// hands it on whole as an argument whose elements' fields, or what they
// were made with, a source of the rule reads:
//
//	func (p *Producer) Publish(ctx context.Context, msgs ...kafka.Message) error {
//		return p.w.WriteMessages(ctx, msgs...)
//	}
//
// A function summary cannot carry that: a parameter binds to what a value
// is, and a field of each element needs the caller's slice literal itself.
// Otherwise it returns nil.
func (a *analysis) forwardedParam(u recognised) *ssa.Parameter {
	fn := u.fn
	if !fn.Signature.Variadic() || len(fn.Params) == 0 {
		return nil
	}
	tail := fn.Params[len(fn.Params)-1]
	args := callArgs(u.call.Common())
	for _, src := range []*config.Source{u.rule.Channel, u.rule.Message, u.rule.Reply} {
		for s := src; s != nil; s = s.Else {
			if s.Arg != nil && (s.Field != "" || s.Made) && *s.Arg < len(args) && args[*s.Arg] == tail {
				return tail
			}
		}
	}
	return nil
}

// useForwarded turns a use whose call forwards tail (see forwardedParam)
// into endpoints at each reachable call site of the wrapper, direct or
// through an interface that can reach no other method (onlyCallee). It
// reads each element of the slice literal the site passes as the call's
// own, so each message's topic stays with its payload and with the
// caller's service; a site that passes anything else (a slice built by
// append, a tail handed on again) is unresolved. It declines, and the use
// is taken as any other, when something else the rule reads depends on
// the wrapper's parameters, or when the wrapper has no call site to read:
// what is bound at one site must not meet what is bound at another.
func (a *analysis) useForwarded(u recognised, recvs []*val, tail *ssa.Parameter) bool {
	cc := u.call.Common()
	for _, r := range recvs {
		if r != nil && r.hasParams() {
			return false
		}
		for _, vs := range a.ev.props(u.rule, cc, u.call.Pos(), r, useSite{sent: u.sent, fwd: &forwarding{param: tail}}) {
			for _, v := range vs {
				if v.hasParams() {
					return false
				}
			}
		}
	}
	if len(a.ix.callbacks[u.fn]) > 0 {
		return false
	}
	var sites []ssa.CallInstruction
	for _, s := range a.ix.sites[u.fn] {
		if a.re.reachable(s.Parent()) {
			sites = append(sites, s)
		}
	}
	sites = append(sites, a.onlyCallee(u.fn)...)
	if len(sites) == 0 {
		return false
	}
	var result ssa.Value
	if c, ok := u.call.(*ssa.Call); ok {
		result = c
	}
	last := u.fn.Signature.Params().Len() - 1
	var xs []expanded
	for _, s := range sites {
		args := callArgs(s.Common())
		if last >= len(args) {
			continue
		}
		arg := args[last]
		if c, ok := arg.(*ssa.Const); ok && c.IsNil() {
			continue // no messages: nothing is written
		}
		ats := []useSite{{sent: u.sent, result: result, fwd: &forwarding{tail, arg, s.Pos()}}}
		if elems, ok := sliceElems(arg); ok && len(elems) > 1 {
			ats = ats[:0]
			for i := range elems {
				ats = append(ats, useSite{sent: u.sent, result: result, elem: i, one: true, fwd: &forwarding{tail, arg, s.Pos()}})
			}
		}
		var tuples []*val
		for _, at := range ats {
			for _, r := range recvs {
				props := a.ev.props(u.rule, cc, u.call.Pos(), r, at)
				if r != nil {
					props[propReceiver] = []*val{r}
				}
				tuples = append(tuples, product(&val{kind: kClient, pos: u.call.Pos()}, props)...)
			}
		}
		// What the site's elements gave is in the caller's terms: bind
		// it from there up, with the site as evidence.
		xs = append(xs, a.ev.expand(s.Parent(), capVals(tuples), 1, []*ssa.Function{u.fn}, []ssa.CallInstruction{s})...)
	}
	a.endpointsOf(u, xs)
	return true
}

// onlyCallee returns the reachable interface calls that can call no method
// but fn: calls of its name through an interface its receiver's type
// implements, where no other method of that name, of a type reachable code
// converts to an interface, implements it too. Binding fn's parameters at
// a call that might reach another implementation would be a guess.
func (a *analysis) onlyCallee(fn *ssa.Function) []ssa.CallInstruction {
	recv := fn.Signature.Recv()
	if recv == nil {
		return nil
	}
	var impls []*ssa.Function // methods named as fn, of converted types
	for f, ms := range a.ix.converts {
		if !a.re.reachable(f) {
			continue
		}
		for _, m := range ms {
			if m.Name() == fn.Name() && !slices.Contains(impls, m) {
				impls = append(impls, m)
			}
		}
	}
	if !slices.Contains(impls, fn) {
		return nil // no interface holds fn's type
	}
	var out []ssa.CallInstruction
	for f, calls := range a.ix.invokes {
		if !a.re.reachable(f) {
			continue
		}
		for _, c := range calls {
			cc := c.Common()
			it, ok := cc.Value.Type().Underlying().(*types.Interface)
			if !ok || cc.Method.Name() != fn.Name() || !types.Implements(recv.Type(), it) {
				continue
			}
			if !slices.ContainsFunc(impls, func(m *ssa.Function) bool {
				return m != fn && m.Signature.Recv() != nil && types.Implements(m.Signature.Recv().Type(), it)
			}) {
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(x, y ssa.CallInstruction) int { return cmp.Compare(x.Pos(), y.Pos()) })
	return out
}
