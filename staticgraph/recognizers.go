package staticgraph

import (
	"embed"
	"fmt"
	"go/types"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// builtin holds the built-in recognizer packs, one YAML file each, in the
// form of tracegraph.yaml's recognizers: section.
//
//go:embed builtin/*.yaml
var builtin embed.FS

// Builtin returns the built-in recognizer packs, parsed from their YAML, in
// file name order. They are parsed once per process (13 ms and 6 MB of
// YAML work each time otherwise); callers get their own slice of the
// shared, read-only rules.
func Builtin() ([]config.Recognizer, error) {
	recs, err := parsedBuiltin()
	return slices.Clone(recs), err
}

var parsedBuiltin = sync.OnceValues(parseBuiltin)

func parseBuiltin() ([]config.Recognizer, error) {
	names, err := fs.Glob(builtin, "builtin/*.yaml")
	if err != nil {
		return nil, err
	}
	var all []config.Recognizer
	for _, name := range names {
		data, err := builtin.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var f struct {
			Recognizers []config.Recognizer `yaml:"recognizers"`
		}
		if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("built-in recognizers %s: %w", name, err)
		}
		all = append(all, f.Recognizers...)
	}
	return all, nil
}

// rule is one recognised function, compiled for lookup.
type rule struct {
	config.FuncRule
	pkg       string
	system    string
	wildcards string
	serving   *rule // the same rule with role serve, for ServeIfCalls
}

// label names the rule in diagnostics: channel.NewPubClient.
func (r *rule) label() string { return lastElem(r.pkg) + "." + r.Func }

// rules indexes recognised functions by package path and Func. Every rule
// naming a function applies (Router.AddHandler both subscribes and
// publishes), in the order written.
type rules map[string][]*rule

// methodNames returns the names of the methods the rules recognise.
func (rs rules) methodNames() map[string]bool {
	m := map[string]bool{}
	for _, list := range rs {
		for _, r := range list {
			if _, name, ok := strings.Cut(r.Func, "."); ok {
				m[name] = true
			}
		}
	}
	return m
}

// forMethodOf returns the rules for method name of type t (or *t).
func (rs rules) forMethodOf(t types.Type, name string) []*rule {
	n := namedOf(t)
	if n == nil || n.Obj().Pkg() == nil {
		return nil
	}
	return rs[n.Obj().Pkg().Path()+" "+n.Obj().Name()+"."+name]
}

// compileRules indexes builtin and then user rules. A user's rules for a
// function replace the built-in ones for it; rules of one source naming
// the same function all apply.
func compileRules(builtin, user []config.Recognizer) (rules, error) {
	rs := rules{}
	for src, recs := range [][]config.Recognizer{builtin, user} {
		replaced := map[string]bool{}
		for i := range recs {
			rec := &recs[i]
			if err := rec.Validate(); err != nil {
				return nil, err
			}
			for _, f := range rec.Functions {
				k := rec.Package + " " + f.Func
				if src == 1 && !replaced[k] {
					replaced[k] = true
					rs[k] = nil
				}
				r := &rule{FuncRule: f, pkg: rec.Package, system: rec.System, wildcards: rec.Wildcards}
				if len(f.ServeIfCalls) > 0 {
					s := *r
					s.Role = "serve"
					r.serving = &s
				}
				rs[k] = append(rs[k], r)
			}
		}
	}
	return rs, nil
}

// packages returns the import paths the rules recognise functions of,
// leaving out those with only setting and payload rules (os, flag,
// encoding/json): nearly every package imports them, they make no client,
// and what they make matters only where it reaches a messaging API.
func (rs rules) packages() map[string]bool {
	m := map[string]bool{}
	for _, list := range rs {
		for _, r := range list {
			if r.Makes != config.MakesSetting && r.Makes != config.MakesPayload {
				m[r.pkg] = true
			}
		}
	}
	return m
}

// literal returns the literal rule (E19) for the struct type t or *t
// names, or nil.
func (rs rules) literal(t types.Type) *rule {
	n, _ := types.Unalias(derefType(t)).(*types.Named)
	if n == nil || n.Obj().Pkg() == nil {
		return nil
	}
	for _, r := range rs[n.Obj().Pkg().Path()+" "+n.Obj().Name()] {
		if r.Literal {
			return r
		}
	}
	return nil
}

// maker returns the rule among rs that makes something, or nil.
func maker(rs []*rule) *rule {
	for _, r := range rs {
		if r.Makes != "" {
			return r
		}
	}
	return nil
}

// ifaceRule is the rules for one method of an interface type, which also
// apply to calls of that method on any type implementing the interface
// (E7): Subscribe on a *gochannel.GoChannel is message.Subscriber's.
type ifaceRule struct {
	iface *types.Interface
	rules []*rule
}

// ifaceRules finds, among the rules, those naming a method of an
// interface type of a package the program has, by method name.
func (rs rules) ifaceRules(prog *ssa.Program) map[string][]ifaceRule {
	out := map[string][]ifaceRule{}
	for _, k := range slices.Sorted(maps.Keys(rs)) {
		pkg, fn, _ := strings.Cut(k, " ")
		typ, method, ok := strings.Cut(fn, ".")
		if !ok {
			continue
		}
		p := prog.ImportedPackage(pkg)
		if p == nil {
			continue
		}
		tn, _ := p.Pkg.Scope().Lookup(typ).(*types.TypeName)
		if tn == nil {
			continue
		}
		if it, ok := tn.Type().Underlying().(*types.Interface); ok {
			out[method] = append(out[method], ifaceRule{it, rs[k]})
		}
	}
	return out
}

// forCall returns the rules for the function or method a call calls.
// Instances of generic functions and methods are looked up by their
// origin; an interface method call by the interface that declares the
// method, then by the receiver's interface; a concrete method with no
// rule of its own by each rule's interface it implements (ifaces).
func (rs rules) forCall(cc *ssa.CallCommon, ifaces map[string][]ifaceRule) []*rule {
	if len(rs) == 0 {
		return nil
	}
	if cc.IsInvoke() {
		if recv := cc.Method.Signature().Recv(); recv != nil {
			if n := namedOf(recv.Type()); n != nil && n.Obj().Pkg() != nil {
				if r := rs[n.Obj().Pkg().Path()+" "+n.Obj().Name()+"."+cc.Method.Name()]; r != nil {
					return r
				}
			}
		}
		n := namedOf(cc.Value.Type())
		if n == nil || n.Obj().Pkg() == nil {
			return nil
		}
		return rs[n.Obj().Pkg().Path()+" "+n.Obj().Name()+"."+cc.Method.Name()]
	}
	fn := cc.StaticCallee()
	if fn == nil || isWrapper(fn) {
		return nil
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil {
		return nil
	}
	obj = obj.Origin()
	sig := obj.Signature()
	recv := sig.Recv()
	if recv == nil {
		return rs[obj.Pkg().Path()+" "+obj.Name()]
	}
	n := namedOf(recv.Type())
	if n == nil {
		return nil
	}
	if r := rs[obj.Pkg().Path()+" "+n.Obj().Name()+"."+obj.Name()]; r != nil {
		return r
	}
	var out []*rule
	for _, ir := range ifaces[obj.Name()] {
		if types.Implements(recv.Type(), ir.iface) || types.Implements(types.NewPointer(n), ir.iface) {
			out = append(out, ir.rules...)
		}
	}
	return out
}

// isWrapper reports whether fn is a wrapper the compiler made for a method
// value, a method expression or a promoted method. It is recognised by the
// call inside its body, which has the receiver.
func isWrapper(fn *ssa.Function) bool {
	for _, p := range []string{"thunk for ", "wrapper for ", "bound method wrapper for "} {
		if strings.HasPrefix(fn.Synthetic, p) {
			return true
		}
	}
	return false
}

// namedOf returns the named type of t or *t, or nil.
func namedOf(t types.Type) *types.Named {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}

func lastElem(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}
