package topology

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tracegraph/tracegraph/internal/jsondoc"
)

// Validate reports the first value that breaks a rule of the tracegraph/v1
// form (docs/design.md): an unknown source, role, kind or status, a service
// without a name or listed twice, a flow with neither end, a negative
// count, line or percentile, more errors than events, a p50 above the
// p95, a last_seen before the first_seen. The error is a
// *jsondoc.PathError naming the value (flows[3].stats.count), in the order
// of the lists as they are, so Decode checks a graph before it sorts it.
//
// Every graph tracegraph writes is valid; Decode refuses one that is not,
// so that a hand-edited or corrupted file is never drawn as if it were
// what was measured.
func (g *Graph) Validate() error {
	if g.Schema != Schema {
		switch {
		case g.Schema == "":
			return jsondoc.At(fmt.Errorf("no schema field (want %q)", Schema))
		case !strings.HasPrefix(g.Schema, "tracegraph/"):
			return jsondoc.At(fmt.Errorf("%q is not a tracegraph graph", g.Schema), "schema")
		}
		return jsondoc.At(fmt.Errorf("%q is not supported (this build reads %q)", g.Schema, Schema), "schema")
	}
	if err := oneOf("source", g.Source, SourceStatic, SourceObserved, SourceDiff); err != nil {
		return jsondoc.At(err, "source")
	}
	first := map[string]int{}
	for i, s := range g.Services {
		if s.Name == "" {
			return jsondoc.At(errors.New("a service needs a name"), "services", i)
		}
		if j, dup := first[s.Name]; dup {
			return jsondoc.At(fmt.Errorf("service %q is listed twice (also services[%d])", s.Name, j), "services", i, "name")
		}
		first[s.Name] = i
	}
	for i, e := range g.Endpoints {
		if e.Service == "" {
			return jsondoc.At(errors.New("an endpoint needs a service"), "endpoints", i)
		}
		if err := oneOf("role", e.Role, RolePublish, RoleSubscribe, RoleRequest, RoleServe); err != nil {
			return jsondoc.At(err, "endpoints", i, "role")
		}
		if err := validEvidence(e.Evidence, "endpoints", i); err != nil {
			return err
		}
	}
	for i, f := range g.Flows {
		if err := g.validFlow(f, i); err != nil {
			return err
		}
	}
	for i, u := range g.Unresolved {
		if err := oneOf("role", u.Role, RolePublish, RoleSubscribe, RoleRequest, RoleServe); err != nil {
			return jsondoc.At(err, "unresolved", i, "role")
		}
		if u.Line < 0 {
			return jsondoc.At(fmt.Errorf("line %d is negative", u.Line), "unresolved", i, "line")
		}
	}
	for i, d := range g.Diagnostics {
		if d.Line < 0 {
			return jsondoc.At(fmt.Errorf("line %d is negative", d.Line), "diagnostics", i, "line")
		}
	}
	return nil
}

func (g *Graph) validFlow(f Flow, i int) error {
	at := func(err error, path ...any) error { return jsondoc.At(err, append([]any{"flows", i}, path...)...) }
	if err := oneOf("kind", f.Kind, KindPubSub, KindReqRep); err != nil {
		return at(err, "kind")
	}
	if f.From == "" && f.To == "" {
		return at(errors.New("a flow needs a from or a to"))
	}
	if g.Source == SourceDiff {
		if err := oneOf("status", f.Status, StatusConverged, StatusUndeclared, StatusUnobserved, StatusTypeMismatch, StatusUnverified); err != nil {
			return at(err, "status")
		}
	} else if f.Status != "" {
		return at(fmt.Errorf("status %q, but only a diff's flows have a status (source is %q)", f.Status, g.Source), "status")
	}
	if err := validEvidence(f.Evidence, "flows", i); err != nil {
		return err
	}
	st := f.Stats
	if st == nil {
		return nil
	}
	for _, n := range []struct {
		key string
		v   int64
	}{{"count", st.Count}, {"errors", st.Errors}, {"p50_us", st.P50US}, {"p95_us", st.P95US}} {
		if n.v < 0 {
			return at(fmt.Errorf("%s %d is negative", n.key, n.v), "stats", n.key)
		}
	}
	switch {
	case st.Errors > st.Count:
		return at(fmt.Errorf("%d errors in %d events", st.Errors, st.Count), "stats", "errors")
	case st.P50US > st.P95US:
		return at(fmt.Errorf("p50 %d µs is above the p95 (%d µs)", st.P50US, st.P95US), "stats", "p50_us")
	case st.LastSeen.Before(st.FirstSeen):
		return at(fmt.Errorf("last_seen %s is before first_seen %s", st.LastSeen.Format("2006-01-02T15:04:05.999999999Z07:00"),
			st.FirstSeen.Format("2006-01-02T15:04:05.999999999Z07:00")), "stats", "last_seen")
	}
	return nil
}

func validEvidence(ev []Evidence, list string, i int) error {
	for j, e := range ev {
		if e.Line < 0 {
			return jsondoc.At(fmt.Errorf("line %d is negative", e.Line), list, i, "evidence", j, "line")
		}
	}
	return nil
}

// oneOf reports a value that is not one of a list of words.
func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	if v == "" {
		return fmt.Errorf("no %s (want one of %s)", name, strings.Join(allowed, ", "))
	}
	return fmt.Errorf("unknown %s %q (want one of %s)", name, v, strings.Join(allowed, ", "))
}
