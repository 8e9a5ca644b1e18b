// Package rendergen makes large diff graphs for the rendering benchmarks: a
// system of many services in teams and tiers, with flows mostly from one
// tier to the next (as request paths run through real systems) and every
// diff status represented. The same arguments give the same graph.
package rendergen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tracegraph/tracegraph/topology"
)

// Generate returns a diff graph of the given numbers of services and
// flows, spread over 20 teams and 8 tiers. About 80% of the flows are
// converged, 7% undeclared, 8% unobserved and 5% type-mismatch.
func Generate(services, flows int) *topology.Graph {
	const teams, tiers = 20, 8
	r := rand.New(rand.NewPCG(1, uint64(services)<<32|uint64(flows)))
	g := topology.New(topology.SourceDiff)
	byTier := make([][]string, tiers)
	for i := range services {
		name := fmt.Sprintf("svc-%03d", i)
		g.Services = append(g.Services, topology.Service{Name: name, Team: fmt.Sprintf("team-%02d", i%teams)})
		byTier[i%tiers] = append(byTier[i%tiers], name)
	}
	seen := map[topology.FlowKey]bool{}
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for len(g.Flows) < flows {
		t := r.IntN(tiers - 1)
		from := byTier[t][r.IntN(len(byTier[t]))]
		next := t + 1
		if r.IntN(10) == 0 { // now and then a flow skips a tier or goes back
			next = r.IntN(tiers)
		}
		to := byTier[next][r.IntN(len(byTier[next]))]
		if from == to {
			continue
		}
		typ := fmt.Sprintf("github.com/example/system/msg%02d.Event%03d", r.IntN(40), r.IntN(300))
		f := topology.Flow{Kind: topology.KindPubSub, From: from, To: to,
			Channel: fmt.Sprintf("topic.%03d", r.IntN(600)), MessageType: typ}
		if r.IntN(4) == 0 {
			f.Kind = topology.KindReqRep
		}
		if seen[f.Key()] {
			continue
		}
		seen[f.Key()] = true
		switch p := r.IntN(100); {
		case p < 80:
			f.Status = topology.StatusConverged
		case p < 87:
			f.Status = topology.StatusUndeclared
		case p < 95:
			f.Status = topology.StatusUnobserved
		default:
			f.Status = topology.StatusTypeMismatch
			f.ObservedType = typ + "V2"
		}
		if f.Status != topology.StatusUndeclared {
			f.Evidence = []topology.Evidence{{File: fmt.Sprintf("services/%s/main.go", from), Line: 10 + r.IntN(200)}}
		}
		if f.Status != topology.StatusUnobserved {
			n := int64(1 + r.IntN(5000))
			f.Stats = &topology.Stats{Count: n, Errors: n / 100, P50US: 200, P95US: 900,
				FirstSeen: start, LastSeen: start.Add(time.Hour)}
		}
		g.Flows = append(g.Flows, f)
	}
	g.Normalize()
	return g
}
