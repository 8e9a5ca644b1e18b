package staticgraph

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/topology"
)

// gRPC stubs known from export data alone. Generated gRPC code read with
// syntax is analysed like any code (grpc.yaml: the Invoke inside each
// client method, the RegisterService inside RegisterXServer). Stubs that
// only export data describes (the health service in google.golang.org/grpc,
// a company's genproto module from the proxy) have no bodies, so the calls
// into them are recognised by their types instead: a method of the
// generated XClient interface, and RegisterXServer(s, impl). The method
// names come from the generated XService_Method_FullMethodName constants,
// which export data keeps; older stubs without them are read from the
// ServiceDesc literal in their source file, which the module cache holds.
// Only unary methods make endpoints, as with stubs read from syntax.

const grpcPkg = "google.golang.org/grpc"

// stubUse is a call into a stub package without bodies.
type stubUse struct {
	fn      *ssa.Function
	call    ssa.CallInstruction
	svc     *stubService
	method  string // the client method called; "" for a registration
	problem string // why the method's full name is unknown
}

// stubService is one gRPC service of a stub package.
type stubService struct {
	name    string            // the Go name (Health)
	client  *types.Interface  // HealthClient
	server  *types.Interface  // HealthServer
	methods map[string]string // unary method -> full method name (/grpc.health.v1.Health/Check)
	problem string            // why the full names are unknown, when they are
}

// stubs finds and caches the gRPC services of packages without syntax.
type stubs struct {
	fset   *token.FileSet
	byPkg  map[*types.Package]map[string]*stubService
	parsed map[string]*ast.File
}

func newStubs(fset *token.FileSet) *stubs {
	return &stubs{fset: fset, byPkg: map[*types.Package]map[string]*stubService{}, parsed: map[string]*ast.File{}}
}

// of returns the services of p, found from its exported declarations: a
// RegisterXServer(grpc registrar, XServer) and an XClient interface.
func (s *stubs) of(p *types.Package) map[string]*stubService {
	if m, ok := s.byPkg[p]; ok {
		return m
	}
	m := map[string]*stubService{}
	s.byPkg[p] = m
	if !slices.ContainsFunc(p.Imports(), func(q *types.Package) bool { return q.Path() == grpcPkg }) {
		return m
	}
	sc := p.Scope()
	for _, name := range sc.Names() {
		svc, ok := strings.CutPrefix(name, "Register")
		if !ok {
			continue
		}
		svc, ok = strings.CutSuffix(svc, "Server")
		if !ok || svc == "" {
			continue
		}
		f, ok := sc.Lookup(name).(*types.Func)
		if !ok || f.Signature().Params().Len() != 2 || !fromGRPC(f.Signature().Params().At(0).Type()) {
			continue
		}
		st := &stubService{name: svc, methods: map[string]string{}}
		st.server = ifaceNamed(sc, svc+"Server")
		st.client = ifaceNamed(sc, svc+"Client")
		if st.server == nil {
			continue
		}
		s.names(p, st)
		m[svc] = st
	}
	return m
}

func fromGRPC(t types.Type) bool {
	n := namedOf(t)
	return n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == grpcPkg
}

func ifaceNamed(sc *types.Scope, name string) *types.Interface {
	tn, ok := sc.Lookup(name).(*types.TypeName)
	if !ok {
		return nil
	}
	it, _ := tn.Type().Underlying().(*types.Interface)
	return it
}

// names fills in the full names of a service's unary methods: from the
// FullMethodName constants, else from the ServiceDesc in the source.
func (s *stubs) names(p *types.Package, st *stubService) {
	var unary []string
	for i := 0; i < st.server.NumMethods(); i++ {
		m := st.server.Method(i)
		if isUnaryServer(m.Signature()) {
			unary = append(unary, m.Name())
		}
	}
	var missing []string
	for _, m := range unary {
		c, ok := p.Scope().Lookup(st.name + "_" + m + "_FullMethodName").(*types.Const)
		if ok && c.Val().Kind() == constant.String {
			st.methods[m] = constant.StringVal(c.Val())
		} else {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return
	}
	full, descMethods, err := s.serviceDesc(p, st)
	if err != nil {
		st.problem = err.Error()
		return
	}
	for _, m := range missing {
		if descMethods[m] {
			st.methods[m] = "/" + full + "/" + m
		}
	}
}

// serviceDesc reads, from the file that declares XServer, the ServiceDesc
// literal whose HandlerType is (*XServer)(nil): its ServiceName and the
// MethodNames of its unary Methods.
func (s *stubs) serviceDesc(p *types.Package, st *stubService) (string, map[string]bool, error) {
	obj := p.Scope().Lookup(st.name + "Server")
	file := s.fset.Position(obj.Pos()).Filename
	if file == "" {
		return "", nil, fmt.Errorf("the export data of %s has no source position for %sServer", p.Path(), st.name)
	}
	f, ok := s.parsed[file]
	if !ok {
		f, _ = parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		s.parsed[file] = f
	}
	if f == nil {
		return "", nil, fmt.Errorf("%s, which declares %sServer, cannot be read", file, st.name)
	}
	var full string
	methods := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok || full != "" {
			return full == ""
		}
		name, handler := "", ""
		var ms ast.Expr
		for _, el := range cl.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			switch key, _ := kv.Key.(*ast.Ident); {
			case key == nil:
			case key.Name == "ServiceName":
				name = stringLit(kv.Value)
			case key.Name == "HandlerType":
				handler = types.ExprString(kv.Value)
			case key.Name == "Methods":
				ms = kv.Value
			}
		}
		if name == "" || handler != "(*"+st.name+"Server)(nil)" {
			return true
		}
		full = name
		if ml, ok := ms.(*ast.CompositeLit); ok {
			for _, el := range ml.Elts {
				if md := literalField(el, "MethodName"); md != nil {
					if m := stringLit(md); m != "" {
						methods[m] = true
					}
				}
			}
		}
		return false
	})
	if full == "" {
		return "", nil, fmt.Errorf("no ServiceDesc for %sServer in %s", st.name, file)
	}
	return full, methods, nil
}

func stringLit(x ast.Expr) string {
	if bl, ok := x.(*ast.BasicLit); ok && bl.Kind == token.STRING {
		if s, err := strconv.Unquote(bl.Value); err == nil {
			return s
		}
	}
	return ""
}

// isUnaryServer: Method(context.Context, *Req) (*Resp, error).
func isUnaryServer(sig *types.Signature) bool {
	return sig.Params().Len() == 2 && sig.Results().Len() == 2 && isPointerToStruct(sig.Params().At(1).Type()) &&
		isPointerToStruct(sig.Results().At(0).Type())
}

// isUnaryClient: Method(context.Context, *Req, ...grpc.CallOption) (*Resp, error).
func isUnaryClient(sig *types.Signature) bool {
	return sig.Params().Len() == 3 && sig.Variadic() && sig.Results().Len() == 2 &&
		isPointerToStruct(sig.Params().At(1).Type()) && isPointerToStruct(sig.Results().At(0).Type())
}

func isPointerToStruct(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	_, ok = p.Elem().Underlying().(*types.Struct)
	return ok
}

// stubCall recognises a call into a stub package without syntax: a unary
// method of its XClient interface, or its RegisterXServer.
func (ix *index) stubCall(fn *ssa.Function, c ssa.CallInstruction) {
	cc := c.Common()
	if cc.IsInvoke() {
		n := namedOf(cc.Value.Type())
		if n == nil || n.Obj().Pkg() == nil || ix.hasSyntax[n.Obj().Pkg()] {
			return
		}
		svc, ok := strings.CutSuffix(n.Obj().Name(), "Client")
		if !ok {
			return
		}
		st := ix.stubs.of(n.Obj().Pkg())[svc]
		if st == nil || st.client == nil || !isUnaryClient(cc.Method.Signature()) {
			return
		}
		u := stubUse{fn: fn, call: c, svc: st, method: cc.Method.Name()}
		if st.methods[u.method] == "" {
			u.problem = st.problem
			if u.problem == "" {
				u.problem = "no full method name for " + u.method
			}
		}
		ix.stubUses = append(ix.stubUses, u)
		return
	}
	g := cc.StaticCallee()
	if g == nil || g.Blocks != nil || g.Pkg == nil || ix.hasSyntax[g.Pkg.Pkg] {
		return
	}
	svc, ok := strings.CutPrefix(g.Name(), "Register")
	if svc, ok = strings.CutSuffix(svc, "Server"); !ok {
		return
	}
	if st := ix.stubs.of(g.Pkg.Pkg)[svc]; st != nil && len(cc.Args) == 2 {
		ix.stubUses = append(ix.stubUses, stubUse{fn: fn, call: c, svc: st})
	}
}

// stubUse turns a call into stubs into endpoints: a request per client
// call, a serve per unary method the registered implementation declares
// itself (one it only inherits from UnimplementedXServer is no flow).
func (a *analysis) stubUse(u stubUse) {
	label := "Register" + u.svc.name + "Server"
	role := topology.RoleServe
	if u.method != "" {
		label, role = u.svc.name+"Client."+u.method, topology.RoleRequest
	}
	if !a.re.reachable(u.fn) {
		a.res.unreached = append(a.res.unreached, unreachedCall{diag: a.diagAt(u.fn, u.call.Pos(),
			fmt.Sprintf("%s call (%s) in %s is not reached from any main package, so it is no flow", role, label, funcName(u.fn)))})
		return
	}
	a.res.reached[a.evidence(u.call.Pos())] = true
	if u.problem != "" {
		a.diag(u.fn, u.call.Pos(), fmt.Sprintf("gRPC %s: %s: no endpoint", label, u.problem))
		return
	}
	ev := a.evidence(u.call.Pos())
	if u.method != "" {
		sig := u.call.Common().Method.Signature()
		for _, s := range a.serviceNames(nil, u.fn, nil) {
			a.addEndpoint(topology.Endpoint{Service: s, Role: role, Channel: u.svc.methods[u.method],
				MessageType: typeName(sig.Params().At(1).Type()), ReplyType: typeName(sig.Results().At(0).Type()), System: "grpc"}, ev)
		}
		return
	}
	for _, site := range a.implsAt(u.fn, u.call, u.call.Common().Args[1]) {
		made := 0
		for _, m := range slices.Sorted(maps.Keys(u.svc.methods)) {
			impl := declaredMethod(site.impl, m)
			if impl == nil {
				continue
			}
			made++
			sig := impl.Signature()
			for _, s := range a.serviceNames(nil, site.at.Parent(), nil) {
				a.addEndpoint(topology.Endpoint{Service: s, Role: role, Channel: u.svc.methods[m],
					MessageType: typeName(sig.Params().At(1).Type()), ReplyType: typeName(sig.Results().At(0).Type()), System: "grpc"},
					a.evidence(site.at.Pos()))
			}
		}
		if made == 0 && site.impl != nil {
			a.diag(site.at.Parent(), site.at.Pos(), fmt.Sprintf("the registered implementation %s implements no methods itself (only promoted ones): no serve endpoint", typeName(site.impl)))
		}
	}
}

// declaredMethod returns the method name that impl (or *impl) declares
// itself, not one promoted from an embedded type.
func declaredMethod(impl types.Type, name string) *types.Func {
	if impl == nil || types.IsInterface(impl) {
		return nil
	}
	t := impl
	if _, ok := t.(*types.Pointer); !ok {
		t = types.NewPointer(t)
	}
	sel := types.NewMethodSet(t).Lookup(nil, name)
	if sel == nil || len(sel.Index()) != 1 {
		return nil
	}
	f, _ := sel.Obj().(*types.Func)
	return f
}

// addEndpoint records an endpoint, or adds evidence to the same one.
func (a *analysis) addEndpoint(e topology.Endpoint, ev topology.Evidence) {
	k := endpointKey{e.Service, e.Role, e.Channel, e.MessageType, e.ReplyType, e.System, e.Peer, e.Pattern}
	old := a.endpoints[k]
	if old == nil {
		old = &e
		a.endpoints[k] = old
	}
	old.Evidence = append(old.Evidence, ev)
}
