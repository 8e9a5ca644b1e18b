package topology

import (
	"math"
	"slices"
)

// ThroughBrokers returns g with every messaging flow drawn through its
// broker, as Zipkin's dependency graph draws it: a pubsub flow from A to B
// whose System names the broker (kafka, rabbitmq, nats, or the broker name a
// span gave) becomes a flow from A to the broker and one from the broker to
// B, the broker a virtual service. A publish nobody consumes keeps its
// broker half only, as does a consume with no known producer. A flow that
// already ends at a virtual service of that name (a span importer's virtual
// broker), a flow with no System, and every request/reply flow are kept as
// they are.
//
// Flows that become equal (A's publishes on one channel, read by B and by
// C, give two flows from A to the broker) are merged: their counts and
// errors add up, so the broker's in-edge counts deliveries, not publishes,
// because the observed graph is built from the receiving side. Statuses are
// kept per half, so a diff drawn through brokers still tells converged from
// undeclared; flows of different statuses are not merged.
//
// ThroughBrokers is for drawing and for comparing with Zipkin; a diff is
// computed on the direct flows.
func (g *Graph) ThroughBrokers() *Graph {
	out := *g
	out.Services = slices.Clone(g.Services)
	out.Flows = make([]Flow, 0, len(g.Flows))
	virtual := func(name string) bool {
		s := g.Service(name)
		return s != nil && s.Virtual
	}
	type mkey struct {
		FlowKey
		status    string
		baselined bool
	}
	merged := map[mkey]int{} // index into out.Flows
	add := func(f Flow) {
		k := mkey{f.Key(), f.Status, f.Baselined}
		i, ok := merged[k]
		if !ok {
			f.Evidence = slices.Clone(f.Evidence)
			if f.Stats != nil {
				st := *f.Stats
				f.Stats = &st
			}
			merged[k] = len(out.Flows)
			out.Flows = append(out.Flows, f)
			return
		}
		o := &out.Flows[i]
		o.Evidence = append(o.Evidence, f.Evidence...)
		o.Stats = mergeStats(o.Stats, f.Stats)
	}
	brokers := map[string]bool{}
	for _, f := range g.Flows {
		b := f.System
		if f.Kind != KindPubSub || b == "" || (f.From == b && virtual(b)) || (f.To == b && virtual(b)) ||
			(f.From == "" && f.To == "") {
			add(f)
			continue
		}
		brokers[b] = true
		if f.From != "" {
			in := f
			in.To = b
			add(in)
		}
		if f.To != "" {
			outward := f
			outward.From = b
			add(outward)
		}
	}
	for b := range brokers {
		if g.Service(b) == nil {
			out.Services = append(out.Services, Service{Name: b, Virtual: true})
		}
	}
	out.Normalize()
	return &out
}

// mergeStats adds b's counts to a's. The percentiles of the union are not
// known from the parts: the larger is kept, an upper bound.
func mergeStats(a, b *Stats) *Stats {
	if b == nil {
		return a
	}
	if a == nil {
		c := *b
		return &c
	}
	a.Count = addCount(a.Count, b.Count)
	a.Errors = addCount(a.Errors, b.Errors)
	a.P50US = max(a.P50US, b.P50US)
	a.P95US = max(a.P95US, b.P95US)
	if b.FirstSeen.Before(a.FirstSeen) {
		a.FirstSeen = b.FirstSeen
	}
	if b.LastSeen.After(a.LastSeen) {
		a.LastSeen = b.LastSeen
	}
	return a
}

// addCount adds two counts, stopping at the largest int64 rather than
// wrapping around to a negative count: counts come from files, and a sum
// of valid ones must stay valid.
func addCount(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
