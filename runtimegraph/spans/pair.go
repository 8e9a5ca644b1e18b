package spans

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// window holds the open traces: spans wait here until their trace is
// flushed, the least recently touched trace first once more than
// opts.WindowSpans spans are held, and every trace at the end of the input.
type window struct {
	opts  Options
	stats *Stats
	emit  func(telemetry.Event) error
	// emitTrace, when set, takes the events of each flushed trace at once
	// instead of emit (see Pairer).
	emitTrace func(trace string, events []telemetry.Event) error
	// now stamps the traces spans are added to, for expire.
	now int64

	traces map[string]*traceBuf
	lru    list.List // of *traceBuf, least recently touched at the front
	held   int

	// producers indexes the PRODUCER spans of open traces, for links.
	producers map[spanRef]*span
	// linkers indexes the open CONSUMER spans by the span they link to.
	linkers map[spanRef][]*span
	// flushed remembers recently flushed trace ids, so that a span arriving
	// after its trace was flushed is counted (the window was too small).
	flushed    map[string]struct{}
	flushOrder []string
	flushNext  int

	// pending are flushed traces whose events are not built yet.
	pending      []*traceEvents
	pendingSpans int
	spare        [][]telemetry.Event // event buffers of emitted traces
}

type traceBuf struct {
	id    string
	spans []*span
	elem  *list.Element
	// fill is set when a span lacks a service or a start time.
	fill bool
	// touched is window.now when a span was last added.
	touched int64
}

func newWindow(opts Options, stats *Stats, emit func(telemetry.Event) error) *window {
	return &window{
		opts: opts, stats: stats, emit: emit,
		traces:     make(map[string]*traceBuf),
		producers:  make(map[spanRef]*span),
		linkers:    make(map[spanRef][]*span),
		flushed:    make(map[string]struct{}),
		flushOrder: make([]string, opts.WindowSpans),
	}
}

// add takes one decoded span. It flushes the oldest traces when the window
// is over its size.
func (w *window) add(s *span) error {
	w.stats.Spans++
	if s.dur < 0 {
		// A span that ends before it starts: its host's clock moved.
		s.dur = 0
		w.stats.NegativeDurations++
		w.stats.note(warnNegative, s)
	}
	tb := w.traces[s.trace]
	if tb == nil {
		if _, late := w.flushed[s.trace]; late {
			w.stats.LateSpans++
			w.stats.note(warnLate, s)
		}
		// Room for a small trace's spans at once, not grown 1, 2, 4, 8.
		tb = &traceBuf{id: s.trace, spans: make([]*span, 0, 8)}
		tb.elem = w.lru.PushBack(tb)
		w.traces[s.trace] = tb
	} else {
		w.lru.MoveToBack(tb.elem)
	}
	tb.spans = append(tb.spans, s)
	tb.touched = w.now
	tb.fill = tb.fill || s.noService || s.noStart
	w.held++
	switch s.kind {
	case kindProducer:
		w.producers[spanRef{s.trace, s.id}] = s
	case kindConsumer:
		for _, l := range s.links {
			w.linkers[l] = append(w.linkers[l], s)
		}
	}
	for w.held > w.opts.WindowSpans {
		if err := w.flush(w.lru.Front().Value.(*traceBuf)); err != nil {
			return err
		}
	}
	return nil
}

// expire flushes the traces last touched before the time before, oldest
// first, and emits their events.
func (w *window) expire(before int64) error {
	for w.lru.Len() > 0 {
		tb := w.lru.Front().Value.(*traceBuf)
		if tb.touched >= before {
			break
		}
		if err := w.flush(tb); err != nil {
			return err
		}
	}
	return w.emitPending()
}

// close flushes every open trace, oldest first.
func (w *window) close() error {
	for w.lru.Len() > 0 {
		if err := w.flush(w.lru.Front().Value.(*traceBuf)); err != nil {
			return err
		}
	}
	return w.emitPending()
}

func (w *window) rememberFlushed(id string) {
	if old := w.flushOrder[w.flushNext]; old != "" {
		delete(w.flushed, old)
	}
	w.flushOrder[w.flushNext] = id
	w.flushNext = (w.flushNext + 1) % len(w.flushOrder)
	w.flushed[id] = struct{}{}
}

// flush pairs the spans of one trace, emits their events and forgets them.
func (w *window) flush(tb *traceBuf) error {
	w.lru.Remove(tb.elem)
	delete(w.traces, tb.id)
	w.held -= len(tb.spans)
	w.rememberFlushed(tb.id)

	byID := make(map[string][]*span, len(tb.spans))
	// The lists share one array: most ids have one span, and a second
	// span of an id (cap reached) moves its list out.
	lists := make([]*span, len(tb.spans))
	var root *span
	roots := 0
	for i, s := range tb.spans {
		if l, ok := byID[s.id]; ok {
			byID[s.id] = append(l, s)
		} else {
			lists[i] = s
			byID[s.id] = lists[i : i+1 : i+1]
		}
		if s.parent == "" {
			root = s
			roots++
		}
	}
	if roots != 1 {
		root = nil
	}
	t := &traceView{byID: byID, root: root}
	if tb.fill {
		t.fillFromAncestors(tb.spans)
	}

	// Pair every SERVER with its CLIENT and every CONSUMER with its
	// PRODUCER, looking from the receiving side.
	for _, s := range tb.spans {
		switch s.kind {
		case kindServer:
			if c := t.sharedSender(s); c != nil {
				w.pair(c, s)
			} else if p := t.directParent(s); p != nil && (p.kind == kindClient || p.kind == kindProducer) {
				// A PRODUCER's child SERVER: a message pushed over HTTP.
				w.pair(p, s)
			}
		case kindConsumer:
			if p := t.directParent(s); p != nil && (p.kind == kindProducer || p.kind == kindClient) {
				// A CLIENT's child CONSUMER: a message sent by an RPC
				// client, as the servicegraph connector pairs it.
				w.pair(p, s)
			}
			for _, l := range s.links {
				if p := w.producers[l]; p != nil {
					w.pair(p, s)
				}
			}
		}
	}
	// Consumers in other open traces that link to this trace's producers.
	for _, s := range tb.spans {
		if s.kind != kindProducer {
			continue
		}
		ref := spanRef{s.trace, s.id}
		for _, c := range w.linkers[ref] {
			if c.trace != s.trace {
				w.pair(s, c)
			}
		}
		delete(w.producers, ref)
	}
	for _, s := range tb.spans {
		if s.kind == kindConsumer {
			for _, l := range s.links {
				w.unlink(l, s)
			}
		}
	}

	var buf []telemetry.Event
	if n := len(w.spare); n > 0 {
		buf, w.spare = w.spare[n-1], w.spare[:n-1]
	}
	w.pending = append(w.pending, &traceEvents{opts: w.opts, view: t, spans: tb.spans, events: buf})
	w.pendingSpans += len(tb.spans)
	if w.pendingSpans >= buildBatchSpans {
		return w.emitPending()
	}
	return nil
}

// buildBatchSpans is how many spans of flushed traces wait to have their
// events built together: enough to share among the cores, few next to the
// window.
const buildBatchSpans = 8192

// emitPending builds the events of the flushed traces on GOMAXPROCS
// goroutines, then emits them trace by trace in flush order, so the output
// does not depend on the number of cores. A flushed trace's spans are no
// longer touched by the window, so the builders share nothing.
func (w *window) emitPending() error {
	batch := w.pending
	w.pending, w.pendingSpans = w.pending[:0], 0
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(batch)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(batch)); i = next.Add(1) - 1 {
				batch[i].build()
			}
		})
	}
	wg.Wait()
	for _, b := range batch {
		w.stats.Orphans += b.orphans
		if b.firstOrphan != nil {
			kind := warnOrphan
			if b.view.root == nil {
				kind = warnHeadless
				w.stats.HeadlessOrphans += b.orphans
			}
			w.stats.note(kind, b.firstOrphan)
		}
		w.stats.LostCallers += b.lostCallers
		if b.firstLost != nil {
			w.stats.note(warnLostCaller, b.firstLost)
		}
		w.stats.VirtualPeers += b.virtualPeers
		if w.emitTrace != nil {
			if err := w.emitTrace(b.spans[0].trace, b.events); err != nil {
				return err
			}
			w.stats.Events += int64(len(b.events))
			b.events = nil // handed on: not reused
			continue
		}
		for i := range b.events {
			if err := w.emit(b.events[i]); err != nil {
				return err
			}
			w.stats.Events++
		}
		// The events were handed on by value: the buffer is free. Its old
		// contents go, so that it holds no tags.
		clear(b.events)
		w.spare = append(w.spare, b.events[:0])
	}
	clear(batch)
	return nil
}

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

func (w *window) unlink(ref spanRef, s *span) {
	list := w.linkers[ref]
	for i, c := range list {
		if c == s {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(w.linkers, ref)
	} else {
		w.linkers[ref] = list
	}
}

// pair records a hop between a sending span (CLIENT, PRODUCER) and a
// receiving one (SERVER, CONSUMER), once.
func (w *window) pair(from, to *span) {
	for _, p := range to.partners {
		if p.id == from.id && p.service == from.service {
			return
		}
	}
	from.partners = append(from.partners, partnerOf(to))
	to.partners = append(to.partners, partnerOf(from))
	w.stats.Paired++
	if to.start < from.start {
		w.stats.Skewed++
		w.stats.note(warnSkew, to)
	}
}

func partnerOf(s *span) partner {
	return partner{kind: s.kind, service: s.service, id: s.id, channel: s.channel, system: s.system, msgType: s.msgType, start: s.start,
		err: s.err, errText: s.errText}
}

// traceView answers tree questions about one flushed trace.
type traceView struct {
	byID map[string][]*span
	root *span
}

// directParent is the span named by s.parent, or nil when it is not in the
// input. Of two spans sharing that id (Zipkin's shared CLIENT and SERVER),
// the SERVER is the parent: children of a shared span run on the server.
func (t *traceView) directParent(s *span) *span {
	var found *span
	for _, p := range t.byID[s.parent] {
		if p == s {
			continue
		}
		if found == nil || p.kind == kindServer {
			found = p
		}
	}
	return found
}

// parent is directParent, else the root for a span whose parent is missing:
// Zipkin attaches such spans to the root.
func (t *traceView) parent(s *span) *span {
	if s.parent == "" {
		return nil
	}
	if p := t.directParent(s); p != nil {
		return p
	}
	if t.root != nil && t.root != s {
		return t.root
	}
	return nil
}

// sharedSender is the sending half of a Zipkin shared span: its CLIENT,
// or a PRODUCER whose id a SERVER took (a message delivered by an HTTP
// push), which Zipkin's tree makes the SERVER's parent.
func (t *traceView) sharedSender(s *span) *span {
	var producer *span
	for _, c := range t.byID[s.id] {
		switch {
		case c == s:
		case c.kind == kindClient:
			return c
		case c.kind == kindProducer && producer == nil:
			producer = c
		}
	}
	return producer
}

// fillFromAncestors gives a span with no start time its nearest dated
// ancestor's start, else the trace's earliest, and a CLIENT, PRODUCER or
// INTERNAL span with no service its nearest named ancestor's service:
// those run in their parent's process. A SERVER or CONSUMER's parent is
// the caller, so it stays unknown_service.
func (t *traceView) fillFromAncestors(spans []*span) {
	earliest := int64(0)
	for _, s := range spans {
		if !s.noStart && (earliest == 0 || s.start < earliest) {
			earliest = s.start
		}
	}
	for _, s := range spans {
		if s.noStart {
			s.start = earliest
			for p, n := t.parent(s), 0; p != nil && n < maxAncestors; p, n = t.parent(p), n+1 {
				if !p.noStart {
					s.start = p.start
					break
				}
			}
		}
		if s.noService && s.kind != kindServer && s.kind != kindConsumer {
			for p, n := t.parent(s), 0; p != nil && n < maxAncestors; p, n = t.parent(p), n+1 {
				if !p.noService {
					s.service = p.service
					break
				}
				if p.kind == kindServer || p.kind == kindConsumer {
					// The nameless process was called here: above is
					// another process.
					break
				}
			}
		}
	}
}

// maxAncestors bounds every walk up a trace, which a cycle of parent ids
// would otherwise make endless.
const maxAncestors = 1024

// remoteAncestor is the nearest ancestor of s that is not INTERNAL, as
// Zipkin's DependencyLinker finds it.
func (t *traceView) remoteAncestor(s *span) *span {
	for p, n := t.parent(s), 0; p != nil && n < maxAncestors; p, n = t.parent(p), n+1 {
		if p.kind != kindInternal && !p.guessedKind {
			return p
		}
	}
	return nil
}

// callerAncestor is the service of the nearest ancestor of a SERVER span
// that runs in another service: the caller, when its CLIENT span is
// missing, as Zipkin's DependencyLinker takes it.
func (t *traceView) callerAncestor(s *span) string {
	for p, n := t.parent(s), 0; p != nil && n < maxAncestors; p, n = t.parent(p), n+1 {
		if p.service != s.service {
			return p.service
		}
	}
	return ""
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
	m := make(map[string]string, len(attrs)+1)
	for _, a := range attrs {
		m[truncate(a.k, opts.MaxTagBytes)] = truncate(a.v, opts.MaxTagBytes)
	}
	return m
}

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
