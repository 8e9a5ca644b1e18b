package staticgraph

import (
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// reach records which main packages reach each function: a walk from each
// main's main and init over the index's edges, which are static calls and
// every function used as a value (closures, method values, functions passed
// to a dependency), and, as in RTA, over the methods of the types the walk
// converts to interfaces: a method of an interface a dependency declares at
// once (code we do not read may call it), any other once the same main
// makes an interface call of a method of that name and signature. A method that only reflection could call (a
// documentation generator walking service objects it holds as any) is not
// reached. It needs no bodies of dependencies, unlike rta.Analyze, which
// panics on export data.
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
		// The methods of converted types that wait for an interface call
		// of their name, and the interface calls made, by name.
		pending := map[string][]*ssa.Function{}
		invoked := map[string][]*types.Signature{}
		visit(p.Func("main"))
		visit(p.Func("init"))
		for len(stack) > 0 {
			fn := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, g := range ix.out[fn] {
				visit(g)
			}
			for _, m := range ix.converts[fn] {
				if ix.libraryCallable[m] || identicalTo(invoked[m.Name()], m.Signature) {
					visit(m)
				} else {
					pending[m.Name()] = append(pending[m.Name()], m)
				}
			}
			for _, c := range ix.invokes[fn] {
				name, sig := c.Common().Method.Name(), c.Common().Method.Type().(*types.Signature)
				invoked[name] = append(invoked[name], sig)
				kept := pending[name][:0]
				for _, m := range pending[name] {
					if types.Identical(m.Signature, sig) {
						visit(m)
					} else {
						kept = append(kept, m)
					}
				}
				pending[name] = kept
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

func identicalTo(sigs []*types.Signature, sig *types.Signature) bool {
	for _, s := range sigs {
		if types.Identical(s, sig) {
			return true
		}
	}
	return false
}
