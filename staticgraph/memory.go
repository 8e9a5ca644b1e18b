// What the evaluator reads through memory: struct fields, loads and
// stores, free variables of closures.

package staticgraph

import (
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// fieldOf evaluates field name of the struct a is or points to: from the
// composite literal a was built by when it is local, else from every store
// to that field in the program.
func (e *evaluator) fieldOf(a ssa.Value, name string, pos token.Pos) []*val {
	a = peel(a)
	t := a.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return []*val{unknown(pos, "not a struct, so it has no field "+name)}
	}
	idx := -1
	for i := 0; i < st.NumFields(); i++ {
		if st.Field(i).Name() == name {
			idx = i
		}
	}
	if idx < 0 {
		return []*val{unknown(pos, "no field "+name)}
	}
	var alloc *ssa.Alloc
	switch x := a.(type) {
	case *ssa.Alloc:
		alloc = x
	case *ssa.UnOp:
		if x.Op == token.MUL {
			alloc, _ = x.X.(*ssa.Alloc)
		}
	}
	if alloc != nil {
		return e.allocField(alloc, idx, pos)
	}
	return e.fieldLoad(t, idx, pos)
}

// allocField evaluates field idx of a local struct variable or literal
// from what this function stores into it. A variable filled through its
// address by a decoder (json.Unmarshal(data, &o)) holds request data,
// whatever other code stores to the same field elsewhere; a field a
// literal leaves out is its zero value, which names nothing.
func (e *evaluator) allocField(alloc *ssa.Alloc, idx int, pos token.Pos) []*val {
	name := "?"
	if f, ok := fieldOfType(alloc.Type(), idx); ok {
		name = f.v.Name()
	}
	if c := e.filledBy(alloc); c != nil {
		what := "a call"
		if fn := c.Common().StaticCallee(); fn != nil {
			what = funcName(fn)
		}
		return []*val{unknown(c.Pos(), "field "+name+" of a value decoded by "+what+" (a request, a message or a config file)")}
	}
	var out []*val
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Addr == alloc {
				// The whole value is assigned: its fields are what
				// was stored to them anywhere.
				return e.fieldLoad(alloc.Type(), idx, pos)
			}
		case *ssa.FieldAddr:
			if r.Field != idx {
				continue
			}
			for _, r2 := range *r.Referrers() {
				if s, ok := r2.(*ssa.Store); ok && s.Addr == r {
					out = append(out, e.open(s.Val)...)
				}
			}
		}
	}
	if len(out) == 0 {
		return []*val{unset(pos, "field "+name+" is not set")}
	}
	return out
}

// filledBy returns the call a local variable is handed to as an interface
// value (the any of a decoder such as json.Unmarshal): the call that may
// fill it with data from outside.
func (e *evaluator) filledBy(a *ssa.Alloc) ssa.CallInstruction {
	for _, r := range *a.Referrers() {
		if mi, ok := r.(*ssa.MakeInterface); ok {
			for _, r2 := range *mi.Referrers() {
				if c, ok := r2.(ssa.CallInstruction); ok && e.ix.rulesFor(c.Common()) == nil &&
					slices.Contains(c.Common().Args, ssa.Value(mi)) {
					return c
				}
			}
		}
	}
	return nil
}

// fieldLoad evaluates a struct field by field: every value stored to it
// anywhere in reachable code.
func (e *evaluator) fieldLoad(t types.Type, i int, pos token.Pos) []*val {
	f, ok := fieldOfType(t, i)
	if !ok {
		return []*val{unknown(pos, "a field of a value that is not a struct")}
	}
	if c, ok := e.ix.decoded.At(derefType(t)).(ssa.CallInstruction); ok {
		what := "a call"
		if fn := c.Common().StaticCallee(); fn != nil {
			what = funcName(fn)
		}
		return []*val{unknown(pos, "field "+f.v.Name()+" of "+typeName(t)+", which "+what+" fills from outside data (a request, a message or a config file)")}
	}
	var out []*val
	for _, s := range e.ix.fieldStores[f] {
		if e.re.reachable(s.Parent()) {
			for _, v := range e.resolve(s.Val) {
				out = append(out, withVia(v, []*ssa.Function{s.Parent()}))
			}
		}
	}
	if len(out) == 0 {
		return []*val{unset(pos, "field "+f.v.Name()+" is never set by reachable code")}
	}
	return out
}

// load evaluates what a pointer points to.
func (e *evaluator) load(p ssa.Value, pos token.Pos) []*val {
	switch p := p.(type) {
	case *ssa.Global:
		var out []*val
		for _, s := range e.ix.globalStores[p] {
			if e.re.reachable(s.Parent()) {
				for _, v := range e.resolve(s.Val) {
					out = append(out, withVia(v, []*ssa.Function{s.Parent()}))
				}
			}
		}
		if len(out) == 0 {
			return []*val{unknown(pos, "package-level variable "+p.Name()+" is never set by reachable code")}
		}
		return out
	case *ssa.FieldAddr:
		if a, ok := p.X.(*ssa.Alloc); ok {
			return e.allocField(a, p.Field, pos)
		}
		return e.fieldLoad(p.X.Type(), p.Field, pos)
	case *ssa.Alloc:
		return e.stores(p, false)
	case *ssa.FreeVar:
		return e.freeVar(p, true)
	case *ssa.IndexAddr:
		// An element of a slice literal is any of them: ranging over
		// []string{"a", "b"} subscribes to a and to b.
		if elems, ok := sliceElems(p.X); ok && len(elems) > 0 {
			var out []*val
			for _, x := range elems {
				if x != nil {
					out = append(out, e.open(x)...)
				}
			}
			return out
		}
		return []*val{unknown(pos, "an element of a slice or array")}
	}
	// A pointer a setting rule returns (flag.String): what it points to
	// is the setting; a pointer to a client (a *cqrs.CommandBus whose
	// methods take the value): the client.
	//
	// A pointer that is a parameter (a *cqrs.CommandBus handed to a
	// function that calls a value-receiver method on it, a *string
	// argument) is what it points to at each call site: a projection
	// bound there.
	var made []*val
	for _, x := range e.open(p) {
		switch {
		case x.setting != "" || x.kind == kClient || x.kind == kService || x.kind == kRef:
			made = append(made, project(x, propDeref)...)
		case x.kind == kParam || x.kind == kProj:
			made = append(made, &val{kind: kProj, of: x, prop: propDeref})
		}
	}
	if len(made) > 0 {
		return made
	}
	return []*val{unknown(pos, "loaded through a pointer ("+describe(p)+")")}
}

// stores evaluates the values stored to a local variable whose address is
// taken; resolved when read from another function (a closure).
func (e *evaluator) stores(a *ssa.Alloc, resolved bool) []*val {
	if c := escapes(a); c != nil {
		if r := maker(e.ix.rulesFor(c.Common())); r != nil && r.Makes == config.MakesSetting && r.Into != nil {
			if args := callArgs(c.Common()); *r.Into.Arg < len(args) && args[*r.Into.Arg] == ssa.Value(a) {
				return []*val{e.setting(r, c.Common(), c.Pos())}
			}
		}
		name := "a call"
		if fn := c.Common().StaticCallee(); fn != nil {
			name = funcName(fn)
		}
		return []*val{unknown(c.Pos(), "a variable set through its address by "+name)}
	}
	var out []*val
	for _, r := range *a.Referrers() {
		if s, ok := r.(*ssa.Store); ok && s.Addr == a {
			if resolved {
				out = append(out, e.resolve(s.Val)...)
			} else {
				out = append(out, e.open(s.Val)...)
			}
		}
	}
	if len(out) == 0 {
		return []*val{unknown(a.Pos(), "a variable that is never set")}
	}
	return out
}

// escapes returns the call a local variable's address is passed to, if any:
// its value is then set where we do not look (flag.StringVar(&topic, ...)).
// A function of the program that only reads through the pointer does not
// set it.
func escapes(a *ssa.Alloc) ssa.CallInstruction {
	for _, r := range *a.Referrers() {
		c, ok := r.(ssa.CallInstruction)
		if !ok {
			continue
		}
		for i, arg := range c.Common().Args {
			if arg == ssa.Value(a) && writesThrough(c.Common().StaticCallee(), i) {
				return c
			}
		}
	}
	return nil
}

// writesThrough reports whether fn may store through its parameter i:
// it has no body we read, or stores to it, or hands it on.
func writesThrough(fn *ssa.Function, i int) bool {
	if fn == nil || fn.Blocks == nil || i >= len(fn.Params) {
		return true
	}
	p := fn.Params[i]
	for _, r := range *p.Referrers() {
		switch r := r.(type) {
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return true
			}
		case *ssa.Store:
			if r.Addr == ssa.Value(p) {
				return true
			}
		case *ssa.DebugRef:
		default:
			return true
		}
	}
	return false
}

// freeVar evaluates a closure's free variable from the bindings of every
// closure made of the function; deref when it is captured by reference.
func (e *evaluator) freeVar(fv *ssa.FreeVar, deref bool) []*val {
	fn := fv.Parent()
	idx := slices.Index(fn.FreeVars, fv)
	var out []*val
	for _, mc := range e.ix.closures[fn] {
		if !e.re.reachable(mc.Parent()) {
			continue
		}
		b := mc.Bindings[idx]
		switch {
		case !deref:
			out = append(out, e.resolve(b)...)
		case isAlloc(b):
			out = append(out, e.stores(b.(*ssa.Alloc), true)...)
		default:
			out = append(out, unknown(mc.Pos(), "a captured pointer ("+describe(b)+")"))
		}
	}
	if len(out) == 0 {
		return []*val{unknown(fv.Pos(), "a variable captured by "+funcName(fn)+", which no reachable code makes")}
	}
	return out
}

func isAlloc(v ssa.Value) bool { _, ok := v.(*ssa.Alloc); return ok }
