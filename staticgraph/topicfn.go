// Topic functions: what a generate-topic function kept in a config returns
// for a message type, named as the config's marshaler names it (E8, E20).

package staticgraph

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

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
