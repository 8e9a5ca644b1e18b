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
)

// A val is what a traced SSA value may be: one alternative among those a
// value can take. Values whose origin is a parameter of the function being
// traced stay symbolic (kParam, or a param segment inside a name) until a
// call site binds them; that is what makes a function summary.
type val struct {
	kind kind

	segs  []seg          // kName
	konst constant.Value // kName made from one constant, for Sprintf verbs

	reason string // kUnknown: why the value is not known
	// kUnknown from a setting rule: the kind of setting (environment,
	// flag) and its visible defaults, the candidates.
	setting string
	cands   []string
	unset   bool      // kUnknown: a field never set, which a source's else replaces
	pos     token.Pos // kUnknown: where; kService, kClient: the making call

	param int // kParam: index into the traced function's Params

	of   *val   // kProj: the value projected
	prop string // kProj: the property taken

	// kService: name. kClient: channel, service, message, reply.
	props map[string]*val
	site  *ssa.Call // kService, kClient: the making call
	rule  *rule     // kService, kClient: the rule that recognised it

	typ    string     // kType
	goType types.Type // kType, where known: for the name Watermill gives it

	fn *ssa.Function // kFunc

	entries []mapEntry // kMap
	mapKey  *val       // kIndex: the key looked up in of
	lit     *ssa.Alloc // kClient made by a literal rule
	refs    []*val     // kRef: the values stored to the variable
	// via are the functions whose stores to a struct field or a
	// package-level variable the value came through: only a main that
	// reaches all of them can have it there (a field set in one main's
	// code does not name another main's endpoint).
	via []*ssa.Function
	// noKey, on a kUnknown, is the constant key a map lookup did not
	// find: a diagnostic, not an unresolved name.
	noKey string
}

// mapEntry is one key and value stored into a map.
type mapEntry struct{ key, val *val }

type kind uint8

const (
	kName    kind = iota // a string: literal, pattern or symbolic segments
	kUnknown             // not statically known; reason says why
	kParam               // a parameter of the function being traced
	kProj                // a property of a value not known yet (a client parameter's channel)
	kService             // a value made by a service rule
	kClient              // a value made by a client rule
	kType                // a message type
	kFunc                // a function value (a topic generator kept in a config)
	kMap                 // a map with the entries stored into it
	kIndex               // a lookup in a map not known yet, or by a key not known yet
	kRef                 // the address of a local variable: what was stored to it (refs)
)

// Property names shared by clients, services and endpoint rules.
const (
	propName    = "name"
	propService = "service"
	propChannel = "channel"
	propMessage = "message"
	propReply   = "reply"
	// propMethod is an HTTP rule's method, propPrefix a route's router
	// prefix (E16).
	propMethod = "method"
	propPrefix = "prefix"
	// propNamer says how a Watermill marshaler names messages: "short"
	// or "full" (E20).
	propNamer = "namer"
	// propDeref is what a pointer points to: a client for a pointer to
	// one, the stored values for the address of a variable.
	propDeref = "*"
	// propParent is, on a router made from another (a chi Route, a
	// gorilla Subrouter), the router it was made from: the way to the
	// root router, whose mounts prefix every route (E18).
	propParent = "parent"
)

// seg is one part of a name: literal text, a parameter, a property of a
// value not known yet (a router parameter's path prefix), or a wildcard
// standing for a non-constant part.
type seg struct {
	lit   string
	param int  // -1 unless a parameter
	proj  *val // a kProj, bound like a parameter
	wild  bool
	set   *val // a wildcard that is a setting (kUnknown with setting)
}

// symbolic reports whether the segment waits for a binding.
func (s seg) symbolic() bool { return s.param >= 0 || s.proj != nil }

func litVal(s string) *val { return &val{kind: kName, segs: []seg{{lit: s, param: -1}}} }

func constVal(c constant.Value) *val {
	s := c.ExactString()
	if c.Kind() == constant.String {
		s = constant.StringVal(c)
	}
	v := litVal(s)
	v.konst = c
	return v
}

func unknown(pos token.Pos, format string) *val {
	return &val{kind: kUnknown, reason: format, pos: pos}
}

func unset(pos token.Pos, reason string) *val {
	v := unknown(pos, reason)
	v.unset = true
	return v
}

// empty reports whether v gives nothing: a field never set, or "".
func (v *val) empty() bool {
	if v.kind == kUnknown {
		return v.unset
	}
	n, _, ok := v.name()
	return ok && n == ""
}

func paramVal(i int) *val { return &val{kind: kParam, param: i} }

func typeVal(t string) *val { return &val{kind: kType, typ: t} }

// typeName names a message type as the channel library and the runtime
// side do: &shop.ShipOrder{} and the generated *fxpb.GetRateRequest are
// messages of the named type, not of a pointer to it.
func typeName(t types.Type) string { return types.TypeString(derefType(t), nil) }

// derefType returns the type t points to, or t.
func derefType(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// segsOf turns v into name segments for concatenation: anything that is not
// a name or a parameter becomes a wildcard.
func segsOf(v *val) []seg {
	switch v.kind {
	case kName:
		return v.segs
	case kParam:
		return []seg{{param: v.param}}
	case kProj:
		return []seg{{param: -1, proj: v}}
	case kUnknown:
		if v.setting != "" {
			return []seg{{param: -1, wild: true, set: v}}
		}
	}
	return []seg{{param: -1, wild: true}}
}

// concat joins alternatives of names. A name with no literal text and no
// parameter (every part unknown) is unknown, never the pattern "*".
func concat(pos token.Pos, parts ...*val) *val {
	var ss []seg
	for _, p := range parts {
		for _, s := range segsOf(p) {
			if n := len(ss); n > 0 && !s.symbolic() && !s.wild && !ss[n-1].symbolic() && !ss[n-1].wild {
				ss[n-1].lit += s.lit
				continue
			}
			if n := len(ss); n > 0 && s.wild && ss[n-1].wild {
				if ss[n-1].set == nil {
					ss[n-1].set = s.set
				}
				continue
			}
			ss = append(ss, s)
		}
	}
	v := nameOf(pos, ss, parts)
	for _, p := range parts {
		if len(p.via) > 0 && v != p {
			v = withVia(v, p.via)
		}
	}
	return v
}

// withVia returns v, or a copy of it, that also came through the stores
// of fns.
func withVia(v *val, fns []*ssa.Function) *val {
	if len(fns) == 0 {
		return v
	}
	c := *v
	c.via = slices.Clip(v.via)
	for _, f := range fns {
		if !slices.Contains(c.via, f) {
			c.via = append(c.via, f)
		}
	}
	return &c
}

// viaOf collects the via of v and of every value it holds.
func viaOf(v *val, out []*ssa.Function) []*ssa.Function {
	if v == nil {
		return out
	}
	out = append(out, v.via...)
	for _, k := range sortedKeys(v.props) {
		out = viaOf(v.props[k], out)
	}
	return out
}

func nameOf(pos token.Pos, ss []seg, parts []*val) *val {
	if len(ss) == 1 && ss[0].param >= 0 {
		return paramVal(ss[0].param)
	}
	if len(ss) == 1 && ss[0].proj != nil {
		return ss[0].proj
	}
	for _, s := range ss {
		if s.symbolic() || (!s.wild && s.lit != "") {
			return &val{kind: kName, segs: ss}
		}
	}
	reason := "built only from non-constant parts"
	for _, p := range parts {
		if p.kind == kUnknown {
			reason = p.reason
			pos = p.pos
			break
		}
	}
	return unknown(pos, reason)
}

// name reports a fully known name: its text (a path.Match glob when
// pattern) and ok; not ok while a parameter remains.
func (v *val) name() (text string, pattern, ok bool) {
	if v.kind != kName {
		return "", false, false
	}
	var b strings.Builder
	for _, s := range v.segs {
		switch {
		case s.symbolic():
			return "", false, false
		case s.wild:
			b.WriteString("*")
			pattern = true
		default:
			b.WriteString(s.lit)
		}
	}
	if !pattern {
		return b.String(), false, true
	}
	// Literal parts of a pattern must not act as glob syntax.
	b.Reset()
	for _, s := range v.segs {
		if s.wild {
			b.WriteString("*")
			continue
		}
		for _, r := range s.lit {
			if strings.ContainsRune(`*?[\`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String(), true, true
}

// asSetting returns, for a value that is or is built from a setting
// (os.Getenv("BASE_URL") + "/orders"), the setting as an unknown value
// whose candidates are the names its defaults give; nil for any other.
func (v *val) asSetting() *val {
	if v.kind == kUnknown && v.setting != "" {
		return v
	}
	if v.kind != kName {
		return nil
	}
	var set *val
	for _, s := range v.segs {
		if s.set != nil {
			set = s.set
			break
		}
	}
	if set == nil {
		return nil
	}
	cands := []string{""}
	for _, s := range v.segs {
		switch {
		case s.set != nil:
			var next []string
			for _, c := range cands {
				for _, d := range s.set.cands {
					next = append(next, c+d)
				}
			}
			cands = next
		case s.wild || s.symbolic():
			// A part that is neither a default nor constant: the
			// defaults give no whole name.
			cands = nil
		default:
			for i := range cands {
				cands[i] += s.lit
			}
		}
	}
	out := *set
	out.cands = cands
	return &out
}

// rawName is a known name with each non-constant part as "*" and nothing
// escaped: a URL whose "?" is its query, not glob syntax.
func (v *val) rawName() string {
	var b strings.Builder
	for _, s := range v.segs {
		if s.wild {
			b.WriteString("*")
		} else {
			b.WriteString(s.lit)
		}
	}
	return b.String()
}

// hasParams reports whether v still depends on a parameter.
func (v *val) hasParams() bool {
	switch v.kind {
	case kParam:
		return true
	case kName:
		for _, s := range v.segs {
			if s.param >= 0 || s.proj != nil && s.proj.hasParams() {
				return true
			}
		}
	case kProj:
		return v.of.hasParams()
	case kIndex:
		return v.of.hasParams() || v.mapKey.hasParams()
	case kRef:
		for _, r := range v.refs {
			if r.hasParams() {
				return true
			}
		}
	case kMap:
		for _, en := range v.entries {
			if en.key.hasParams() || en.val.hasParams() {
				return true
			}
		}
	case kService, kClient:
		for _, p := range v.props {
			if p.hasParams() {
				return true
			}
		}
	}
	return false
}

// maxAlternatives bounds how many values one traced value may take, so that
// a pathological program cannot make the analysis explode; the excess is
// reported, not dropped silently.
const maxAlternatives = 256

// subst replaces the parameters in v by their bindings, giving every
// combination of the bindings' alternatives.
func subst(v *val, bind func(i int) []*val) []*val {
	if !v.hasParams() {
		return []*val{v}
	}
	switch v.kind {
	case kParam:
		return bind(v.param)
	case kName:
		alts := [][]seg{nil}
		vias := [][]*ssa.Function{v.via}
		truncated := false
		for _, s := range v.segs {
			if !s.symbolic() {
				for i := range alts {
					alts[i] = append(alts[i], s)
				}
				continue
			}
			var bound []*val
			if s.proj != nil {
				bound = subst(s.proj, bind)
			} else {
				bound = bind(s.param)
			}
			var next [][]seg
			var nextVia [][]*ssa.Function
			for _, b := range bound {
				for i, a := range alts {
					next = append(next, append(append([]seg(nil), a...), segsOf(b)...))
					nextVia = append(nextVia, append(slices.Clip(vias[i]), b.via...))
				}
			}
			if len(next) > maxAlternatives {
				next, nextVia, truncated = next[:maxAlternatives], nextVia[:maxAlternatives], true
			}
			alts, vias = next, nextVia
		}
		out := make([]*val, 0, len(alts)+1)
		for i, a := range alts {
			// Re-join through concat so adjacent literals merge.
			out = append(out, withVia(concat(token.NoPos, &val{kind: kName, segs: a}), vias[i]))
		}
		if truncated {
			out = append(out, tooMany())
		}
		return out
	case kProj:
		var out []*val
		for _, o := range subst(v.of, bind) {
			out = append(out, project(o, v.prop)...)
		}
		return out
	case kIndex:
		var out []*val
		for _, m := range subst(v.of, bind) {
			for _, k := range subst(v.mapKey, bind) {
				for _, x := range lookupIn(m, k, v.pos) {
					out = append(out, withVia(x, v.via))
				}
			}
		}
		return capVals(out)
	case kRef:
		r := &val{kind: kRef, pos: v.pos, via: v.via}
		for _, x := range v.refs {
			r.refs = append(r.refs, subst(x, bind)...)
		}
		return []*val{r}
	case kMap:
		m := &val{kind: kMap, pos: v.pos, via: v.via, reason: v.reason}
		for _, en := range v.entries {
			for _, k := range subst(en.key, bind) {
				for _, x := range subst(en.val, bind) {
					m.entries = append(m.entries, mapEntry{k, x})
				}
			}
		}
		return []*val{m}
	case kService, kClient:
		outs := []*val{{kind: v.kind, pos: v.pos, site: v.site, lit: v.lit, rule: v.rule, via: v.via, props: map[string]*val{}}}
		for _, k := range sortedKeys(v.props) {
			alts := subst(v.props[k], bind)
			var next []*val
			for _, o := range outs {
				for _, a := range alts {
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
	return []*val{v}
}

// project takes a property of a made value: a client's channel, say.
func project(v *val, prop string) []*val {
	if prop == propDeref {
		switch v.kind {
		case kRef:
			var out []*val
			for _, r := range v.refs {
				out = append(out, withVia(r, v.via))
			}
			return out
		case kClient, kService, kUnknown:
			// A client stands for the pointer to it and its value.
			return []*val{v}
		}
	}
	switch v.kind {
	case kClient, kService:
		if p, ok := v.props[prop]; ok {
			return []*val{p}
		}
		if v.rule == nil {
			return []*val{unknown(v.pos, "no "+prop)}
		}
		return []*val{unknown(v.pos, "the "+v.rule.label()+" recognizer gives no "+prop)}
	case kParam, kProj, kIndex:
		return []*val{{kind: kProj, of: v, prop: prop}}
	case kUnknown:
		u := unknown(v.pos, "its client or service is not known: "+v.reason)
		u.noKey = v.noKey
		return []*val{u}
	}
	return []*val{unknown(v.pos, "its client or service was not made by a recognised function")}
}

func cloneProps(m map[string]*val) map[string]*val {
	c := make(map[string]*val, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sortedKeys(m map[string]*val) []string { return slices.Sorted(maps.Keys(m)) }

func tooMany() *val { return unknown(token.NoPos, "too many alternatives; the rest are not listed") }

func capVals(vs []*val) []*val {
	vs = dedup(vs)
	if len(vs) > maxAlternatives {
		vs = append(vs[:maxAlternatives:maxAlternatives], tooMany())
	}
	return vs
}

// key identifies a value structurally, to drop duplicate alternatives.
func (v *val) key() string {
	var b strings.Builder
	v.writeKey(&b)
	return b.String()
}

func (v *val) writeKey(b *strings.Builder) {
	fmt.Fprintf(b, "%d(", v.kind)
	switch v.kind {
	case kName:
		for _, s := range v.segs {
			fmt.Fprintf(b, "%q/%d/%t,", s.lit, s.param, s.wild)
			if s.proj != nil {
				s.proj.writeKey(b)
			}
			if s.set != nil {
				s.set.writeKey(b)
			}
		}
	case kUnknown:
		fmt.Fprintf(b, "%q@%d%s%q", v.reason, v.pos, v.setting, v.cands)
	case kParam:
		fmt.Fprint(b, v.param)
	case kProj:
		b.WriteString(v.prop)
		v.of.writeKey(b)
	case kIndex:
		v.of.writeKey(b)
		v.mapKey.writeKey(b)
	case kRef:
		for _, r := range v.refs {
			r.writeKey(b)
		}
	case kMap:
		b.WriteString(v.reason)
		for _, en := range v.entries {
			en.key.writeKey(b)
			en.val.writeKey(b)
		}
	case kService, kClient:
		fmt.Fprintf(b, "%p%p", v.site, v.lit)
		for _, k := range sortedKeys(v.props) {
			b.WriteString(k)
			v.props[k].writeKey(b)
		}
	case kType:
		b.WriteString(v.typ)
	case kFunc:
		fmt.Fprintf(b, "%p", v.fn)
	}
	for _, f := range v.via {
		fmt.Fprintf(b, "@%p", f)
	}
	b.WriteString(")")
}

// dedup drops repeated alternatives, keeping the first of each.
func dedup(vs []*val) []*val {
	if len(vs) < 2 {
		return vs
	}
	seen := make(map[string]bool, len(vs))
	out := vs[:0:0]
	for _, v := range vs {
		if k := v.key(); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// describe says what kind of value v is, for a reason.
func (v *val) describe() string {
	switch v.kind {
	case kUnknown:
		return v.reason
	case kName:
		return "a name"
	case kClient, kService:
		return "a client"
	}
	return "not a map"
}
