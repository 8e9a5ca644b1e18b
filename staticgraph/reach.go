package staticgraph

import (
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// reach records which main packages reach each function: a walk from each
// main's main and init over the index's edges, which are static calls,
// every function used as a value (closures, method values, functions passed
// to a dependency), and every method of every type converted to an interface
// (what dynamic calls may reach, as in RTA). It needs no bodies of
// dependencies, unlike rta.Analyze, which panics on export data.
type reach struct {
	mains []*ssa.Package
	by    map[*ssa.Function][]uint64 // bitset over mains
	// dispatch lists, for each method of a lazy type (generated client
	// code), the reachable interface calls that may call it.
	dispatch map[*ssa.Function][]ssa.CallInstruction
}

func newReach(ix *index, pkgs []*ssa.Package, selected map[string]bool) *reach {
	r := &reach{by: map[*ssa.Function][]uint64{}, dispatch: map[*ssa.Function][]ssa.CallInstruction{}}
	// Which lazy methods each interface call may call: by name, then by
	// the interface the receiver's type implements.
	byName := map[string][]*ssa.Function{}
	for _, lt := range ix.lazy {
		for _, m := range lt.methods {
			byName[m.Name()] = append(byName[m.Name()], m)
		}
	}
	targets := func(c ssa.CallInstruction) []*ssa.Function {
		cc := c.Common()
		var out []*ssa.Function
		it, ok := cc.Value.Type().Underlying().(*types.Interface)
		if !ok {
			return nil
		}
		for _, m := range byName[cc.Method.Name()] {
			if recv := m.Signature.Recv(); recv != nil && types.Implements(recv.Type(), it) {
				out = append(out, m)
			}
		}
		return out
	}
	dispatched := map[ssa.CallInstruction]bool{}
	for _, p := range pkgs {
		if p.Pkg.Name() == "main" && p.Func("main") != nil && selected[p.Pkg.Path()] {
			r.mains = append(r.mains, p)
		}
	}
	words := (len(r.mains) + 63) / 64
	var stack []*ssa.Function
	for m, p := range r.mains {
		word, bit := m/64, uint64(1)<<(m%64)
		visit := func(fn *ssa.Function) {
			if fn == nil {
				return
			}
			bs := r.by[fn]
			if bs == nil {
				bs = make([]uint64, words)
				r.by[fn] = bs
			}
			if bs[word]&bit == 0 {
				bs[word] |= bit
				stack = append(stack, fn)
			}
		}
		visit(p.Func("main"))
		visit(p.Func("init"))
		for len(stack) > 0 {
			fn := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, g := range ix.out[fn] {
				visit(g)
			}
			for _, c := range ix.invokes[fn] {
				for _, g := range targets(c) {
					if !dispatched[c] {
						r.dispatch[g] = append(r.dispatch[g], c)
					}
					visit(g)
				}
				dispatched[c] = true
			}
		}
	}
	return r
}

// reachable reports whether any main reaches fn.
func (r *reach) reachable(fn *ssa.Function) bool { return r.by[fn] != nil }

// mainsOf returns the main packages that reach fn, in load order.
func (r *reach) mainsOf(fn *ssa.Function) []*ssa.Package {
	var out []*ssa.Package
	for m, p := range r.mains {
		if bs := r.by[fn]; bs != nil && bs[m/64]&(1<<(m%64)) != 0 {
			out = append(out, p)
		}
	}
	return out
}
