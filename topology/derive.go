package topology

import "slices"

// DeriveFlows pairs endpoints into flows. A publish and a subscribe on
// matching channels and systems make a pubsub flow; a request and a serve
// make a reqrep flow. An endpoint with no partner becomes a dangling flow
// (empty To or From), so it stays visible.
//
// A pattern channel pairs with any concrete channel it matches; the flow
// then carries the concrete name. A request with a Peer pairs only with
// that service's serve endpoints.
func DeriveFlows(endpoints []Endpoint) []Flow {
	type side struct {
		producer, consumer string
		kind               string
	}
	pairs := []side{
		{RolePublish, RoleSubscribe, KindPubSub},
		{RoleRequest, RoleServe, KindReqRep},
	}
	byRole := map[string][]int{}
	for i, e := range endpoints {
		byRole[e.Role] = append(byRole[e.Role], i)
	}
	acc := newFlowSet()
	for _, p := range pairs {
		consumed := map[int]bool{}
		for _, pi := range byRole[p.producer] {
			pe := endpoints[pi]
			matched := false
			for _, ci := range partners(pe, endpoints, byRole[p.consumer]) {
				ce := endpoints[ci]
				matched = true
				consumed[ci] = true
				acc.add(pairFlow(p.kind, pe, ce))
			}
			if !matched {
				acc.add(Flow{Kind: p.kind, From: pe.Service, Channel: pe.Channel, MessageType: pe.MessageType,
					ReplyType: pe.ReplyType, System: pe.System, Pattern: pe.Pattern, Evidence: slices.Clone(pe.Evidence)})
			}
		}
		for _, ci := range byRole[p.consumer] {
			if consumed[ci] {
				continue
			}
			ce := endpoints[ci]
			acc.add(Flow{Kind: p.kind, To: ce.Service, Channel: ce.Channel, MessageType: ce.MessageType,
				ReplyType: ce.ReplyType, System: ce.System, Pattern: ce.Pattern, Evidence: slices.Clone(ce.Evidence)})
		}
	}
	return acc.flows
}

// partners returns the consumers (indexes into endpoints) a producer
// pairs with. An HTTP request pairs with the routes of its peer that
// serve it (ServeRoute); a request with a peer pairs only with that
// service.
func partners(pe Endpoint, endpoints []Endpoint, consumers []int) []int {
	var out, httpIdx []int
	var routes []string
	for _, ci := range consumers {
		ce := endpoints[ci]
		if !SystemsMatch(pe.System, ce.System) || (pe.Peer != "" && pe.Peer != ce.Service) {
			continue
		}
		if firstNonEmpty(pe.System, ce.System) == SystemHTTP {
			httpIdx = append(httpIdx, ci)
			routes = append(routes, ce.Channel)
			continue
		}
		if ChannelsMatch(pe.Channel, pe.Pattern, ce.Channel, ce.Pattern, firstNonEmpty(pe.System, ce.System)) {
			out = append(out, ci)
		}
	}
	for _, i := range ServeRoute(pe.Channel, routes) {
		out = append(out, httpIdx[i])
	}
	return out
}

func pairFlow(kind string, p, c Endpoint) Flow {
	f := Flow{Kind: kind, From: p.Service, To: c.Service, Channel: p.Channel, Pattern: p.Pattern,
		MessageType: firstNonEmpty(p.MessageType, c.MessageType),
		ReplyType:   firstNonEmpty(p.ReplyType, c.ReplyType),
		System:      firstNonEmpty(p.System, c.System)}
	// The concrete side names the flow; a pattern only says "some channel like this".
	if p.Pattern && !c.Pattern {
		f.Channel, f.Pattern = c.Channel, false
	}
	// An HTTP request is named by the route that serves it, which is what
	// a server's spans name it too.
	if f.System == SystemHTTP {
		f.Channel, f.Pattern = httpFlowChannel(p.Channel, c.Channel), c.Pattern
	}
	f.Evidence = append(append([]Evidence(nil), p.Evidence...), c.Evidence...)
	return f
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// flowSet merges flows with the same key, keeping all their evidence.
type flowSet struct {
	index map[FlowKey]int
	flows []Flow
}

func newFlowSet() *flowSet { return &flowSet{index: map[FlowKey]int{}} }

func (s *flowSet) add(f Flow) {
	k := f.Key()
	if i, ok := s.index[k]; ok {
		s.flows[i].Evidence = append(s.flows[i].Evidence, f.Evidence...)
		return
	}
	s.index[k] = len(s.flows)
	s.flows = append(s.flows, f)
}
