// Clients made without a constructor call, and the values that carry them:
// literals of a client type, maps of clients, request bodies, message types.

package staticgraph

import (
	"fmt"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// streamEncoders are the encoders a buffer's payload is read from, by the
// constructor that makes one on a writer and the method that encodes.
var streamEncoders = map[string]string{
	"encoding/json NewEncoder": "encoding/json Encoder.Encode",
	"encoding/gob NewEncoder":  "encoding/gob Encoder.Encode",
	"encoding/xml NewEncoder":  "encoding/xml Encoder.Encode",
}

// encodedInto gives the payloads a local buffer holds: the types of the
// values an encoder on it (json.NewEncoder(&buf).Encode(v), gob's, xml's)
// wrote into it, each as a value a payload rule made.
func (e *evaluator) encodedInto(buf *ssa.Alloc) []*val {
	var out []*val
	var writers []ssa.Value
	writers = append(writers, buf)
	for _, r := range *buf.Referrers() {
		if mi, ok := r.(*ssa.MakeInterface); ok {
			writers = append(writers, mi)
		}
	}
	for _, w := range writers {
		for _, r := range *w.Referrers() {
			c, ok := r.(*ssa.Call)
			if !ok {
				continue
			}
			encode, ok := streamEncoders[calleeKey(c.Common())]
			if !ok {
				continue
			}
			for _, r2 := range *c.Referrers() {
				enc, ok := r2.(ssa.CallInstruction)
				if !ok || calleeKey(enc.Common()) != encode || receiver(enc.Common()) != ssa.Value(c) {
					continue
				}
				if args := callArgs(enc.Common()); len(args) == 1 {
					t := msgTypeVal(peel(args[0]).Type(), enc.Pos())
					out = append(out, &val{kind: kClient, pos: enc.Pos(), props: map[string]*val{propMessage: t}})
				}
			}
		}
	}
	return out
}

// msgTypeVal is the message type a value of type t carries: its named
// type, never an interface (a payload passed as any says nothing of what
// it holds).
func msgTypeVal(t types.Type, pos token.Pos) *val {
	if types.IsInterface(t) {
		return unknown(pos, "an interface type ("+types.TypeString(t, nil)+") is no message type")
	}
	v := typeVal(typeName(t))
	v.goType = t
	return v
}

// mapVal is a map made here with the entries stored into it by this
// function: clients kept by name (writers["orders"] = w, or a literal).
//
// Its entries are known one by one only when each update's key is one
// constant, or its value one value (m[t] = &Writer{Topic: t} in a loop
// over topics pairs them only together), and no other code updates a map
// of that type that it was handed (a helper filling a map parameter);
// else the map says why in reason and a lookup in it is unknown.
func (e *evaluator) mapVal(mm *ssa.MakeMap) *val {
	v := &val{kind: kMap, pos: mm.Pos()}
	for _, u := range e.ix.mapUpdates[typeKey(mm.Type())] {
		if _, ok := u.Map.(*ssa.MakeMap); !ok {
			// Code that adds to a map it was handed (a parameter, a
			// field) may add to this one.
			v.reason = "entries are added elsewhere to maps of its type"
			return v
		}
	}
	for _, r := range *mm.Referrers() {
		u, ok := r.(*ssa.MapUpdate)
		if !ok || u.Map != ssa.Value(mm) {
			continue
		}
		keys, vals := e.open(u.Key), e.open(u.Value)
		for _, k := range keys {
			if _, p, ok := k.name(); !ok || p {
				v.reason = "a key is not constant"
				return v
			}
		}
		if len(keys) > 1 && len(vals) > 1 {
			v.reason = "keys and values are stored in a loop, not one by one"
			return v
		}
		for _, k := range keys {
			for _, x := range vals {
				v.entries = append(v.entries, mapEntry{key: k, val: x})
			}
		}
	}
	return v
}

// lookup evaluates m[key]: the entries stored with that key, each map and
// key alternative apart; symbolic while the map or the key is a parameter.
func (e *evaluator) lookup(l *ssa.Lookup) []*val {
	var out []*val
	for _, m := range e.open(l.X) {
		for _, k := range e.open(l.Index) {
			out = append(out, lookupIn(m, k, l.Pos())...)
		}
	}
	return out
}

// lookupIn is one alternative of a map lookup. A constant key that the map
// does not hold is no value, and says so (noKey): a lookup of a client by
// a name nobody stored is a bug, not a flow.
func lookupIn(m, k *val, pos token.Pos) []*val {
	if m.hasParams() || k.hasParams() {
		return []*val{{kind: kIndex, of: m, mapKey: k, pos: pos}}
	}
	if m.kind != kMap {
		return []*val{unknown(pos, "an element of a map that is not made here ("+m.describe()+")")}
	}
	if m.reason != "" {
		return []*val{unknown(pos, "an element of a map whose "+m.reason)}
	}
	name, pattern, ok := k.name()
	if !ok || pattern {
		return []*val{unknown(pos, "an element of a map whose key is not constant")}
	}
	var out []*val
	for _, en := range m.entries {
		if n, p, ok := en.key.name(); ok && !p && n == name {
			out = append(out, withVia(en.val, m.via))
		}
	}
	if len(out) == 0 {
		v := unknown(pos, fmt.Sprintf("no client for key %q", name))
		v.noKey = name
		return []*val{v}
	}
	return out
}

// makeLiteral is the client a composite literal of a literal rule's type
// makes (&kafka.Writer{Topic: "orders"}): its properties are its fields.
func (e *evaluator) makeLiteral(r *rule, a *ssa.Alloc) []*val {
	props := map[string][]*val{}
	for _, p := range []struct {
		name string
		src  *config.Source
	}{{propChannel, r.Channel}, {propMessage, r.Message}} {
		if p.src == nil || p.src.Field == "" {
			continue
		}
		st, ok := derefType(a.Type()).Underlying().(*types.Struct)
		if !ok {
			continue
		}
		for i := 0; i < st.NumFields(); i++ {
			if st.Field(i).Name() == p.src.Field {
				props[p.name] = e.allocField(a, i, a.Pos())
			}
		}
	}
	return product(&val{kind: kClient, pos: a.Pos(), lit: a, rule: r}, props)
}
