// Where in the source text a use's expressions are: the text of an
// unresolved name, for the unresolved entries and diagnostics.

package staticgraph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/topology"
)

// channelExpr returns the source expression a use's channel name came
// from, and where it is: the channel argument of the client's construction,
// or of the call itself.
func (a *analysis) channelExpr(u recognised, recv *val) (string, topology.Evidence) {
	src := u.rule.Channel
	// A source that gave nothing (a Writer with no Topic) gave way to its
	// else: the expression is the else's.
	for src.Else != nil && !slices.ContainsFunc(a.ev.source1(propChannel, src, u.call.Common(), u.call.Pos(), recv, useSite{sent: u.sent}),
		func(v *val) bool { return !v.empty() }) {
		src = src.Else
	}
	if src.Receiver && recv != nil && recv.kind == kClient {
		if e, at := a.argExpr(recv.site, recv.rule.Channel); e != "" {
			return e, at
		}
	}
	if src.Receiver {
		if ce, fset := a.callExpr(u.call.Pos()); ce != nil {
			if sel, ok := ce.Fun.(*ast.SelectorExpr); ok {
				return types.ExprString(sel.X), a.evidenceAt(fset.Position(sel.X.Pos()))
			}
		}
	}
	if e, at := a.argExpr(u.call, src); e != "" {
		return e, at
	}
	return "", a.evidence(u.call.Pos())
}

// argExpr returns the source text of the argument a rule's source names.
func (a *analysis) argExpr(call ssa.CallInstruction, src *config.Source) (string, topology.Evidence) {
	if src == nil || src.Arg == nil {
		return "", a.evidence(call.Pos())
	}
	ce, fset := a.callExpr(call.Pos())
	if ce == nil || *src.Arg >= len(ce.Args) {
		return "", a.evidence(call.Pos())
	}
	arg := ce.Args[*src.Arg]
	if src.Field != "" {
		// A literal written at the call: the field's own expression,
		// as the user wrote it (Topic: low.NotifyTopic).
		if v := literalField(arg, src.Field); v != nil {
			return types.ExprString(v), a.evidenceAt(fset.Position(v.Pos()))
		}
		return types.ExprString(arg) + "." + src.Field, a.evidenceAt(fset.Position(arg.Pos()))
	}
	return types.ExprString(arg), a.evidenceAt(fset.Position(arg.Pos()))
}

// literalField returns the value given to field name in a composite
// literal x (or &x), or nil.
func literalField(x ast.Expr, name string) ast.Expr {
	for {
		switch y := x.(type) {
		case *ast.ParenExpr:
			x = y.X
			continue
		case *ast.UnaryExpr:
			if y.Op == token.AND {
				x = y.X
				continue
			}
		}
		break
	}
	cl, ok := x.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	for _, el := range cl.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == name {
				return kv.Value
			}
		}
	}
	return nil
}

// callExpr finds the call expression whose left parenthesis is at pos, and
// the file set of its syntax. The syntax of the load is gone by now (see
// load), so the file is parsed again; this happens only for unresolved
// names and unused clients.
func (a *analysis) callExpr(pos token.Pos) (*ast.CallExpr, *token.FileSet) {
	at := a.l.prog.Fset.Position(pos)
	if !at.IsValid() {
		return nil, nil
	}
	if a.files == nil {
		a.files = map[string]*parsedFile{}
	}
	pf := a.files[at.Filename]
	if pf == nil {
		pf = &parsedFile{fset: token.NewFileSet()}
		pf.f, _ = parser.ParseFile(pf.fset, at.Filename, nil, parser.SkipObjectResolution)
		a.files[at.Filename] = pf
	}
	if pf.f == nil {
		return nil, nil
	}
	var found *ast.CallExpr
	ast.Inspect(pf.f, func(n ast.Node) bool {
		if found != nil || n == nil {
			return false
		}
		if ce, ok := n.(*ast.CallExpr); ok {
			if p := pf.fset.Position(ce.Lparen); p.Line == at.Line && p.Column == at.Column {
				found = ce
			}
		}
		return true
	})
	return found, pf.fset
}

type parsedFile struct {
	fset *token.FileSet
	f    *ast.File
}
