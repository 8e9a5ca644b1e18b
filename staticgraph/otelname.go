package staticgraph

import (
	"fmt"
	"go/constant"
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/topology"
)

// The OpenTelemetry service.name a main package builds its resource with
// is the name it runs under in every span it exports, so it names the
// service when no NewService constant does. Three ways to say it are
// recognised: semconv.ServiceName(v), semconv.ServiceNameKey.String(v) (a
// constant Key), and attribute.String("service.name", v). The attribute
// counts only when it reaches a function of the SDK's resource package
// (resource.New through WithAttributes, NewWithAttributes, Merge), so a
// span attribute that merely mentions a service is not taken for the
// resource. A value that comes from a setting, such as
// os.Getenv("OTEL_SERVICE_NAME") with a constant default, names nothing
// for certain: its defaults become the service's candidates.

const (
	otelAttribute = "go.opentelemetry.io/otel/attribute"
	otelSemconv   = "go.opentelemetry.io/otel/semconv"
	otelResource  = "go.opentelemetry.io/otel/sdk/resource"
)

// serviceNameCall is a call that makes the service.name attribute, and
// the argument that holds the name.
type serviceNameCall struct {
	call *ssa.Call
	arg  ssa.Value
}

// noteServiceName records c when it makes the service.name attribute.
func (ix *index) noteServiceName(c ssa.CallInstruction) {
	call, ok := c.(*ssa.Call)
	if !ok {
		return
	}
	fn := call.Call.StaticCallee()
	if fn == nil || fn.Pkg == nil {
		return
	}
	args := call.Call.Args
	p := fn.Pkg.Pkg.Path()
	switch {
	case strings.HasPrefix(p, otelSemconv) && fn.Name() == "ServiceName" && len(args) == 1:
		ix.serviceNames = append(ix.serviceNames, serviceNameCall{call, args[0]})
	case p == otelAttribute && fn.Name() == "String" && len(args) == 2:
		// attribute.String(k, v), or Key.String(v) with the key as
		// receiver: both have the key first.
		if k, ok := args[0].(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.String &&
			constant.StringVal(k.Value) == "service.name" {
			ix.serviceNames = append(ix.serviceNames, serviceNameCall{call, args[1]})
		}
	}
}

// resolveServiceNames fills a.otelNames from the service.name attributes
// reachable code builds its resource with: a main with one constant name
// gets it; the defaults of a name from a setting become candidates.
func (a *analysis) resolveServiceNames() {
	a.otelNames = map[*ssa.Package]string{}
	a.otelCands = map[*ssa.Package][]string{}
	names := map[*ssa.Package][]string{}
	dynamic := map[*ssa.Package]token.Pos{} // where a main's name is not known
	for _, sc := range a.ix.serviceNames {
		if !a.re.reachable(sc.call.Parent()) || !reachesResource(sc.call, 0) {
			continue
		}
		// As with channel names: a name that may come from a setting is
		// not known, whatever constants it may also be.
		var consts, cands []string
		fromSetting, unknown := false, false
		for _, v := range a.ev.resolve(sc.arg) {
			if v.setting != "" {
				fromSetting = true
				cands = append(cands, v.cands...)
			} else if n, pattern, ok := v.name(); ok && !pattern && n != "" {
				consts = append(consts, n)
			} else {
				unknown = true
			}
		}
		switch {
		case fromSetting:
			cands, consts = append(cands, consts...), nil
		case unknown:
			consts = nil
		}
		for _, m := range a.re.mainsOf(sc.call.Parent()) {
			if len(cands) > 0 {
				a.otelCands[m] = append(a.otelCands[m], cands...)
			} else {
				names[m] = append(names[m], consts...)
			}
			if unknown && !fromSetting {
				if _, ok := dynamic[m]; !ok {
					dynamic[m] = sc.call.Pos()
				}
			}
		}
	}
	// A name computed at run time (os.Args[1], a subcommand) may name
	// several services one binary runs as: say why none is taken.
	for m, pos := range dynamic {
		if len(names[m]) == 0 && len(a.otelCands[m]) == 0 {
			at := a.evidence(pos)
			a.g.Diagnostics = append(a.g.Diagnostics, topology.Diagnostic{Package: m.Pkg.Path(), File: at.File, Line: at.Line,
				Message: fmt.Sprintf("main package %s builds its OpenTelemetry resource with a service name that is not constant: it is named by its directory", m.Pkg.Path())})
		}
	}
	for m, ns := range names {
		slices.Sort(ns)
		ns = slices.Compact(ns)
		if len(ns) == 1 {
			a.otelNames[m] = ns[0]
			continue
		}
		if len(ns) > 1 {
			a.g.Diagnostics = append(a.g.Diagnostics, topology.Diagnostic{Package: m.Pkg.Path(), Message: fmt.Sprintf(
				"main package %s builds OpenTelemetry resources with several service names (%s): it is named by its directory",
				m.Pkg.Path(), strings.Join(ns, ", "))})
		}
	}
}

// reachesResource reports whether a value flows, through slices, conversions
// and the parameters of functions with bodies, into a call of the SDK's
// resource package.
func reachesResource(v ssa.Value, depth int) bool {
	if depth > 6 || v.Referrers() == nil {
		return false
	}
	for _, r := range *v.Referrers() {
		switch r := r.(type) {
		case ssa.CallInstruction:
			cc := r.Common()
			if fn := cc.StaticCallee(); fn != nil {
				if fn.Pkg != nil && strings.HasPrefix(fn.Pkg.Pkg.Path(), otelResource) {
					return true
				}
				if fn.Blocks != nil {
					for i, arg := range cc.Args {
						if arg == v && i < len(fn.Params) && reachesResource(fn.Params[i], depth+1) {
							return true
						}
					}
				}
			}
		case *ssa.Store:
			if ia, ok := r.Addr.(*ssa.IndexAddr); ok && r.Val == v && reachesResource(ia.X, depth+1) {
				return true
			}
		case *ssa.Slice:
			if reachesResource(r, depth+1) {
				return true
			}
		case *ssa.MakeInterface:
			if reachesResource(r, depth+1) {
				return true
			}
		case *ssa.ChangeType:
			if reachesResource(r, depth+1) {
				return true
			}
		case *ssa.Phi:
			if reachesResource(r, depth+1) {
				return true
			}
		}
	}
	return false
}
