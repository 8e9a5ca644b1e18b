package staticgraph

import (
	"embed"
	"fmt"
	"go/types"
	"io/fs"
	"strings"

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
// file name order.
func Builtin() ([]config.Recognizer, error) {
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
	pkg    string
	system string
}

// label names the rule in diagnostics: channel.NewPubClient.
func (r *rule) label() string { return lastElem(r.pkg) + "." + r.Func }

// rules indexes recognised functions by package path and Func.
type rules map[string]*rule

// methodNames returns the names of the methods the rules recognise.
func (rs rules) methodNames() map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		if _, name, ok := strings.Cut(r.Func, "."); ok {
			m[name] = true
		}
	}
	return m
}

// forMethodOf returns the rule for method name of type t (or *t), or nil.
func (rs rules) forMethodOf(t types.Type, name string) *rule {
	n := namedOf(t)
	if n == nil || n.Obj().Pkg() == nil {
		return nil
	}
	return rs[n.Obj().Pkg().Path()+" "+n.Obj().Name()+"."+name]
}

func compileRules(recs []config.Recognizer) (rules, error) {
	rs := rules{}
	for i := range recs {
		rec := &recs[i]
		if err := rec.Validate(); err != nil {
			return nil, err
		}
		for _, f := range rec.Functions {
			rs[rec.Package+" "+f.Func] = &rule{FuncRule: f, pkg: rec.Package, system: rec.System}
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
	for _, r := range rs {
		if r.Makes != config.MakesSetting && r.Makes != config.MakesPayload {
			m[r.pkg] = true
		}
	}
	return m
}

// forCall returns the rule for the function or method a call calls, or nil.
// Instances of generic functions and methods are looked up by their origin;
// an interface method call by the interface's name.
func (rs rules) forCall(cc *ssa.CallCommon) *rule {
	if len(rs) == 0 {
		return nil
	}
	if cc.IsInvoke() {
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
	if recv := sig.Recv(); recv != nil {
		n := namedOf(recv.Type())
		if n == nil {
			return nil
		}
		return rs[obj.Pkg().Path()+" "+n.Obj().Name()+"."+obj.Name()]
	}
	return rs[obj.Pkg().Path()+" "+obj.Name()]
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
