package staticgraph

import (
	"bytes"
	"go/token"
	"go/types"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/tracegraph/tracegraph/config"
)

// index is one pass over every function with a body: the edges of the call
// graph used for reachability, the call sites of each function (to resolve
// its parameters), the closures made of each anonymous function (to resolve
// its free variables), the stores to every struct field and package-level
// variable (to resolve loads), and the recognised calls.
type index struct {
	prog      *ssa.Program
	rules     rules
	hasSyntax map[*types.Package]bool

	out          map[*ssa.Function][]*ssa.Function
	sites        map[*ssa.Function][]ssa.CallInstruction
	closures     map[*ssa.Function][]*ssa.MakeClosure
	fieldStores  map[field][]*ssa.Store
	globalStores map[*ssa.Global][]*ssa.Store
	// globalFieldStores are the stores to fields of package-level struct
	// variables (a ServiceDesc literal), by variable.
	globalFieldStores map[*ssa.Global][]*ssa.Store
	uses              []recognised // calls of endpoint rules
	dynamic           []recognised // interface calls of a method some rule names (rule nil)
	methodNames       map[string]bool
	ifaces            map[string][]ifaceRule // rules of interface methods, by method name
	rulePkgs          map[string]bool
	makes             []recognised // calls of client-making rules

	// decoded maps a struct type to a call that fills a value of it from
	// outside data (json.Unmarshal(data, &o)): its fields are request data.
	decoded typeutil.Map // types.Type -> ssa.CallInstruction

	// lazy are the types of generated code (a gRPC client) converted to
	// an interface: their methods are reached only where a reachable
	// call invokes them, not by the conversion (E13). invokes lists each
	// function's interface method calls, for that.
	lazy      []*lazyType
	lazySeen  map[types.Type]bool
	invokes   map[*ssa.Function][]ssa.CallInstruction
	generated map[string]bool // file name -> has the "Code generated" line

	methods typeutil.Map // types.Type -> []*ssa.Function, the methods of a type converted to an interface

	// stubUses are the calls into gRPC stubs known from export data only.
	stubs    *stubs
	stubUses []stubUse
	// serviceNames are the calls that make an OpenTelemetry service.name
	// attribute (otelname.go).
	serviceNames []serviceNameCall
	// callbacks are, for a function a library calls with a value a rule
	// makes (chi's r.Route(p, func(r chi.Router) {...}), E17), the calls
	// that hand it over.
	callbacks map[*ssa.Function][]recognised
	// mounts are the calls that mount a router under a prefix (E18).
	mounts []recognised
	// serviceMakes are the calls that make a named service value.
	serviceMakes []recognised
	// mapUpdates are the stores into maps, by the map's type.
	mapUpdates map[string][]*ssa.MapUpdate

	// converts lists, for each function, the methods of the types it
	// converts to interfaces, which the walk of reach.go reaches when they
	// may be called; libraryCallable says, of each such method, whether
	// an interface a dependency declares has it (see callable), and
	// libraryMethods lists those interfaces' methods by name.
	converts        map[*ssa.Function][]*ssa.Function
	libraryCallable map[*ssa.Function]bool
	libraryMethods  map[string][]*types.Signature
}

// recognised is a call that a rule recognised; for a rule whose
// endpoints are sends, a send on the channel the call returns.
type recognised struct {
	fn     *ssa.Function
	call   ssa.CallInstruction
	rule   *rule
	sendAt token.Pos // where the send is, for a rule with at: send
	sent   ssa.Value // the value it sends
}

// newIndex indexes the packages with SSA bodies; source are all the
// packages loaded from source, whose interfaces are the program's own.
func newIndex(prog *ssa.Program, pkgs []*ssa.Package, source map[*types.Package]bool, rs rules) *index {
	ix := &index{
		prog:              prog,
		rules:             rs,
		hasSyntax:         map[*types.Package]bool{},
		methodNames:       rs.methodNames(),
		ifaces:            rs.ifaceRules(prog),
		rulePkgs:          rs.packages(),
		out:               map[*ssa.Function][]*ssa.Function{},
		sites:             map[*ssa.Function][]ssa.CallInstruction{},
		closures:          map[*ssa.Function][]*ssa.MakeClosure{},
		fieldStores:       map[field][]*ssa.Store{},
		globalStores:      map[*ssa.Global][]*ssa.Store{},
		globalFieldStores: map[*ssa.Global][]*ssa.Store{},
		lazySeen:          map[types.Type]bool{},
		invokes:           map[*ssa.Function][]ssa.CallInstruction{},
		generated:         map[string]bool{},
		stubs:             newStubs(prog.Fset),
		callbacks:         map[*ssa.Function][]recognised{},
		converts:          map[*ssa.Function][]*ssa.Function{},
		libraryCallable:   map[*ssa.Function]bool{},
		mapUpdates:        map[string][]*ssa.MapUpdate{},
	}
	for _, p := range pkgs {
		ix.hasSyntax[p.Pkg] = true
	}
	seen := map[*ssa.Function]bool{}
	var queue []*ssa.Function
	add := func(fn *ssa.Function) {
		if fn != nil && !seen[fn] {
			seen[fn] = true
			queue = append(queue, fn)
		}
	}
	for _, p := range pkgs {
		names := make([]string, 0, len(p.Members))
		for n := range p.Members {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			switch m := p.Members[n].(type) {
			case *ssa.Function:
				add(m)
			case *ssa.Type:
				if n, ok := m.Type().(*types.Named); ok && n.TypeParams().Len() == 0 {
					for i := 0; i < n.NumMethods(); i++ {
						add(prog.FuncValue(n.Method(i)))
					}
				}
			}
		}
	}
	ix.libraryMethods = libraryMethods(prog, source)
	for i := 0; i < len(queue); i++ {
		fn := queue[i]
		if fn.Blocks == nil {
			continue
		}
		if isGenericBody(fn) {
			// Its instances are analysed; the body itself only tells
			// which endpoints no instance reaches.
			ix.genericUses(fn, add)
			continue
		}
		ix.scan(fn, add)
	}
	return ix
}

// callable reports whether a method of a type converted to an interface
// may be called through it whatever else the program does: it is a method
// of an interface a dependency declares (a library calling ServeHTTP or
// String), whose calls we do not see. Any other method, one of an
// interface of the program's own included, is reached only where the main
// that converts the type also calls a method of that name and signature
// through an interface (reach.go), as in RTA.
func (ix *index) callable(m *ssa.Function) bool {
	return identicalTo(ix.libraryMethods[m.Name()], m.Signature)
}

// libraryMethods lists, by name, the signatures of the methods of the
// interface types declared by packages not loaded from source: the methods
// code we do not read may call on a value handed to it.
func libraryMethods(prog *ssa.Program, source map[*types.Package]bool) map[string][]*types.Signature {
	out := map[string][]*types.Signature{}
	for _, p := range prog.AllPackages() {
		if source[p.Pkg] {
			continue
		}
		sc := p.Pkg.Scope()
		for _, name := range sc.Names() {
			tn, ok := sc.Lookup(name).(*types.TypeName)
			if !ok {
				continue
			}
			it, ok := tn.Type().Underlying().(*types.Interface)
			if !ok {
				continue
			}
			for i := 0; i < it.NumMethods(); i++ {
				f := it.Method(i)
				out[f.Name()] = append(out[f.Name()], f.Type().(*types.Signature))
			}
		}
	}
	return out
}

func (ix *index) scan(fn *ssa.Function, add func(*ssa.Function)) {
	var ops []*ssa.Value
	edge := func(g *ssa.Function) {
		add(g)
		ix.out[fn] = append(ix.out[fn], g)
	}
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			ops = instr.Operands(ops[:0])
			for _, op := range ops {
				if g, ok := (*op).(*ssa.Function); ok {
					edge(g)
				}
			}
			switch in := instr.(type) {
			case ssa.CallInstruction:
				cc := in.Common()
				if g := cc.StaticCallee(); g != nil {
					ix.sites[g] = append(ix.sites[g], in)
				}
				if cc.IsInvoke() {
					ix.invokes[fn] = append(ix.invokes[fn], in)
				}
				if !ix.implements(fn) {
					ix.stubCall(fn, in)
				}
				ix.noteServiceName(in)
				rs := ix.rulesFor(cc)
				if ix.implements(fn) {
					// Inside a recognised API's own implementation,
					// calls of the APIs it is built on are not uses.
					rs = nil
				} else if rs == nil && cc.IsInvoke() && ix.methodNames[cc.Method.Name()] {
					ix.dynamic = append(ix.dynamic, recognised{fn: fn, call: in})
				}
				for _, r := range rs {
					if r.Role != "" && r.At != config.AtSend {
						ix.uses = append(ix.uses, recognised{fn: fn, call: in, rule: r})
					}
					if _, ok := in.(*ssa.Call); ok && r.Makes == config.MakesClient {
						ix.makes = append(ix.makes, recognised{fn: fn, call: in, rule: r})
						if g := calledBack(cc, r); g != nil {
							ix.callbacks[g] = append(ix.callbacks[g], recognised{fn: fn, call: in, rule: r})
						}
					}
					if _, ok := in.(*ssa.Call); ok && r.Makes == config.MakesService {
						ix.serviceMakes = append(ix.serviceMakes, recognised{fn: fn, call: in, rule: r})
					}
					if r.Makes == config.MakesMount {
						ix.mounts = append(ix.mounts, recognised{fn: fn, call: in, rule: r})
					}
				}
			case *ssa.MakeInterface:
				if ix.isGenerated(fn.Pos()) && ix.noteLazy(fn, in.X.Type()) {
					ix.noteDecoded(in)
					continue
				}
				for _, g := range ix.methodsOf(in.X.Type()) {
					add(g)
					if _, ok := ix.libraryCallable[g]; !ok {
						ix.libraryCallable[g] = ix.callable(g)
					}
					ix.converts[fn] = append(ix.converts[fn], g)
				}
				ix.noteDecoded(in)
			case *ssa.Send:
				// producer.Input() <- msg: the send is the endpoint.
				ix.noteSend(fn, in.Chan, in.Pos(), in.X)
			case *ssa.Select:
				// case producer.Input() <- msg: the same, in a select.
				for _, st := range in.States {
					if st.Dir == types.SendOnly {
						ix.noteSend(fn, st.Chan, st.Pos, st.Send)
					}
				}
			case *ssa.MakeClosure:
				g := in.Fn.(*ssa.Function)
				ix.closures[g] = append(ix.closures[g], in)
			case *ssa.MapUpdate:
				k := typeKey(in.Map.Type())
				ix.mapUpdates[k] = append(ix.mapUpdates[k], in)
			case *ssa.Store:
				switch addr := in.Addr.(type) {
				case *ssa.FieldAddr:
					if f, ok := fieldOfType(addr.X.Type(), addr.Field); ok {
						ix.fieldStores[f] = append(ix.fieldStores[f], in)
					}
					if g, ok := addr.X.(*ssa.Global); ok {
						ix.globalFieldStores[g] = append(ix.globalFieldStores[g], in)
					}
				case *ssa.Global:
					ix.globalStores[addr] = append(ix.globalStores[addr], in)
				}
			}
		}
	}
}

// typeKey names a type for an index: identical types, the same key.
func typeKey(t types.Type) string { return types.TypeString(t, nil) }

// noteSend records a send on the Go channel a call of an at: send rule
// returns as that rule's use.
func (ix *index) noteSend(fn *ssa.Function, ch ssa.Value, pos token.Pos, sent ssa.Value) {
	c, ok := ch.(*ssa.Call)
	if !ok || ix.implements(fn) {
		return
	}
	for _, r := range ix.rulesFor(c.Common()) {
		if r.Role != "" && r.At == config.AtSend {
			ix.uses = append(ix.uses, recognised{fn: fn, call: c, rule: r, sendAt: pos, sent: sent})
		}
	}
}

// calledBack returns the function a call of a rule with Calls hands to the
// library to be called back, when it is one the program defines.
func calledBack(cc *ssa.CallCommon, r *rule) *ssa.Function {
	if r.Calls == nil {
		return nil
	}
	args := callArgs(cc)
	if *r.Calls.Arg >= len(args) {
		return nil
	}
	return funcValue(args[*r.Calls.Arg])
}

// funcValue returns the function a function argument is, when it is one
// the program defines: a function, a closure or a method value, also
// converted to a named func type (func(*nats.Msg) to nats.MsgHandler).
func funcValue(v ssa.Value) *ssa.Function {
	v = peel(v)
	for {
		ct, ok := v.(*ssa.ChangeType)
		if !ok {
			break
		}
		v = ct.X
	}
	switch v := v.(type) {
	case *ssa.Function:
		return v
	case *ssa.MakeClosure:
		return v.Fn.(*ssa.Function)
	}
	return nil
}

// lazyType is a type of generated code converted to an interface by maker
// (NewRatesClient), with its methods.
type lazyType struct {
	t       types.Type
	maker   *ssa.Function
	methods []*ssa.Function
}

// noteLazy records t, converted to an interface in the generated function
// fn, as a lazy type when it is a pointer to a struct declared in a
// generated file of the module; it reports whether it did.
func (ix *index) noteLazy(fn *ssa.Function, t types.Type) bool {
	n := namedOf(t)
	if _, ok := t.(*types.Pointer); !ok || n == nil || n.TypeArgs().Len() > 0 || !ix.isGenerated(n.Obj().Pos()) {
		return false
	}
	if _, ok := n.Underlying().(*types.Struct); !ok {
		return false
	}
	if !ix.lazySeen[t] {
		ix.lazySeen[t] = true
		ix.lazy = append(ix.lazy, &lazyType{t: t, maker: fn, methods: ix.methodsOf(t)})
	}
	return true
}

// isGenerated reports whether pos is in a file with the standard
// "// Code generated ... DO NOT EDIT." line.
func (ix *index) isGenerated(pos token.Pos) bool {
	if !pos.IsValid() {
		return false
	}
	name := ix.prog.Fset.Position(pos).Filename
	g, ok := ix.generated[name]
	if !ok {
		g = fileIsGenerated(name)
		ix.generated[name] = g
	}
	return g
}

var generatedRE = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// fileIsGenerated reads the head of a file for the generated-code line,
// which the convention puts before the package clause.
func fileIsGenerated(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if i := bytes.Index(head, []byte("\npackage ")); i >= 0 {
		head = head[:i]
	}
	return generatedRE.Match(head)
}

// noteDecoded records the struct type a pointer converted to an interface
// points to when the interface is handed straight to a function whose body
// is not analysed and that is no recognised API: a decoder such as
// json.Unmarshal or proto.Unmarshal, which fills it from outside data.
func (ix *index) noteDecoded(mi *ssa.MakeInterface) {
	p, ok := mi.X.Type().Underlying().(*types.Pointer)
	if !ok {
		return
	}
	if _, ok := p.Elem().Underlying().(*types.Struct); !ok || ix.decoded.At(p.Elem()) != nil {
		return
	}
	for _, r := range *mi.Referrers() {
		c, ok := r.(ssa.CallInstruction)
		if !ok || !slices.Contains(c.Common().Args, ssa.Value(mi)) || ix.rulesFor(c.Common()) != nil {
			continue
		}
		if fn := c.Common().StaticCallee(); fn == nil || fn.Blocks == nil {
			ix.noteDecodedType(p.Elem(), c)
			return
		}
	}
}

// noteDecodedType records that c fills values of the struct type t, and of
// the struct types of its fields, which a decoder fills as well (a config
// loaded by viper.Unmarshal(&cfg) sets cfg.Kafka.Topics.Orders.Name).
// Slices and maps of structs are left out: their elements are made by the
// decoder, and the code may make others.
func (ix *index) noteDecodedType(t types.Type, c ssa.CallInstruction) {
	if ix.decoded.At(t) != nil {
		return
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return
	}
	ix.decoded.Set(t, c)
	for i := 0; i < st.NumFields(); i++ {
		ft := st.Field(i).Type()
		if p, ok := ft.(*types.Pointer); ok {
			ft = p.Elem()
		}
		// Only the program's own types: a library's (a kafka.ReaderConfig
		// inside a config) is made elsewhere in code too.
		if n, ok := ft.(*types.Named); ok && n.Obj().Pkg() != nil && ix.hasSyntax[n.Obj().Pkg()] {
			ix.noteDecodedType(ft, c)
		}
	}
}

// rulesFor returns the rules that recognise the function a call calls.
func (ix *index) rulesFor(cc *ssa.CallCommon) []*rule { return ix.rules.forCall(cc, ix.ifaces) }

// implements reports whether fn belongs to a recognised package or one
// below it (channel/natsbus below channel): the abstraction a recognizer
// describes, whose transport calls are not the program's flows.
func (ix *index) implements(fn *ssa.Function) bool {
	p := pkgOf(fn)
	if p == nil {
		return false
	}
	for path := p.Path(); ; {
		if ix.rulePkgs[path] {
			return true
		}
		i := strings.LastIndex(path, "/")
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

// genericUses records the endpoint calls in a generic body (no main reaches
// it: only its instances run) and queues its closures.
func (ix *index) genericUses(fn *ssa.Function, add func(*ssa.Function)) {
	for _, g := range fn.AnonFuncs {
		add(g)
	}
	if ix.implements(fn) {
		return
	}
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if c, ok := instr.(ssa.CallInstruction); ok {
				for _, r := range ix.rulesFor(c.Common()) {
					if r.Role != "" && r.At != config.AtSend {
						ix.uses = append(ix.uses, recognised{fn: fn, call: c, rule: r})
					}
				}
			}
		}
	}
}

// methodsOf returns the methods of t that have or may have bodies: the
// methods a value of t converted to an interface may have called on it, by
// code we see or by code we do not (a dependency calling String or
// ServeHTTP). Declared methods of non-generic types are taken as they are,
// promoted ones from the embedded types, so that no wrapper is made; only
// instances of generic types need the method set.
func (ix *index) methodsOf(t types.Type) []*ssa.Function {
	if types.IsInterface(t) || hasTypeParams(t) {
		return nil
	}
	if fs, ok := ix.methods.At(t).([]*ssa.Function); ok {
		return fs
	}
	var fs []*ssa.Function
	key := t
	ix.methods.Set(key, fs) // a type embedding itself through a pointer ends here
	if n := namedOf(t); n != nil && n.Obj().Pkg() != nil && ix.hasSyntax[n.Obj().Pkg()] {
		if n.TypeArgs().Len() > 0 {
			ms := ix.prog.MethodSets.MethodSet(t)
			for i := 0; i < ms.Len(); i++ {
				if fn := methodValue(ix.prog, ms.At(i)); fn != nil {
					fs = append(fs, fn)
				}
			}
		} else {
			for i := 0; i < n.NumMethods(); i++ {
				fs = append(fs, ix.prog.FuncValue(n.Method(i)))
			}
		}
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if st, ok := t.Underlying().(*types.Struct); ok {
		for i := 0; i < st.NumFields(); i++ {
			if f := st.Field(i); f.Embedded() {
				fs = append(fs, ix.methodsOf(f.Type())...)
			}
		}
	}
	ix.methods.Set(key, fs)
	return fs
}

// methodValue is prog.MethodValue, which panics when a promoted method
// belongs to a dependency whose package export data did not list; such a
// method has no body to analyse anyway.
func methodValue(prog *ssa.Program, sel *types.Selection) (fn *ssa.Function) {
	defer func() {
		if recover() != nil {
			fn = nil
		}
	}()
	return prog.MethodValue(sel)
}

// isGenericBody reports whether fn is (inside) the body of a generic
// function that is not an instance: its instances are analysed instead.
func isGenericBody(fn *ssa.Function) bool {
	for f := fn; f != nil; f = f.Parent() {
		if f.TypeParams().Len() > 0 && len(f.TypeArgs()) == 0 {
			return true
		}
	}
	return false
}

func hasTypeParams(t types.Type) bool {
	if n := namedOf(t); n != nil {
		return n.TypeParams().Len() > 0 && n.TypeArgs().Len() == 0
	}
	return false
}

// field identifies a struct field across the program: the field as
// declared, and for a field of an instance of a generic type, the type
// arguments, so that Publisher[A].pub and Publisher[B].pub stay apart while
// every mention of Publisher[A] meets.
type field struct {
	v     *types.Var
	targs string
}

// fieldOfType returns field i of a struct (or pointer to struct) type.
func fieldOfType(t types.Type, i int) (field, bool) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return field{}, false
	}
	f := field{v: st.Field(i).Origin()}
	if n := namedOf(t); n != nil && n.TypeArgs().Len() > 0 {
		var b strings.Builder
		for j := 0; j < n.TypeArgs().Len(); j++ {
			b.WriteString(types.TypeString(n.TypeArgs().At(j), nil) + ";")
		}
		f.targs = b.String()
	}
	return f, true
}
