package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// Limits of the list routes. The pages ask for less; the caps keep one
// request from returning a whole store.
const (
	defaultEventLimit = 500
	maxEventLimit     = 10000
	defaultTraceLimit = 10
	maxTraceLimit     = 100
	maxTraceIDLen     = 256
	maxTraceEvents    = 10000
)

type infoResponse struct {
	Describe string       `json:"describe"`
	Declared bool         `json:"declared"`
	Source   string       `json:"source"`
	Views    []string     `json:"views"`
	Now      string       `json:"now"`
	Presets  []presetJSON `json:"presets"`
}

// presetJSON is a question a page offers: the page and its query string.
type presetJSON struct {
	Label string `json:"label"`
	Page  string `json:"page"`
	Query string `json:"query"`
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	if _, err := readParams(r); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	src := topology.SourceObserved
	if s.opt.Declared != nil {
		src = topology.SourceDiff
	}
	presets := make([]presetJSON, len(s.opt.Presets))
	for i, p := range s.opt.Presets {
		presets[i] = presetJSON{Label: p.Label, Page: "events", Query: p.Query.Encode()}
	}
	writeJSON(w, http.StatusOK, infoResponse{
		Describe: s.opt.Describe, Declared: s.opt.Declared != nil, Source: src,
		Views:   []string{string(topology.ViewServices), string(topology.ViewMessages), string(topology.ViewChannels)},
		Now:     s.opt.Now().UTC().Format(time.RFC3339),
		Presets: presets,
	})
}

type nodeJSON struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Kind    string `json:"kind"`
	Team    string `json:"team,omitempty"`
	Virtual bool   `json:"virtual,omitempty"`
}

type edgeJSON struct {
	ID     string   `json:"id"`
	From   string   `json:"from"`
	To     string   `json:"to"`
	Labels []string `json:"labels"`
	Status string   `json:"status"`
	Count  int64    `json:"count"`
	Errors int64    `json:"errors"`
	Flows  []int    `json:"flows"`
}

type viewJSON struct {
	Kind  string     `json:"kind"`
	Nodes []nodeJSON `json:"nodes"`
	Edges []edgeJSON `json:"edges"`
}

// graphResponse is a graph with its view. The view's edges index the
// graph's flows, so a page can show every flow behind an edge.
type graphResponse struct {
	Source string     `json:"source"`
	Window windowJSON `json:"window"`
	// Empty says why the observed graph has no flows: "window" (no event
	// at all in the window), "filter" (events in the window, none with
	// the where tags) or "flows" (events pass, but none is a publish,
	// consume, request or serve). It is empty when there are flows.
	Empty string `json:"empty,omitempty"`
	// Describe names the events' store, with Empty, so that a page can
	// say where it looked.
	Describe string          `json:"describe,omitempty"`
	Focus    string          `json:"focus,omitempty"`
	Depth    int             `json:"depth,omitempty"`
	View     viewJSON        `json:"view"`
	Graph    *topology.Graph `json:"graph"`
}

func (s *Server) handleGraph(w http.ResponseWriter, r *http.Request) { s.serveGraph(w, r, false) }

func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) {
	if s.opt.Declared == nil {
		writeError(w, http.StatusNotFound, "no declared graph: start tracegraph serve with packages (tracegraph serve ./... --events FILE) to see the diff")
		return
	}
	s.serveGraph(w, r, true)
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, diff bool) {
	p, err := readParams(r, "view", "since", "until", "where", "focus", "depth")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	view, err := topology.ParseViewKind(p.str("view"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f, err := p.window(s.opt.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	focus := p.str("focus")
	depth, err := p.intIn("depth", 1, 0, 100)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if focus == "" && p.str("depth") != "" {
		writeError(w, http.StatusBadRequest, "depth needs focus (the service to draw the neighbourhood of)")
		return
	}
	g, err := s.opt.Backend.Graph(r.Context(), f)
	if err != nil {
		s.backendError(w, r, "observed graph", err)
		return
	}
	resp := graphResponse{Window: windowOf(f)}
	if len(g.Flows) == 0 {
		if resp.Empty, err = s.whyEmpty(r.Context(), f); err != nil {
			s.backendError(w, r, "events", err)
			return
		}
		resp.Describe = s.opt.Describe
	}
	if diff {
		g = s.opt.Compare(s.opt.Declared, g)
	}
	resp.Source = g.Source
	if focus != "" {
		if g, err = g.Focus(focus, depth); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%v (in this window and filter)", err))
			return
		}
		resp.Focus, resp.Depth = focus, depth
	}
	resp.Graph = g
	resp.View = viewOf(g.View(view))
	writeJSON(w, http.StatusOK, resp)
}

// whyEmpty says why a window and tag filter make no observed flows (see
// graphResponse.Empty), asking the store for one event at most twice.
func (s *Server) whyEmpty(ctx context.Context, f runtimegraph.Filter) (string, error) {
	evs, err := s.opt.Backend.Select(ctx, runtimegraph.Filter{Since: f.Since, Until: f.Until}, 1)
	if err != nil || len(evs) == 0 {
		return "window", err
	}
	if len(f.Where) > 0 {
		if evs, err = s.opt.Backend.Select(ctx, f.GraphOnly(), 1); err != nil || len(evs) == 0 {
			return "filter", err
		}
	}
	return "flows", nil
}

func viewOf(v *topology.View) viewJSON {
	out := viewJSON{Kind: string(v.Kind), Nodes: make([]nodeJSON, len(v.Nodes)), Edges: make([]edgeJSON, len(v.Edges))}
	for i, n := range v.Nodes {
		out.Nodes[i] = nodeJSON{ID: n.ID, Label: n.Label, Kind: n.Kind, Team: n.Team, Virtual: n.Virtual}
	}
	for i, e := range v.Edges {
		labels := e.Labels
		if labels == nil {
			labels = []string{}
		}
		out.Edges[i] = edgeJSON{ID: fmt.Sprintf("e%d", i), From: e.From, To: e.To, Labels: labels,
			Status: e.Status, Count: e.Count, Errors: e.Errors, Flows: e.Flows}
	}
	return out
}

type eventsResponse struct {
	Window    windowJSON        `json:"window"`
	Limit     int               `json:"limit"`
	Truncated bool              `json:"truncated"`
	Events    []telemetry.Event `json:"events"`
}

// eventsParams are the parameters of /api/events, and so of a preset.
var eventsParams = []string{"since", "until", "where", "trace_id", "type", "status", "service", "channel",
	"message_type", "operation", "limit"}

// eventsFilter reads the parameters of /api/events.
func eventsFilter(p *params, now time.Time) (runtimegraph.Filter, int, error) {
	f, err := p.window(now)
	if err != nil {
		return f, 0, err
	}
	limit, err := p.intIn("limit", defaultEventLimit, 1, maxEventLimit)
	if err != nil {
		return f, 0, err
	}
	f.TraceID, f.EventType, f.Status = p.str("trace_id"), p.str("type"), p.str("status")
	f.Service, f.Channel, f.MessageType, f.Operation = p.str("service"), p.str("channel"), p.str("message_type"), p.str("operation")
	return f, limit, nil
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r, eventsParams...)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f, limit, err := eventsFilter(p, s.opt.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// One more than asked says whether there were more.
	evs, err := s.opt.Backend.Select(r.Context(), f, limit+1)
	if err != nil {
		s.backendError(w, r, "events", err)
		return
	}
	resp := eventsResponse{Window: windowOf(f), Limit: limit, Events: evs}
	if len(evs) > limit {
		resp.Events, resp.Truncated = evs[:limit], true
	}
	if resp.Events == nil {
		resp.Events = []telemetry.Event{}
	}
	writeJSON(w, http.StatusOK, resp)
}

// traceRef is one trace that went through a flow, as its latest event on
// the flow saw it.
type traceRef struct {
	TraceID    string    `json:"trace_id"`
	Timestamp  time.Time `json:"timestamp"`
	Operation  string    `json:"operation,omitempty"`
	Status     string    `json:"status"`
	DurationUS int64     `json:"duration_us"`
}

type flowTracesResponse struct {
	Traces []traceRef `json:"traces"`
}

// handleFlowTraces lists the most recent traces that carried one flow. A
// flow with a receiver is found by the receiver's consume or serve events
// naming the sender as peer; a dangling flow by its sender's publish or
// request events.
func (s *Server) handleFlowTraces(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r, "kind", "from", "to", "channel", "message_type", "system", "since", "until", "where", "limit", "last_seen")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f, err := p.window(s.opt.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := p.intIn("limit", defaultTraceLimit, 1, maxTraceLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	kind, from, to := p.str("kind"), p.str("from"), p.str("to")
	var send, recv string
	switch kind {
	case topology.KindPubSub:
		send, recv = telemetry.TypePublish, telemetry.TypeConsume
	case topology.KindReqRep:
		send, recv = telemetry.TypeRequest, telemetry.TypeServe
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("bad kind %q (want pubsub or reqrep)", kind))
		return
	}
	if from == "" && to == "" {
		writeError(w, http.StatusBadRequest, "a flow needs from or to (or both)")
		return
	}
	f.Channel, f.MessageType = p.str("channel"), p.str("message_type")
	// A sender's own events name no peer.
	wantPeer := ""
	if to != "" {
		f.Service, f.EventType, wantPeer = to, recv, from
	} else {
		f.Service, f.EventType = from, send
	}
	var lastSeen time.Time
	if ls := p.str("last_seen"); ls != "" {
		if lastSeen, err = time.Parse(time.RFC3339Nano, ls); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("bad last_seen %q (want an RFC 3339 time)", ls))
			return
		}
	}
	system := p.str("system")
	pick := func(evs []telemetry.Event) []traceRef {
		refs := []traceRef{}
		seen := map[string]bool{}
		for i := len(evs) - 1; i >= 0 && len(refs) < limit; i-- {
			e := &evs[i]
			if e.PeerService != wantPeer || e.System != system || seen[e.TraceID] {
				continue
			}
			seen[e.TraceID] = true
			refs = append(refs, traceRef{TraceID: e.TraceID, Timestamp: e.Timestamp, Operation: e.Operation,
				Status: e.Status, DurationUS: e.DurationUS})
		}
		return refs
	}
	var refs []traceRef
	for _, q := range searchBack(f, lastSeen) {
		evs, err := s.opt.Backend.Select(r.Context(), q, 0)
		if err != nil {
			s.backendError(w, r, "flow traces", err)
			return
		}
		if refs = pick(evs); len(refs) >= limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, flowTracesResponse{Traces: refs})
}

// searchBack is the sequence of ever wider windows, each ending where f's
// window or the flow's last event does, in which to look for a flow's most
// recent traces: a busy flow is answered from its last minute rather than
// by reading every event it ever carried. The last window is f's own.
func searchBack(f runtimegraph.Filter, lastSeen time.Time) []runtimegraph.Filter {
	end := f.Until
	if !lastSeen.IsZero() {
		if next := lastSeen.Add(time.Microsecond); end.IsZero() || next.Before(end) {
			end = next
		}
	}
	if end.IsZero() {
		return []runtimegraph.Filter{f}
	}
	var out []runtimegraph.Filter
	for d := time.Minute; d < 4*365*24*time.Hour; d *= 32 {
		start := end.Add(-d)
		if !f.Since.IsZero() && !start.After(f.Since) {
			break
		}
		q := f
		q.Since, q.Until = start, end
		out = append(out, q)
	}
	q := f
	q.Until = end
	return append(out, q)
}

// traceNode is one event of a trace tree and the events it caused.
type traceNode struct {
	Event    telemetry.Event `json:"event"`
	Children []traceNode     `json:"children"`
}

// traceResponse is one trace twice: its event log in time order, and the
// same events as the forest runtimegraph.TraceTree builds from message and
// parent ids, as `tracegraph trace` prints it.
type traceResponse struct {
	TraceID string            `json:"trace_id"`
	Events  []telemetry.Event `json:"events"`
	Tree    []traceNode       `json:"tree"`
	// Truncated says the trace has more events than a page can show; the
	// first ones are here.
	Truncated bool `json:"truncated"`
}

func treeOf(nodes []*runtimegraph.TraceNode) []traceNode {
	out := make([]traceNode, len(nodes))
	for i, n := range nodes {
		out[i] = traceNode{Event: n.Event, Children: treeOf(n.Children)}
	}
	return out
}

func (s *Server) handleTrace(w http.ResponseWriter, r *http.Request) {
	if _, err := readParams(r); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id := r.PathValue("id")
	if err := runtimegraph.CheckText("trace id", id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(id) > maxTraceIDLen {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("trace id of %d bytes is too long (at most %d)", len(id), maxTraceIDLen))
		return
	}
	evs, err := s.opt.Backend.Select(r.Context(), runtimegraph.Filter{TraceID: id}, maxTraceEvents+1)
	if err != nil {
		s.backendError(w, r, "trace", err)
		return
	}
	if len(evs) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no trace %q in the events", id))
		return
	}
	truncated := len(evs) > maxTraceEvents
	if truncated {
		evs = evs[:maxTraceEvents]
	}
	writeJSON(w, http.StatusOK, traceResponse{TraceID: id, Events: evs, Tree: treeOf(runtimegraph.TraceTree(evs)), Truncated: truncated})
}

// backendError answers a failure of the store. It is the server's fault,
// not the request's, so it is a 500 (or 503 when the client went away).
func (s *Server) backendError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("%s: %v", what, err))
		return
	}
	s.opt.Logger.ErrorContext(r.Context(), "backend failed", "route", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, fmt.Sprintf("%s: %v", what, err))
}
