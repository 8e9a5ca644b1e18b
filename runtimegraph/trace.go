package runtimegraph

import (
	"github.com/tracegraph/tracegraph/telemetry"
)

// TraceNode is one event of a trace and the events it caused.
type TraceNode struct {
	Event telemetry.Event
	// Index is the event's position in the events TraceTree was given.
	Index    int
	Children []*TraceNode
}

// TraceTree arranges the events of one trace (in canonical order, see
// SortEvents) as a forest built from message ids and parent ids:
//   - a consume or serve event hangs under the publish or request of the
//     same message: the send side of one hop;
//   - any other event with parent ids hangs under the event that received
//     the parent message in the same service (the handler that sent it),
//     else under any event of that message;
//   - everything else is a root.
//
// Children keep the input order, so the tree reads in time order.
func TraceTree(evs []telemetry.Event) []*TraceNode {
	nodes := make([]*TraceNode, len(evs))
	sent := map[string]int{}   // message id -> first publish/request
	recv := map[string][]int{} // message id -> consume/serve events
	anyOf := map[string]int{}  // message id -> first event of any type
	for i, e := range evs {
		nodes[i] = &TraceNode{Event: e, Index: i}
		if e.MessageID == "" {
			continue
		}
		if _, ok := anyOf[e.MessageID]; !ok {
			anyOf[e.MessageID] = i
		}
		switch e.EventType {
		case telemetry.TypePublish, telemetry.TypeRequest:
			if _, ok := sent[e.MessageID]; !ok {
				sent[e.MessageID] = i
			}
		case telemetry.TypeConsume, telemetry.TypeServe:
			recv[e.MessageID] = append(recv[e.MessageID], i)
		}
	}
	parentOf := func(i int) int {
		e := evs[i]
		if e.EventType == telemetry.TypeConsume || e.EventType == telemetry.TypeServe {
			if p, ok := sent[e.MessageID]; ok {
				return p
			}
		} else if e.MessageID != "" {
			// An error or custom event about a message hangs under its receipt.
			for _, r := range recv[e.MessageID] {
				if evs[r].Service == e.Service && r != i {
					return r
				}
			}
		}
		for _, pid := range e.ParentIDs {
			for _, r := range recv[pid] {
				if evs[r].Service == e.Service {
					return r
				}
			}
		}
		for _, pid := range e.ParentIDs {
			if p, ok := anyOf[pid]; ok && p != i {
				return p
			}
		}
		return -1
	}
	var roots []*TraceNode
	parent := make([]int, len(evs))
	for i := range evs {
		parent[i] = parentOf(i)
	}
	cyclic := onCycle(parent)
	for i := range evs {
		if p := parent[i]; p >= 0 && !cyclic[i] {
			nodes[p].Children = append(nodes[p].Children, nodes[i])
		} else {
			roots = append(roots, nodes[i])
		}
	}
	return roots
}

// onCycle marks the events whose parents lead back to themselves, which
// malformed parent ids can cause: each becomes a root, so the tree has no
// loop. Each event is visited once, so a chain thousands deep costs no
// more than its length.
func onCycle(parent []int) []bool {
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]uint8, len(parent))
	cyclic := make([]bool, len(parent))
	var path []int
	for start := range parent {
		path = path[:0]
		i := start
		for i >= 0 && state[i] == unseen {
			state[i] = onPath
			path = append(path, i)
			i = parent[i]
		}
		if i >= 0 && state[i] == onPath {
			// The walk came back to itself: i and what follows it on the
			// path are the cycle.
			for k := len(path) - 1; k >= 0; k-- {
				cyclic[path[k]] = true
				if path[k] == i {
					break
				}
			}
		}
		for _, k := range path {
			state[k] = done
		}
	}
	return cyclic
}
