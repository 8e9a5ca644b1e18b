package staticgraph

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// callArgs returns a call's arguments without the receiver.
func callArgs(cc *ssa.CallCommon) []ssa.Value {
	if cc.IsInvoke() {
		return cc.Args
	}
	if fn := cc.StaticCallee(); fn != nil && fn.Signature.Recv() != nil && len(cc.Args) > 0 {
		return cc.Args[1:]
	}
	return cc.Args
}

// isVariadicArg reports whether argument i (receiver not counted) of a call
// is the slice a variadic parameter collects.
func isVariadicArg(cc *ssa.CallCommon, i int) bool {
	sig := cc.Signature()
	return sig.Variadic() && i == sig.Params().Len()-1
}

// receiver returns a method call's receiver, or nil.
func receiver(cc *ssa.CallCommon) ssa.Value {
	if cc.IsInvoke() {
		return cc.Value
	}
	if fn := cc.StaticCallee(); fn != nil && fn.Signature.Recv() != nil && len(cc.Args) > 0 {
		return cc.Args[0]
	}
	return nil
}

// typeArg returns type argument i of a call: of the function, or for a
// method, of its receiver's type.
func typeArg(cc *ssa.CallCommon, i int) types.Type {
	var targs []types.Type
	if r := receiver(cc); r != nil {
		if n := namedOf(r.Type()); n != nil {
			for j := 0; j < n.TypeArgs().Len(); j++ {
				targs = append(targs, n.TypeArgs().At(j))
			}
		}
	} else if fn := cc.StaticCallee(); fn != nil {
		targs = fn.TypeArgs()
	}
	if i >= len(targs) {
		return nil
	}
	if _, ok := targs[i].(*types.TypeParam); ok {
		return nil
	}
	return targs[i]
}

// peel removes conversions to interfaces, to find the value as passed.
func peel(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		default:
			return v
		}
	}
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isStringOrBytes(t types.Type) bool {
	if s, ok := t.Underlying().(*types.Slice); ok {
		b, ok := s.Elem().Underlying().(*types.Basic)
		return ok && b.Kind() == types.Byte
	}
	return isString(t)
}

func isFunc(fn *ssa.Function, pkg, name string) bool {
	return fn.Pkg != nil && fn.Pkg.Pkg.Path() == pkg && fn.Name() == name && fn.Signature.Recv() == nil
}

// isGenericFunc reports whether fn is an instance of the generic function
// pkg.name.
func isGenericFunc(fn *ssa.Function, pkg, name string) bool {
	o := fn.Origin()
	if o == nil {
		return false
	}
	obj, _ := o.Object().(*types.Func)
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == pkg && obj.Name() == name && obj.Signature().Recv() == nil
}

// funcName names a function for a message: pkg.F, (*pkg.T).M, (pkg.T).M or
// pkg.F$1, as go/ssa writes them.
func funcName(fn *ssa.Function) string {
	return fn.RelString(nil)
}

func paramName(fn *ssa.Function, i int) string {
	if i >= 0 && i < len(fn.Params) {
		return fn.Params[i].Name()
	}
	return fmt.Sprint(i)
}

func posOf(v ssa.Value) token.Pos {
	if p := v.Pos(); p.IsValid() {
		return p
	}
	if in, ok := v.(ssa.Instruction); ok && in.Block() != nil {
		for _, x := range in.Block().Instrs {
			if x.Pos().IsValid() {
				return x.Pos()
			}
		}
		return in.Parent().Pos()
	}
	return token.NoPos
}

// describe says in words where a value comes from.
func describe(v ssa.Value) string {
	switch v := v.(type) {
	case *ssa.Call:
		if fn := v.Common().StaticCallee(); fn != nil {
			return "the result of " + funcName(fn)
		}
		return "the result of a dynamic call"
	case *ssa.Parameter:
		return "parameter " + v.Name()
	case *ssa.Global:
		return "package-level variable " + v.Name()
	case *ssa.Alloc:
		return "a local variable"
	}
	return strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", v), "*ssa."))
}
