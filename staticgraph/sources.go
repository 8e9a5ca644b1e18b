// Sources: where a rule says a property of a call comes from.

package staticgraph

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// useSite narrows a use: the value a send sends, and for a variadic
// argument given element by element, the one element meant (so that each
// Message's topic stays with its own Value).
type useSite struct {
	sent   ssa.Value
	result ssa.Value // the call's result, for a Then source
	elem   int
	one    bool
	fwd    *forwarding // the wrapper's variadic tail, read at one of its call sites (E22)
}

// forwarding says where a wrapper's variadic parameter, handed on to the
// recognised call, is read instead: arg, the slice that the wrapper's call
// site at passes. A nil arg reads it as unknown.
type forwarding struct {
	param *ssa.Parameter
	arg   ssa.Value
	at    token.Pos
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
		if at.fwd != nil && a == at.fwd.param && (src.Field != "" || src.Made) {
			if at.fwd.arg == nil {
				return []*val{unknown(pos, "the messages "+at.fwd.param.Name()+" a caller passes")}
			}
			// What is not known of it is not known at the site.
			a, pos = at.fwd.arg, at.fwd.at
		}
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
			if _, ok := a.Type().Underlying().(*types.Slice); ok {
				if p, ok := a.(*ssa.Parameter); ok {
					// A wrapper's tail that useForwarded declined (E22).
					return []*val{unknown(pos, "the "+src.Field+" of each element of parameter "+p.Name()+", not followed to its callers")}
				}
				// ProduceSync(ctx, batch...) with a batch built by append.
				return []*val{unknown(pos, "the "+src.Field+" of each element of a slice that is not a literal")}
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
