// Names built by fmt.Sprintf and concatenation, and the elements of
// slices and variadic arguments.

package staticgraph

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"
)

// sprintf evaluates fmt.Sprintf with a constant format: constant arguments
// are formatted, others become wildcards, parameters stay symbolic for %s
// and %v.
func (e *evaluator) sprintf(c *ssa.Call) []*val {
	args := c.Common().Args
	items := e.varargs(args[1])
	var out []*val
	for _, f := range e.open(args[0]) {
		format, pattern, ok := f.name()
		if !ok || pattern {
			out = append(out, unknown(c.Pos(), "fmt.Sprintf with a format that is not constant"))
			continue
		}
		out = append(out, e.format(c.Pos(), format, items)...)
	}
	return out
}

func (e *evaluator) format(pos token.Pos, format string, items [][]*val) []*val {
	alts := [][]*val{nil}
	next := 0
	lit := func(s string) {
		for i := range alts {
			alts[i] = append(alts[i], litVal(s))
		}
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			j := i
			for j < len(format) && format[j] != '%' {
				j++
			}
			lit(format[i:j])
			i = j - 1
			continue
		}
		j := i + 1
		for j < len(format) && !isVerb(format[j]) {
			j++
		}
		if j >= len(format) {
			lit(format[i:])
			break
		}
		spec := format[i : j+1]
		i = j
		if format[j] == '%' {
			lit("%")
			continue
		}
		var choices []*val
		if next < len(items) {
			for _, it := range items[next] {
				choices = append(choices, formatted(spec, it))
			}
		} else {
			choices = []*val{unknown(pos, "missing Sprintf argument")}
		}
		next++
		var grown [][]*val
		for _, a := range alts {
			for _, ch := range choices {
				grown = append(grown, append(slices.Clip(a), ch))
			}
		}
		if len(grown) > maxAlternatives {
			grown = grown[:maxAlternatives]
		}
		alts = grown
	}
	out := make([]*val, 0, len(alts))
	for _, a := range alts {
		out = append(out, concat(pos, a...))
	}
	return out
}

func isVerb(b byte) bool {
	return b == '%' || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// formatted is one Sprintf operand as a name part.
func formatted(spec string, v *val) *val {
	verb := spec[len(spec)-1]
	switch {
	case v.kind == kName && v.konst != nil:
		return litVal(fmt.Sprintf(spec, constant.Val(v.konst)))
	case (v.kind == kName || v.kind == kParam) && (verb == 's' || verb == 'v') && len(spec) == 2:
		return v
	}
	return &val{kind: kName, segs: []seg{{param: -1, wild: true}}}
}

// varargs returns the alternatives of each element of a slice built from a
// literal (a variadic call's arguments are one).
func (e *evaluator) varargs(v ssa.Value) [][]*val {
	elems, ok := sliceElems(v)
	if !ok {
		return nil
	}
	items := make([][]*val, len(elems))
	for i, x := range elems {
		if x == nil {
			items[i] = []*val{unknown(v.Pos(), "an element never set")}
			continue
		}
		items[i] = e.open(x)
	}
	return items
}

// sliceElems returns the values stored into each element of a slice built
// from a literal (nil for an element not set), and whether v is one.
func sliceElems(v ssa.Value) ([]ssa.Value, bool) {
	sl, ok := v.(*ssa.Slice)
	if !ok {
		return nil, false
	}
	alloc, ok := sl.X.(*ssa.Alloc)
	if !ok {
		return nil, false
	}
	ptr, ok := alloc.Type().Underlying().(*types.Pointer)
	if !ok {
		return nil, false
	}
	arr, ok := ptr.Elem().Underlying().(*types.Array)
	if !ok {
		return nil, false
	}
	elems := make([]ssa.Value, arr.Len())
	for _, r := range *alloc.Referrers() {
		ia, ok := r.(*ssa.IndexAddr)
		if !ok {
			continue
		}
		k, ok := ia.Index.(*ssa.Const)
		if !ok {
			return nil, false // written at a computed index: not a literal
		}
		i, _ := constant.Int64Val(k.Value)
		for _, r2 := range *ia.Referrers() {
			if s, ok := r2.(*ssa.Store); ok && s.Addr == ia && int(i) < len(elems) {
				elems[i] = s.Val
			}
		}
	}
	return elems, true
}
