package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tracegraph/tracegraph/topology"
)

// What --fail-on can name.
const (
	FailUndeclared   = topology.StatusUndeclared
	FailUnobserved   = topology.StatusUnobserved
	FailTypeMismatch = topology.StatusTypeMismatch
	FailRules        = "rules"
)

// DefaultFailOn is what fails a build unless told otherwise: a flow nobody
// declared, and a broken rule.
const DefaultFailOn = FailUndeclared + "," + FailRules

// ParseFailOn reads a comma-separated --fail-on list. The empty string is
// the empty list: never fail.
func ParseFailOn(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		switch p {
		case "":
		case FailUndeclared, FailUnobserved, FailTypeMismatch, FailRules:
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		default:
			return nil, fmt.Errorf("--fail-on: unknown value %q (want a list of %s, %s, %s, %s)",
				p, FailUndeclared, FailUnobserved, FailTypeMismatch, FailRules)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Counts are the findings of a diff graph. Baselined findings are counted
// apart: they no longer fail.
type Counts struct {
	Converged, Undeclared, Unobserved, TypeMismatch int
	Unverified                                      int
	Rules                                           int
	Baselined                                       int
	StaleBaseline                                   int
}

// Count counts the findings of g.
func Count(g *topology.Graph) Counts {
	var c Counts
	for _, f := range g.Flows {
		if f.Baselined {
			c.Baselined++
			continue
		}
		switch f.Status {
		case topology.StatusConverged:
			c.Converged++
		case topology.StatusUndeclared:
			c.Undeclared++
		case topology.StatusUnobserved:
			c.Unobserved++
		case topology.StatusTypeMismatch:
			c.TypeMismatch++
		case topology.StatusUnverified:
			c.Unverified++
		}
	}
	for _, d := range g.Diagnostics {
		switch {
		case d.Rule == StaleBaselineRule:
			c.StaleBaseline++
		case d.Rule == "":
		case d.Baselined:
			c.Baselined++
		default:
			c.Rules++
		}
	}
	return c
}

// Failures lists, in words, the findings of c that failOn names; a build
// fails when the list is not empty.
func (c Counts) Failures(failOn []string) []string {
	n := map[string]int{FailUndeclared: c.Undeclared, FailUnobserved: c.Unobserved,
		FailTypeMismatch: c.TypeMismatch, FailRules: c.Rules}
	noun := map[string]string{FailUndeclared: "undeclared flow", FailUnobserved: "unobserved flow",
		FailTypeMismatch: "type-mismatch flow", FailRules: "rule violation"}
	var out []string
	for _, k := range failOn {
		if n[k] == 0 {
			continue
		}
		s := fmt.Sprintf("%d %s", n[k], noun[k])
		if n[k] > 1 {
			s += "s"
		}
		out = append(out, s)
	}
	return out
}
