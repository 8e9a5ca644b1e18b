package topology

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
	"gonum.org/v1/gonum/graph/traverse"
)

// ViewKind selects how a graph is drawn.
type ViewKind string

// The three views.
const (
	// ViewServices draws services as nodes and one edge per service pair
	// (and status), labelled with the message types it carries.
	ViewServices ViewKind = "services"
	// ViewMessages draws services and message types as nodes.
	ViewMessages ViewKind = "messages"
	// ViewChannels draws services and channels as nodes.
	ViewChannels ViewKind = "channels"
)

// ParseViewKind checks a --view value.
func ParseViewKind(s string) (ViewKind, error) {
	switch k := ViewKind(s); k {
	case ViewServices, ViewMessages, ViewChannels:
		return k, nil
	case "":
		return ViewServices, nil
	}
	return "", fmt.Errorf("unknown view %q (want services, messages or channels)", s)
}

// Node kinds in a view.
const (
	NodeService = "service"
	NodeMessage = "message"
	NodeChannel = "channel"
)

// ViewNode is a node of a view. IDs are stable strings, unique in the view.
type ViewNode struct {
	ID      string
	Label   string
	Kind    string
	Team    string
	Virtual bool
}

// ViewEdge is an edge of a view, standing for one or more flows.
type ViewEdge struct {
	From, To string
	Labels   []string // sorted, distinct
	Status   string
	Count    int64 // observed messages, summed over the flows
	Errors   int64
	Flows    []int // indexes into Graph.Flows
}

// View is a drawable projection of a graph. Nodes and edges are sorted.
type View struct {
	Kind  ViewKind
	Nodes []ViewNode
	Edges []ViewEdge
}

// ServiceNodeID is the view node id of a service.
func ServiceNodeID(name string) string { return "svc:" + name }

// ShortType is a message type without its package path:
// "github.com/x/shop/catalog.SkuUpdated" reads as "catalog.SkuUpdated".
func ShortType(t string) string {
	if i := strings.LastIndex(t, "/"); i >= 0 {
		return t[i+1:]
	}
	return t
}

func channelLabel(f Flow) string {
	if f.System != "" {
		return f.System + ":" + f.Channel
	}
	return f.Channel
}

// View projects g. Dangling flows keep their known end: in the services view
// the missing side is a channel stub node, so a publish nobody consumes is
// drawn as an edge into its channel.
func (g *Graph) View(kind ViewKind) *View {
	// Sized for the services view, where a flow is at most one edge.
	v := &View{Kind: kind, Edges: make([]ViewEdge, 0, len(g.Flows))}
	// Nodes and edges are kept in the order found, which for a
	// normalized graph is nearly the sorted order, and indexed by key.
	nodes := make(map[string]int, len(g.Services)) // index in v.Nodes
	setNode := func(n ViewNode) {
		if i, ok := nodes[n.ID]; ok {
			v.Nodes[i] = n
			return
		}
		nodes[n.ID] = len(v.Nodes)
		v.Nodes = append(v.Nodes, n)
	}
	// svcIDs maps a service name to its node id: a flow's ends are looked
	// up once each, not built and searched for among the services again.
	svcIDs := make(map[string]string, len(g.Services))
	addSvc := func(name string) string {
		if id, ok := svcIDs[name]; ok {
			return id
		}
		id := ServiceNodeID(name)
		svcIDs[name] = id
		if _, ok := nodes[id]; !ok {
			setNode(ViewNode{ID: id, Label: name, Kind: NodeService})
		}
		return id
	}
	for _, s := range g.Services {
		if _, dup := svcIDs[s.Name]; dup {
			continue // the first service of a name is the one g.Service finds
		}
		svcIDs[s.Name] = ServiceNodeID(s.Name)
		setNode(ViewNode{ID: svcIDs[s.Name], Label: s.Name, Kind: NodeService, Team: s.Team, Virtual: s.Virtual})
	}
	type ekey struct{ from, to, status string }
	edges := make(map[ekey]int, len(g.Flows)) // index in v.Edges
	addEdge := func(from, to, status, label string, fi int, st *Stats) {
		k := ekey{from, to, status}
		i, ok := edges[k]
		if !ok {
			i = len(v.Edges)
			edges[k] = i
			v.Edges = append(v.Edges, ViewEdge{From: from, To: to, Status: status})
		}
		e := &v.Edges[i]
		if label != "" && !slices.Contains(e.Labels, label) {
			e.Labels = append(e.Labels, label)
		}
		// Flows come in index order, so one already counted is the last.
		if n := len(e.Flows); n == 0 || e.Flows[n-1] != fi {
			e.Flows = append(e.Flows, fi)
			if st != nil {
				e.Count = addCount(e.Count, st.Count)
				e.Errors = addCount(e.Errors, st.Errors)
			}
		}
	}
	for i, f := range g.Flows {
		var mid string
		switch kind {
		case ViewMessages:
			mid = "msg:" + f.MessageType
			label := ShortType(f.MessageType)
			if label == "" {
				label = "(unknown type)"
			}
			setNode(ViewNode{ID: mid, Label: label, Kind: NodeMessage})
		case ViewChannels:
			mid = "ch:" + channelLabel(f)
			setNode(ViewNode{ID: mid, Label: channelLabel(f), Kind: NodeChannel})
		default:
			if f.From == "" || f.To == "" {
				mid = "ch:" + channelLabel(f)
				setNode(ViewNode{ID: mid, Label: channelLabel(f), Kind: NodeChannel})
			}
		}
		edgeLabel := ShortType(f.MessageType)
		if kind == ViewMessages {
			edgeLabel = channelLabel(f)
		}
		if kind == ViewServices && mid == "" {
			addEdge(addSvc(f.From), addSvc(f.To), f.Status, edgeLabel, i, f.Stats)
			continue
		}
		if f.From != "" {
			addEdge(addSvc(f.From), mid, f.Status, edgeLabel, i, f.Stats)
		}
		if f.To != "" {
			addEdge(mid, addSvc(f.To), f.Status, edgeLabel, i, f.Stats)
		}
	}
	slices.SortFunc(v.Nodes, func(a, b ViewNode) int { return cmp.Compare(a.ID, b.ID) })
	for i := range v.Edges {
		slices.Sort(v.Edges[i].Labels)
	}
	// Nodes are distinct in ID, edges in (From, To, Status), so the order
	// is the same whatever order they were found in.
	slices.SortFunc(v.Edges, func(a, b ViewEdge) int {
		if c := cmp.Compare(a.From, b.From); c != 0 {
			return c
		}
		if c := cmp.Compare(a.To, b.To); c != 0 {
			return c
		}
		return cmp.Compare(a.Status, b.Status)
	})
	return v
}

// serviceGraph is the directed service graph of g on gonum, with the id
// mapping both ways. Dangling flows add no edge.
func (g *Graph) serviceGraph() (*simple.DirectedGraph, []string, map[string]int64) {
	names := []string{}
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, s := range g.Services {
		add(s.Name)
	}
	for _, f := range g.Flows {
		add(f.From)
		add(f.To)
	}
	slices.Sort(names)
	ids := make(map[string]int64, len(names))
	dg := simple.NewDirectedGraph()
	for i, n := range names {
		ids[n] = int64(i)
		dg.AddNode(simple.Node(i))
	}
	for _, f := range g.Flows {
		if f.From == "" || f.To == "" || f.From == f.To {
			continue
		}
		dg.SetEdge(simple.Edge{F: simple.Node(ids[f.From]), T: simple.Node(ids[f.To])})
	}
	return dg, names, ids
}

// Cycles lists the groups of services that reach each other (strongly
// connected components of more than one service, and services that send to
// themselves). Each group is sorted, and so is the list.
func (g *Graph) Cycles() [][]string {
	dg, names, _ := g.serviceGraph()
	var out [][]string
	for _, comp := range topo.TarjanSCC(dg) {
		if len(comp) < 2 {
			continue
		}
		group := make([]string, len(comp))
		for i, n := range comp {
			group[i] = names[n.ID()]
		}
		slices.Sort(group)
		out = append(out, group)
	}
	self := map[string]bool{}
	for _, f := range g.Flows {
		if f.From != "" && f.From == f.To && !self[f.From] {
			self[f.From] = true
			out = append(out, []string{f.From})
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out
}

// Focus returns the part of g within depth hops of service, following flows
// in either direction. Flows between two kept services are kept, and so are
// dangling flows of kept services. An unknown service is an error.
func (g *Graph) Focus(service string, depth int) (*Graph, error) {
	dg, names, ids := g.serviceGraph()
	start, ok := ids[service]
	if !ok {
		return nil, fmt.Errorf("focus: no service %q in the graph", service)
	}
	keep := map[string]bool{}
	und := simple.NewUndirectedGraph()
	for it := dg.Nodes(); it.Next(); {
		und.AddNode(it.Node())
	}
	for it := dg.Edges(); it.Next(); {
		e := it.Edge()
		und.SetEdge(simple.Edge{F: e.From(), T: e.To()})
	}
	var bf traverse.BreadthFirst
	bf.Walk(und, simple.Node(start), func(n graph.Node, d int) bool {
		if depth >= 0 && d > depth {
			return true
		}
		keep[names[n.ID()]] = true
		return false
	})
	out := New(g.Source)
	for _, s := range g.Services {
		if keep[s.Name] {
			out.Services = append(out.Services, s)
		}
	}
	for _, e := range g.Endpoints {
		if keep[e.Service] {
			out.Endpoints = append(out.Endpoints, e)
		}
	}
	for _, f := range g.Flows {
		if (f.From == "" || keep[f.From]) && (f.To == "" || keep[f.To]) {
			out.Flows = append(out.Flows, f)
		}
	}
	for _, u := range g.Unresolved {
		if keep[u.Service] {
			out.Unresolved = append(out.Unresolved, u)
		}
	}
	out.Diagnostics = append(out.Diagnostics, g.Diagnostics...)
	out.Normalize()
	return out, nil
}
