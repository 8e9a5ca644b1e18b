package spans

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/tracegraph/tracegraph/telemetry"
)

// Tags the importer adds to the span attributes of an event.
const (
	// TagLagUS is, on a paired serve or consume event, the time in
	// microseconds from the start of the client or producer span to the start
	// of this span, clamped at 0 when the clocks are skewed.
	TagLagUS = "tracegraph.lag_us"
	// TagInferred marks an event the importer inferred from the tree, not
	// from a span of its own: "caller-ancestor" is the serve of a server
	// span that is missing above a CLIENT span (see traceEvents.callerHops).
	TagInferred = "tracegraph.inferred"
)

// Event types the importer emits besides the channel library's.
const (
	// TypeInternal is an INTERNAL or unspecified span, kept so that the
	// trace view shows the whole tree and internal errors are searchable.
	TypeInternal = "internal"
)

// traceEvents builds the events of one flushed trace.
type traceEvents struct {
	opts   Options
	view   *traceView
	spans  []*span
	events []telemetry.Event

	orphans, virtualPeers, lostCallers int64
	firstOrphan, firstLost             *span

	// callers are the hops a CLIENT span implies from its nearest remote
	// ancestor in another service (see callerHops), by that CLIENT.
	callers map[*span]string
	// callees are the CLIENT spans whose callee a child span names.
	callees map[*span]bool

	ids []string // the block ParentIDs are cut from (parentIDs)
}

// build makes the trace's events, sorted by time.
func (b *traceEvents) build() {
	// One event a span, and a few more for virtual peers and batches.
	b.events = slices.Grow(b.events[:0], len(b.spans)+len(b.spans)/4+1)
	b.callerHops()
	for _, s := range b.spans {
		if s.parent != "" && b.view.directParent(s) == nil {
			if b.orphans == 0 {
				b.firstOrphan = s
			}
			b.orphans++
		}
		b.spanEvents(b.view, s)
	}
	// slices.SortFunc runs the same pdqsort as sort.Slice, so ties fall
	// alike; it only saves sort.Slice's reflection.
	slices.SortFunc(b.events, func(x, y telemetry.Event) int {
		if c := x.Timestamp.Compare(y.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(x.EventID, y.EventID)
	})
}

// callerHops finds the CLIENT spans whose nearest remote ancestor runs in
// another service: the server span of the CLIENT's own service is missing
// between them (or the instrumentation named the services wrongly), and
// that ancestor's service called this one, as Zipkin's DependencyLinker
// infers ("missing link to client span"). One hop is inferred per CLIENT
// span, as Zipkin counts it, so that the graph of a Zipkin export shows
// Zipkin's call counts. A CLIENT ancestor with no server of its own then
// needs no virtual peer: the child names its callee.
func (b *traceEvents) callerHops() {
	clear(b.callers)
	clear(b.callees)
	for _, s := range b.spans {
		if s.kind != kindClient || s.parent == "" || s.noService {
			continue
		}
		a := b.view.remoteAncestor(s)
		if a == nil || a.service == s.service || a.noService {
			continue
		}
		if a.kind == kindClient && len(a.partners) == 0 {
			if b.callees == nil {
				b.callees = make(map[*span]bool)
			}
			b.callees[a] = true
		}
		if b.callers == nil {
			b.callers = make(map[*span]string)
		}
		b.callers[s] = a.service
	}
}

// spanEvents appends the events of one span; see the package doc.
func (b *traceEvents) spanEvents(t *traceView, s *span) {
	switch s.kind {
	case kindInternal:
		b.events = append(b.events, b.event(s, TypeInternal, ""))
	case kindClient, kindProducer:
		typ, synth := telemetry.TypeRequest, telemetry.TypeServe
		if s.kind == kindProducer {
			typ, synth = telemetry.TypePublish, telemetry.TypeConsume
		}
		e := b.event(s, typ, "")
		if caller, ok := b.callers[s]; ok {
			b.events = append(b.events, b.inferredServe(s, caller))
		}
		if len(s.partners) > 0 {
			p := firstPartner(s.partners)
			if crossKind(s.kind, p.kind) {
				// The receiving span says what the hop was (a SERVER
				// under a PRODUCER served a request), so that the send
				// and the flow it made are one.
				e = b.event(s, receiverEventType[p.kind], "")
				e.Channel, e.System, e.MessageType = p.channel, p.system, p.msgType
			}
			fillFrom(&e, p)
		} else if b.callees[s] {
			// The callee's own CLIENT span named it (callerHops).
		} else if name := s.peerName(); name != "" {
			e.PeerService, e.PeerVirtual = name, true
			b.virtualPeers++
			b.events = append(b.events, b.virtualSide(s, synth, name))
		}
		b.events = append(b.events, e)
	case kindServer, kindConsumer:
		typ := telemetry.TypeServe
		if s.kind == kindConsumer {
			typ = telemetry.TypeConsume
		}
		if len(s.partners) == 0 {
			e := b.event(s, typ, "")
			if s.kind == kindServer {
				e.PeerService = t.callerAncestor(s)
			}
			if e.PeerService == "" {
				if name := s.peerName(); name != "" {
					e.PeerService, e.PeerVirtual = name, true
					b.virtualPeers++
				}
			}
			if e.PeerService == "" && s.parent != "" && t.directParent(s) == nil {
				if b.lostCallers == 0 {
					b.firstLost = s
				}
				b.lostCallers++
			}
			b.events = append(b.events, e)
			return
		}
		// One event per distinct sending service: a batch consumer linked
		// to producers of two services is two flows.
		done := make(map[string]bool, 1)
		for _, p := range sortedPartners(s.partners) {
			if done[p.service] {
				continue
			}
			extra := ""
			if len(done) > 0 {
				extra = p.service
			}
			done[p.service] = true
			e := b.event(s, typ, extra)
			fillFrom(&e, p)
			if p.err && !s.err {
				// A hop fails when either side does: a CLIENT that
				// timed out or got an error back, its SERVER done fine.
				side := "client"
				if s.kind == kindConsumer {
					side = "producer"
				}
				e.Status = telemetry.StatusError
				e.Error = truncate(side+" span "+p.id+" failed: "+p.errText, b.opts.MaxTagBytes)
			}
			lag := (s.start - p.start) / 1000
			if lag < 0 {
				lag = 0
			}
			e.Tags = withTag(e.Tags, TagLagUS, strconv.FormatInt(lag, 10))
			b.events = append(b.events, e)
		}
	}
}

// crossKind reports a hop whose sending and receiving spans are of two
// kinds of hop: a PRODUCER with a SERVER, a CLIENT with a CONSUMER.
func crossKind(from, to kind) bool {
	return (from == kindProducer) != (to == kindConsumer)
}

// receiverEventType is the sending event type that matches a receiving
// span of each kind.
var receiverEventType = map[kind]string{kindServer: telemetry.TypeRequest, kindConsumer: telemetry.TypePublish}

// fillFrom completes an event from its partner: the peer, and the channel,
// system and message type where this side's span does not say.
func fillFrom(e *telemetry.Event, p partner) {
	e.PeerService = p.service
	if e.Channel == "" {
		e.Channel = p.channel
	}
	if e.System == "" {
		e.System = p.system
	}
	if e.MessageType == "" {
		e.MessageType = p.msgType
	}
}

func sortedPartners(ps []partner) []partner {
	if len(ps) < 2 {
		return ps // callers only read it
	}
	out := append([]partner(nil), ps...)
	slices.SortFunc(out, func(x, y partner) int {
		if c := strings.Compare(x.service, y.service); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
	return out
}

func firstPartner(ps []partner) partner {
	if len(ps) == 1 {
		return ps[0]
	}
	return sortedPartners(ps)[0]
}

// inferredServe is the serve event of a hop callerHops inferred: the
// CLIENT's service served caller, in a span that is missing. Zipkin does
// not know if that hop failed, and neither does this.
func (b *traceEvents) inferredServe(s *span, caller string) telemetry.Event {
	e := b.event(s, telemetry.TypeServe, "caller")
	e.PeerService = caller
	e.Operation, e.Channel, e.System, e.MessageType = "", "", "", ""
	e.DurationUS, e.Status, e.Error = 0, telemetry.StatusOK, ""
	e.MessageID = s.parent
	e.ParentIDs = nil
	e.Tags = map[string]string{TagInferred: "caller-ancestor"}
	return e
}

// virtualSide is the serve or consume event of a virtual peer, made from
// the CLIENT or PRODUCER span that names it, so that the observed graph,
// built from serve and consume events, shows the hop.
func (b *traceEvents) virtualSide(s *span, typ, name string) telemetry.Event {
	e := b.event(s, typ, "")
	e.Service, e.PeerService = name, s.service
	e.ParentIDs = append(b.parentIDs(1), s.id)
	e.ServiceVirtual = true
	return e
}

// parentIDs is an empty slice with room for n ids, cut from a block the
// trace's events share instead of allocated for each. Its cap is n, so an
// append by whoever gets the event copies it.
func (b *traceEvents) parentIDs(n int) []string {
	if cap(b.ids)-len(b.ids) < n {
		b.ids = make([]string, 0, max(n, len(b.spans)))
	}
	i := len(b.ids)
	b.ids = b.ids[:i+n]
	return b.ids[i : i : i+n]
}

// event builds the event of span s with the fields every event has. extra
// tells apart several events of one span and type in the event id.
func (b *traceEvents) event(s *span, typ, extra string) telemetry.Event {
	e := telemetry.Event{
		EventID:     eventID(s, typ, extra),
		TraceID:     s.trace,
		EventType:   typ,
		Timestamp:   time.Unix(0, s.start).UTC().Truncate(time.Microsecond),
		Service:     s.service,
		Operation:   s.name,
		Channel:     s.channel,
		MessageType: s.msgType,
		System:      s.system,
		MessageID:   s.id,
		DurationUS:  s.dur / 1000,
		Status:      telemetry.StatusOK,
		Tags:        spanTags(s, b.opts),
	}
	if s.parent != "" || len(s.links) > 0 {
		e.ParentIDs = b.parentIDs(1 + len(s.links))
		if s.parent != "" {
			e.ParentIDs = append(e.ParentIDs, s.parent)
		}
		for _, l := range s.links {
			e.ParentIDs = append(e.ParentIDs, l.span)
		}
	}
	if s.err {
		e.Status = telemetry.StatusError
		e.Error = truncate(s.errText, b.opts.MaxTagBytes)
	}
	return e
}

// spanTags keeps the first MaxTags attributes in key order (input.prepare
// sorted them), keys and values cut to MaxTagBytes.
func spanTags(s *span, opts Options) map[string]string {
	if len(s.attrs) == 0 {
		return nil
	}
	attrs := s.attrs[:min(len(s.attrs), opts.MaxTags)]
	m, _ := tagMaps.Get().(map[string]string)
	if m == nil {
		m = make(map[string]string, len(attrs)+1)
	}
	for _, a := range attrs {
		m[truncate(a.k, opts.MaxTagBytes)] = truncate(a.v, opts.MaxTagBytes)
	}
	return m
}

// tagMaps holds the emptied tag maps of events a Pairer got back
// (Recycle): an event's map, allocated afresh, was a quarter of a
// collector's allocation under load.
var tagMaps sync.Pool // of map[string]string

func withTag(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = make(map[string]string, 1)
	}
	m[k] = v
	return m
}

// eventID derives a UUIDv7-shaped id from the span: the span's start in
// milliseconds keeps ids time-ordered for the store's index, and a hash of
// (trace id, span id, event type) fills the rest, so importing the same file
// twice yields the same ids.
func eventID(s *span, typ, extra string) string {
	var in [128]byte // on the stack for the usual ids
	msg := append(in[:0], s.trace...)
	msg = append(msg, 0)
	msg = append(msg, s.id...)
	msg = append(msg, 0)
	msg = append(msg, typ...)
	if extra != "" {
		msg = append(msg, 0)
		msg = append(msg, extra...)
	}
	sum := sha256.Sum256(msg)
	var id uuid.UUID
	ms := uint64(s.start / int64(time.Millisecond))
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], ms)
	copy(id[0:6], ts[2:8])
	copy(id[6:], sum[:10])
	id[6] = 0x70 | id[6]&0x0f
	id[8] = 0x80 | id[8]&0x3f
	return id.String()
}
