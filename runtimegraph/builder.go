package runtimegraph

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// The percentiles every flow reports.
const (
	P50 = 0.5
	P95 = 0.95
)

// Percentile is the nearest-rank percentile of sorted values: the value at
// 1-based rank ceil(p*n), the first value whose cumulative share reaches p.
// It is PostgreSQL's percentile_disc (same float64 arithmetic for the rank).
func Percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[Rank(int64(len(sorted)), p)-1]
}

// Rank is the 1-based nearest rank of percentile p among n > 0 values,
// computed in float64 as percentile_disc does, so both backends pick the
// same value.
func Rank(n int64, p float64) int64 {
	r := int64(math.Ceil(p * float64(n)))
	return min(max(r, 1), n)
}

// Quantize is the duration bucket d is counted in: d truncated to its
// four leading binary digits, so each power of two is split into 8 equal
// buckets (1000 -> 960, 1234 -> 1152). Values under 16 (and negative ones)
// are their own bucket.
//
// Flows report percentiles of quantized durations. A bucket's value is its
// lower bound, so a reported percentile is less than 12.5% below the exact
// one (and exact under 16 µs). Quantizing is what lets the store keep a
// day's durations as a histogram of at most 8 buckets per power of two
// and answer from it instead of sorting every event; because Quantize
// never decreases with d, the percentile of quantized values is the
// quantized exact percentile, whichever way it is computed. pgstore's SQL
// function duration_bucket is the same function.
func Quantize(d int64) int64 {
	if d < 16 {
		return d
	}
	shift := bits.Len64(uint64(d)) - 4
	return d >> shift << shift
}

// BucketIndex is the index of d's duration bucket (see Quantize) among
// the buckets from 0 up: 0 to 15 for the values under 16, then 8 a power
// of two. d must not be negative. pgstore keeps histograms by this index.
func BucketIndex(d int64) int {
	if d < 16 {
		return int(d)
	}
	shift := bits.Len64(uint64(d)) - 4
	return 16 + (shift-1)*8 + int(d>>shift-8)
}

// BucketValue is the bucket (lower bound) of index i.
func BucketValue(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	shift := (i-16)/8 + 1
	return int64((i-16)%8+8) << shift
}

// groupKey identifies a flow while events are grouped.
type groupKey struct {
	kind, from, to, channel, messageType, system string
}

// acc accumulates one group.
type acc struct {
	key         groupKey
	send        bool // a publish or request group, not a flow
	ref         Ref
	replyType   string
	count, errs int64
	durations   Histogram
	first, last time.Time
}

func (a *acc) add(e *telemetry.Event) {
	if e.ReplyType > a.replyType {
		a.replyType = e.ReplyType
	}
	if a.count == 0 || e.Timestamp.Before(a.first) {
		a.first = e.Timestamp
	}
	if a.count == 0 || e.Timestamp.After(a.last) {
		a.last = e.Timestamp
	}
	a.count++
	if e.Status == telemetry.StatusError {
		a.errs++
	}
	a.durations.Add(e.DurationUS, 1)
}

// uncount takes back one event that add counted, of duration bucket i and
// error or not. Its reply type and time stay: they are only ever taken
// back for a copy of an event still counted (see FromFiles).
func (a *acc) uncount(i int, isErr bool) {
	a.count--
	if isErr {
		a.errs--
	}
	a.durations.addIndex(i, -1)
}

func (a *acc) merge(b *acc) {
	if b.count == 0 {
		return
	}
	if b.replyType > a.replyType {
		a.replyType = b.replyType
	}
	if a.count == 0 || b.first.Before(a.first) {
		a.first = b.first
	}
	if a.count == 0 || b.last.After(a.last) {
		a.last = b.last
	}
	a.count += b.count
	a.errs += b.errs
	a.durations.Merge(&b.durations)
}

func (a *acc) stats() *topology.Stats {
	return &topology.Stats{Count: a.count, Errors: a.errs,
		P50US: a.durations.percentile(a.count, P50), P95US: a.durations.percentile(a.count, P95),
		FirstSeen: a.first.UTC(), LastSeen: a.last.UTC()}
}

// Builder accumulates events into an observed graph. It is not safe for
// concurrent use: give each goroutine its own and Merge them.
type Builder struct {
	// flows holds consume (pubsub) and serve (reqrep) groups; sends holds
	// publish and request groups, which become flows only when dangling.
	flows map[groupKey]*acc
	sends map[groupKey]*acc
	// peerOnly is true for a name seen only as a virtual peer, or as the
	// service of events made for a virtual peer.
	peerOnly map[string]bool
	// accs are the groups in the order Add made them, for Uncount.
	accs []*acc
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{flows: map[groupKey]*acc{}, sends: map[groupKey]*acc{}, peerOnly: map[string]bool{}}
}

// Add counts one event. The caller filters; every event added names its
// service and peer as services of the graph. The Ref it returns names the
// group the event was counted in, for Uncount; it is 0 for an event of no
// group (an unknown type).
func (b *Builder) Add(e *telemetry.Event) Ref {
	// Look before writing: almost every event names services seen before,
	// and a lookup is cheaper than an assignment.
	if v, seen := b.peerOnly[e.Service]; !seen {
		b.peerOnly[e.Service] = e.ServiceVirtual
	} else if v && !e.ServiceVirtual {
		b.peerOnly[e.Service] = false
	}
	if e.PeerService != "" {
		if v, seen := b.peerOnly[e.PeerService]; !seen {
			b.peerOnly[e.PeerService] = e.PeerVirtual
		} else if v && !e.PeerVirtual {
			b.peerOnly[e.PeerService] = false
		}
	}
	var m map[groupKey]*acc
	var k groupKey
	switch e.EventType {
	case telemetry.TypeConsume:
		m, k = b.flows, groupKey{topology.KindPubSub, e.PeerService, e.Service, e.Channel, e.MessageType, e.System}
	case telemetry.TypeServe:
		m, k = b.flows, groupKey{topology.KindReqRep, e.PeerService, e.Service, e.Channel, e.MessageType, e.System}
	case telemetry.TypePublish:
		m, k = b.sends, groupKey{topology.KindPubSub, e.Service, "", e.Channel, e.MessageType, e.System}
	case telemetry.TypeRequest:
		m, k = b.sends, groupKey{topology.KindReqRep, e.Service, "", e.Channel, e.MessageType, e.System}
	default:
		return 0
	}
	a := m[k]
	if a == nil {
		a = &acc{key: k, send: k.to == ""}
		m[k] = a
		b.accs = append(b.accs, a)
		a.ref = Ref(len(b.accs))
	}
	a.add(e)
	return a.ref
}

// A Ref names a group of one Builder, until it is merged into another.
type Ref uint32

// Uncount takes back an event Add counted in group r, whose duration
// bucket was i (see BucketIndex) and which was an error or not, leaving
// the services it named. It is for a copy of an event another copy of
// which stays counted, so nothing but its count goes.
func (b *Builder) Uncount(r Ref, i int, isErr bool) {
	b.accs[r-1].uncount(i, isErr)
}

// Merge adds everything o holds into b. o must not be used afterwards,
// nor b's Refs.
func (b *Builder) Merge(o *Builder) {
	for k, a := range o.flows {
		mergeInto(b.flows, k, a)
	}
	for k, a := range o.sends {
		mergeInto(b.sends, k, a)
	}
	for n, v := range o.peerOnly {
		if old, seen := b.peerOnly[n]; !seen || (old && !v) {
			b.peerOnly[n] = v
		}
	}
}

func mergeInto(m map[groupKey]*acc, k groupKey, a *acc) {
	if old := m[k]; old != nil {
		old.merge(a)
		return
	}
	m[k] = a
}

// Graph returns the observed graph of everything added.
func (b *Builder) Graph() *topology.Graph {
	var groups []Group
	for _, m := range []map[groupKey]*acc{b.flows, b.sends} {
		for k, a := range m {
			if a.count > 0 { // all of its events were copies, uncounted
				groups = append(groups, a.group(k))
			}
		}
	}
	return Assemble(groups, b.peerOnly)
}

func (a *acc) group(k groupKey) Group {
	return Group{Kind: k.kind, From: k.from, To: k.to, Channel: k.channel, MessageType: k.messageType,
		System: k.system, ReplyType: a.replyType, Stats: *a.stats()}
}

// Group is one grouping of consume or serve events (a flow, From and To
// set), or of publish or request events (a send, To empty), with its
// measures. Each backend computes groups its own way; Assemble turns them
// into the graph the same way for all.
type Group struct {
	Kind                                   string // pubsub or reqrep
	From, To, Channel, MessageType, System string
	ReplyType                              string // the greatest seen, byte order
	Stats                                  topology.Stats
}

// Assemble builds the observed graph from groups and the services seen
// (name to "seen only as a virtual peer"). Every receiving group is a flow;
// a sending group is a dangling flow only when no flow has the same
// producer, kind, channel and message type with a matching system.
func Assemble(groups []Group, services map[string]bool) *topology.Graph {
	g := topology.New(topology.SourceObserved)
	for n, virtual := range services {
		g.Services = append(g.Services, topology.Service{Name: n, Virtual: virtual})
	}
	// received indexes the producing side of every observed flow, so a send
	// can be checked for a receiver without scanning all flows.
	type sendSide struct{ kind, from, messageType string }
	type wire struct{ channel, system string }
	received := map[sendSide][]wire{}
	for _, gr := range groups {
		if gr.To != "" {
			s := sendSide{gr.Kind, gr.From, gr.MessageType}
			received[s] = append(received[s], wire{gr.Channel, gr.System})
		}
	}
	// A send is received when a flow of its producer has its channel, or,
	// over HTTP, a route that serves it: a client span knows only the
	// path it called (GET /rates/EUR), the server its route.
	answered := func(gr Group) bool {
		return slices.ContainsFunc(received[sendSide{gr.Kind, gr.From, gr.MessageType}], func(w wire) bool {
			if !topology.SystemsMatch(w.system, gr.System) {
				return false
			}
			return w.channel == gr.Channel ||
				gr.Kind == topology.KindReqRep && cmp.Or(w.system, gr.System) == topology.SystemHTTP && topology.HTTPMatch(w.channel, gr.Channel)
		})
	}
	for _, gr := range groups {
		if gr.To == "" && answered(gr) {
			continue
		}
		st := gr.Stats
		st.FirstSeen, st.LastSeen = st.FirstSeen.UTC(), st.LastSeen.UTC()
		// A negative duration (a clock that stepped back) counts as 0, as
		// the span importers count it: a graph's percentiles are never
		// negative (topology.Graph.Validate). Percentiles commute with
		// this clamp, so clamping them is clamping every duration.
		st.P50US, st.P95US = max(st.P50US, 0), max(st.P95US, 0)
		f := topology.Flow{Kind: gr.Kind, From: gr.From, To: gr.To, Channel: gr.Channel, MessageType: gr.MessageType,
			System: gr.System, Stats: &st}
		if gr.Kind == topology.KindReqRep {
			f.ReplyType = gr.ReplyType
		}
		g.Flows = append(g.Flows, f)
	}
	g.Endpoints = EndpointsOf(g.Flows)
	g.Normalize()
	return g
}

// EndpointsOf lists the endpoints the observed flows imply: each flow's
// producer publishes or requests, its consumer subscribes or serves. The
// observed graph carries them so that a diff can work from either side.
func EndpointsOf(flows []topology.Flow) []topology.Endpoint {
	var eps []topology.Endpoint
	for _, f := range flows {
		send, recv := topology.RolePublish, topology.RoleSubscribe
		if f.Kind == topology.KindReqRep {
			send, recv = topology.RoleRequest, topology.RoleServe
		}
		ep := topology.Endpoint{Channel: f.Channel, MessageType: f.MessageType, ReplyType: f.ReplyType, System: f.System}
		if f.From != "" {
			ep.Service, ep.Role = f.From, send
			eps = append(eps, ep)
		}
		if f.To != "" {
			ep.Service, ep.Role = f.To, recv
			eps = append(eps, ep)
		}
	}
	return eps
}
