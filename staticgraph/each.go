package staticgraph

import (
	"fmt"
	"go/constant"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/topology"
)

// eachUse handles a rule with each (E12): the generated
// RegisterRatesServer(s, impl) calls s.RegisterService(&Rates_ServiceDesc,
// impl), and each method of the package-level ServiceDesc that impl's type
// declares itself is a serve endpoint, at the user's call. The engine reads
// the shapes the spec describes: each {arg, field} of a package-level
// literal; implemented, channel parts, message and reply by {arg, method:
// {each, field}} on an argument whose dynamic type is known at the call or,
// when it is a parameter of the function making the call, at each
// reachable call of that function.
func (a *analysis) eachUse(u recognised) {
	r := u.rule
	args := callArgs(u.call.Common())
	elems := a.eachElems(args, r.Each)
	for _, site := range a.implSites(u, r) {
		var made int
		for _, el := range elems {
			if r.Implemented != nil {
				if a.method(site.impl, r.Implemented.Method, el) == nil {
					continue
				}
			}
			ch, ok := a.eachString(args, site, r.Channel, el)
			if !ok {
				continue
			}
			made++
			msg := a.eachType(site, r.Message, el)
			reply := a.eachType(site, r.Reply, el)
			ev := a.evidence(site.at.Pos())
			for _, s := range a.serviceNames(nil, site.at.Parent(), nil) {
				a.addEndpoint(topology.Endpoint{Service: s, Role: r.Role, Channel: ch, MessageType: msg, ReplyType: reply, System: r.system}, ev)
			}
		}
		if made == 0 && r.Implemented != nil {
			name := "?"
			if site.impl != nil {
				name = typeName(site.impl)
			}
			a.diag(site.at.Parent(), site.at.Pos(), fmt.Sprintf("the registered implementation %s implements no methods itself (only promoted ones): no %s endpoint", name, r.Role))
		}
	}
}

// implSite is one call that registers an implementation: where (outside
// generated code when it can), and the implementation's dynamic type.
type implSite struct {
	at   ssa.CallInstruction
	impl types.Type
}

// implSites finds the dynamic type of the implemented argument: at the
// call itself, or through the parameter it is of the function making the
// call (RegisterRatesServer's srv), at each reachable call of that
// function.
func (a *analysis) implSites(u recognised, r *rule) []implSite {
	src := r.Implemented
	if src == nil {
		return []implSite{{at: u.call}}
	}
	args := callArgs(u.call.Common())
	if *src.Arg >= len(args) {
		return nil
	}
	return a.implsAt(u.fn, u.call, args[*src.Arg])
}

// implsAt finds the dynamic type of arg, an argument of call in fn: at
// the call, or, when it is a parameter of fn, at each reachable call of fn.
func (a *analysis) implsAt(fn *ssa.Function, call ssa.CallInstruction, arg ssa.Value) []implSite {
	v := peel(arg)
	p, ok := v.(*ssa.Parameter)
	if !ok {
		return []implSite{{at: call, impl: v.Type()}}
	}
	i := slices.Index(fn.Params, p)
	var out []implSite
	for _, c := range a.ix.sites[fn] {
		if a.re.reachable(c.Parent()) && i < len(c.Common().Args) {
			out = append(out, implSite{at: c, impl: peel(c.Common().Args[i]).Type()})
		}
	}
	return out
}

// eachElems returns the elements of the slice field src names in the
// package-level literal its argument points to (&Rates_ServiceDesc).
func (a *analysis) eachElems(args []ssa.Value, src *config.Source) []ssa.Value {
	if *src.Arg >= len(args) {
		return nil
	}
	var out []ssa.Value
	for _, s := range a.ix.storedFields(args[*src.Arg], src.Field) {
		sl, ok := s.(*ssa.Slice)
		if !ok {
			continue
		}
		alloc, ok := sl.X.(*ssa.Alloc)
		if !ok {
			continue
		}
		byIndex := map[int64]ssa.Value{}
		for _, ref := range *alloc.Referrers() {
			if ia, ok := ref.(*ssa.IndexAddr); ok {
				if k, ok := ia.Index.(*ssa.Const); ok {
					i, _ := constant.Int64Val(k.Value)
					byIndex[i] = ia
				}
			}
		}
		for i := int64(0); i < int64(len(byIndex)); i++ {
			if e, ok := byIndex[i]; ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// storedFields returns the values stored to field name of the struct addr
// points to (a package-level variable, a local, a slice element), where
// this code stores them field by field, as a composite literal does.
func (ix *index) storedFields(addr ssa.Value, name string) []ssa.Value {
	st, ok := derefType(addr.Type()).Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	idx := -1
	for i := 0; i < st.NumFields(); i++ {
		if st.Field(i).Name() == name {
			idx = i
		}
	}
	if idx < 0 {
		return nil
	}
	var out []ssa.Value
	if g, ok := addr.(*ssa.Global); ok {
		// A global has no referrers: the index kept its stores.
		for _, s := range ix.globalFieldStores[g] {
			if s.Addr.(*ssa.FieldAddr).Field == idx {
				out = append(out, s.Val)
			}
		}
		for _, s := range ix.globalStores[g] {
			if ld, ok := s.Val.(*ssa.UnOp); ok {
				out = append(out, ix.storedFields(ld.X, name)...)
			}
		}
		return out
	}
	refs := addr.Referrers()
	if refs == nil {
		return nil
	}
	for _, ref := range *refs {
		if s, ok := ref.(*ssa.Store); ok && s.Addr == addr {
			// The whole struct stored at once, from another literal.
			if ld, ok := s.Val.(*ssa.UnOp); ok {
				out = append(out, ix.storedFields(ld.X, name)...)
			}
			continue
		}
		fa, ok := ref.(*ssa.FieldAddr)
		if !ok || fa.Field != idx {
			continue
		}
		for _, r2 := range *fa.Referrers() {
			if s, ok := r2.(*ssa.Store); ok && s.Addr == fa {
				out = append(out, s.Val)
			}
		}
	}
	return out
}

// eachString evaluates a string source of an each rule: a constant field
// of the current element or of an argument's literal, or a format of them.
func (a *analysis) eachString(args []ssa.Value, site implSite, src *config.Source, el ssa.Value) (string, bool) {
	switch {
	case src == nil:
		return "", false
	case src.Format != "":
		parts := make([]any, len(src.Of))
		for i := range src.Of {
			s, ok := a.eachString(args, site, &src.Of[i], el)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return fmt.Sprintf(src.Format, parts...), true
	case src.Each:
		return constString(a.ix.storedFields(el, src.Field))
	case src.Arg != nil && src.Field != "" && *src.Arg < len(args):
		return constString(a.ix.storedFields(args[*src.Arg], src.Field))
	case src.Value != "":
		return src.Value, true
	}
	return "", false
}

func constString(vs []ssa.Value) (string, bool) {
	if len(vs) != 1 {
		return "", false
	}
	c, ok := vs[0].(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(c.Value), true
}

// method returns the method the source names that impl declares itself,
// or nil.
func (a *analysis) method(impl types.Type, src *config.Source, el ssa.Value) *types.Func {
	if impl == nil || src == nil {
		return nil
	}
	name, ok := a.eachString(nil, implSite{}, src, el)
	if !ok {
		return nil
	}
	return declaredMethod(impl, name)
}

// eachType evaluates a message or reply source: a parameter or result
// type of the implementation's method.
func (a *analysis) eachType(site implSite, src *config.Source, el ssa.Value) string {
	if src == nil || src.Method == nil {
		return ""
	}
	m := a.method(site.impl, src.Method, el)
	if m == nil {
		return ""
	}
	sig := m.Signature()
	switch {
	case src.Param != nil && *src.Param < sig.Params().Len():
		return typeName(sig.Params().At(*src.Param).Type())
	case src.Result != nil && *src.Result < sig.Results().Len():
		return typeName(sig.Results().At(*src.Result).Type())
	}
	return ""
}
