package serve

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// index is every event of the files, read once, in canonical order (time,
// then event id), kept by column so that 2 M events fit in a few hundred
// megabytes instead of the gigabyte and more that as many telemetry.Event
// values and their tag maps take.
//
// The memory budget, per event: 8 bytes of time, 8 of duration, 4 for each
// of the ten short fields (type, service, operation, channel, message type,
// reply type, system, peer, status, error: each an index into one table of
// their distinct strings), 4 for the trace, 1 of flags, 4 of offset each
// for the event id and the message id and their text, 4 and the text for
// each parent id, 4 and 4 more for each tag, and 4 in each posting list
// (service, trace, tag): about 95 bytes and the ids, plus each distinct
// trace id and short value once. An event of bench/eventsgen takes about
// 170 bytes; its 2 M events, 335 MB. While building, the process takes
// about three times that at its peak, mostly the decoder's garbage.
//
// An index is never changed once built, so any number of requests read it
// at once without locks.
type index struct {
	n int
	// ts are the events' times in Unix microseconds (every event is
	// normalised to microseconds), in ascending order.
	ts  []int64
	dur []int64
	// The short fields, as indexes into strs.
	typ, svc, op, ch, mtype, reply, sys, peer, status, errText []uint32
	flags                                                      []uint8
	trace                                                      []uint32 // into traces
	id, msg                                                    strCol
	// traceRaw is each event's trace id while the index is built.
	traceRaw strCol
	// The parent ids of event i are parents[parentEnd[i-1]:parentEnd[i]].
	parentEnd []uint32
	parents   strCol
	// The tags of event i are tags[tagEnd[i-1]:tagEnd[i]], each an index
	// into pairs.
	tagEnd []uint32
	tags   []uint32

	strs   []string
	strID  map[string]uint32
	pairs  [][2]uint32 // key and value, into strs
	pairID map[[2]uint32]uint32
	// traces are the distinct trace ids in byte order: a buffer without
	// pointers, which the garbage collector need not scan, where a map of a
	// million trace ids would cost it a million strings.
	traces strCol

	// Posting lists: the events of each service, trace and tag pair, in
	// canonical order.
	bySvc, byTrace, byTag postings
}

const (
	flagPeerVirtual = 1 << iota
	flagServiceVirtual
)

// strCol is a column of one string per entry, all in one buffer.
type strCol struct {
	data []byte
	end  []uint32
}

func (c *strCol) add(s string) {
	c.data = append(c.data, s...)
	c.end = append(c.end, uint32(len(c.data)))
}

func (c *strCol) bytes(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = c.end[i-1]
	}
	return c.data[start:c.end[i]]
}

func (c *strCol) get(i int) string { return string(c.bytes(i)) }

// postings lists, for each value of a column, the events holding it: the
// events of value v are pos[start[v]:start[v+1]].
type postings struct {
	start, pos []uint32
}

func (p *postings) of(v uint32) []uint32 { return p.pos[p.start[v]:p.start[v+1]] }

// buildPostings groups positions 0..n-1 by their value (values < nvals,
// each position holding the values vals(i) gives): a counting sort, so
// each list is in ascending order.
func buildPostings(nvals, n int, vals func(i int, emit func(v uint32))) postings {
	p := postings{start: make([]uint32, nvals+1)}
	for i := range n {
		vals(i, func(v uint32) { p.start[v+1]++ })
	}
	for v := range nvals {
		p.start[v+1] += p.start[v]
	}
	p.pos = make([]uint32, p.start[nvals])
	next := slices.Clone(p.start[:nvals])
	for i := range n {
		vals(i, func(v uint32) { p.pos[next[v]] = uint32(i); next[v]++ })
	}
	return p
}

// maxIndexEvents keeps every offset of an index within its 32 bits.
const maxIndexEvents = math.MaxUint32 / 2

// indexBuilder collects events in the order the readers hand them over.
type indexBuilder struct {
	mu  sync.Mutex
	x   index
	err error
}

func newIndexBuilder() *indexBuilder {
	b := &indexBuilder{}
	b.x.strID = map[string]uint32{}
	b.x.pairID = map[[2]uint32]uint32{}
	b.x.intern("") // 0 is the empty string
	return b
}

func (x *index) intern(s string) uint32 {
	if id, ok := x.strID[s]; ok {
		return id
	}
	id := uint32(len(x.strs))
	x.strs = append(x.strs, s)
	x.strID[s] = id
	return id
}

// dataLimit is the most bytes a strCol may hold: offsets are 32 bits.
const dataLimit = math.MaxUint32

func (b *indexBuilder) add(e *telemetry.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	x := &b.x
	if x.n >= maxIndexEvents || len(x.id.data)+len(e.EventID) >= dataLimit ||
		len(x.msg.data)+len(e.MessageID) >= dataLimit || len(x.parents.data) >= dataLimit-1<<20 {
		return fmt.Errorf("more events than serve --events keeps in memory (%d); serve them from PostgreSQL (--db)", x.n)
	}
	x.n++
	x.ts = append(x.ts, e.Timestamp.UnixMicro())
	x.dur = append(x.dur, e.DurationUS)
	x.typ = append(x.typ, x.intern(e.EventType))
	x.svc = append(x.svc, x.intern(e.Service))
	x.op = append(x.op, x.intern(e.Operation))
	x.ch = append(x.ch, x.intern(e.Channel))
	x.mtype = append(x.mtype, x.intern(e.MessageType))
	x.reply = append(x.reply, x.intern(e.ReplyType))
	x.sys = append(x.sys, x.intern(e.System))
	x.peer = append(x.peer, x.intern(e.PeerService))
	x.status = append(x.status, x.intern(e.Status))
	x.errText = append(x.errText, x.intern(e.Error))
	var fl uint8
	if e.PeerVirtual {
		fl |= flagPeerVirtual
	}
	if e.ServiceVirtual {
		fl |= flagServiceVirtual
	}
	x.flags = append(x.flags, fl)
	x.traceRaw.add(e.TraceID)
	x.id.add(e.EventID)
	x.msg.add(e.MessageID)
	for _, p := range e.ParentIDs {
		x.parents.add(p)
	}
	x.parentEnd = append(x.parentEnd, uint32(len(x.parents.end)))
	for k, v := range e.Tags {
		kv := [2]uint32{x.intern(k), x.intern(v)}
		id, ok := x.pairID[kv]
		if !ok {
			id = uint32(len(x.pairs))
			x.pairs = append(x.pairs, kv)
			x.pairID[kv] = id
		}
		x.tags = append(x.tags, id)
	}
	x.tagEnd = append(x.tagEnd, uint32(len(x.tags)))
	return nil
}

// finish puts the events in canonical order and builds the posting lists.
func (b *indexBuilder) finish() *index {
	x := &b.x
	perm := make([]uint32, x.n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	slices.SortFunc(perm, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(x.ts[a], x.ts[b]), bytes.Compare(x.id.bytes(int(a)), x.id.bytes(int(b))), cmp.Compare(a, b))
	})
	x.ts, x.dur = permute(x.ts, perm), permute(x.dur, perm)
	for _, col := range []*[]uint32{&x.typ, &x.svc, &x.op, &x.ch, &x.mtype, &x.reply, &x.sys, &x.peer, &x.status, &x.errText} {
		*col = permute(*col, perm)
	}
	x.flags = permute(x.flags, perm)
	x.id, x.msg, x.traceRaw = x.id.permute(perm), x.msg.permute(perm), x.traceRaw.permute(perm)
	x.parentEnd, x.parents = permuteLists(x.parentEnd, perm, &x.parents)
	tags := make([]uint32, 0, len(x.tags))
	ends := make([]uint32, 0, x.n)
	for _, i := range perm {
		tags = append(tags, x.tags[listStart(x.tagEnd, int(i)):x.tagEnd[i]]...)
		ends = append(ends, uint32(len(tags)))
	}
	x.tags, x.tagEnd = tags, ends

	x.bySvc = buildPostings(len(x.strs), x.n, func(i int, emit func(uint32)) { emit(x.svc[i]) })
	x.buildTraces(perm)
	x.byTag = buildPostings(len(x.pairs), x.n, func(i int, emit func(uint32)) {
		for _, t := range x.tags[listStart(x.tagEnd, i):x.tagEnd[i]] {
			emit(t)
		}
	})
	return x
}

// buildTraces numbers the distinct trace ids in byte order and lists each
// trace's events, reusing perm (no longer needed) for the list.
func (x *index) buildTraces(perm []uint32) {
	for i := range perm {
		perm[i] = uint32(i)
	}
	slices.SortFunc(perm, func(a, b uint32) int {
		return cmp.Or(bytes.Compare(x.traceRaw.bytes(int(a)), x.traceRaw.bytes(int(b))), cmp.Compare(a, b))
	})
	x.trace = make([]uint32, x.n)
	x.byTrace = postings{pos: perm}
	var last []byte
	for k, i := range perm {
		id := x.traceRaw.bytes(int(i))
		if k == 0 || !bytes.Equal(id, last) {
			x.traces.data = append(x.traces.data, id...)
			x.traces.end = append(x.traces.end, uint32(len(x.traces.data)))
			x.byTrace.start = append(x.byTrace.start, uint32(k))
			last = id
		}
		x.trace[i] = uint32(len(x.traces.end) - 1)
	}
	x.byTrace.start = append(x.byTrace.start, uint32(x.n))
	x.traceRaw = strCol{}
}

// findTrace is the number of a trace id, if any event has it.
func (x *index) findTrace(id string) (uint32, bool) {
	n := len(x.traces.end)
	k := sort.Search(n, func(k int) bool { return string(x.traces.bytes(k)) >= id })
	return uint32(k), k < n && string(x.traces.bytes(k)) == id
}

func listStart(end []uint32, i int) uint32 {
	if i == 0 {
		return 0
	}
	return end[i-1]
}

func permute[T any](col []T, perm []uint32) []T {
	out := make([]T, len(col))
	for k, i := range perm {
		out[k] = col[i]
	}
	return out
}

func (c strCol) permute(perm []uint32) strCol {
	out := strCol{data: make([]byte, 0, len(c.data)), end: make([]uint32, 0, len(c.end))}
	for _, i := range perm {
		out.data = append(out.data, c.bytes(int(i))...)
		out.end = append(out.end, uint32(len(out.data)))
	}
	return out
}

// permuteLists reorders the lists of a list column (ends into col).
func permuteLists(end []uint32, perm []uint32, col *strCol) ([]uint32, strCol) {
	out := strCol{data: make([]byte, 0, len(col.data)), end: make([]uint32, 0, len(col.end))}
	ends := make([]uint32, 0, len(end))
	for _, i := range perm {
		for k := listStart(end, int(i)); k < end[i]; k++ {
			out.data = append(out.data, col.bytes(int(k))...)
			out.end = append(out.end, uint32(len(out.data)))
		}
		ends = append(ends, uint32(len(out.end)))
	}
	return ends, out
}

// readIndex reads the files into an index. A bad line is an error naming
// the first bad lines by file:line.
func readIndex(ctx context.Context, paths []string, opt runtimegraph.ReadOptions) (*index, error) {
	b := newIndexBuilder()
	st, err := runtimegraph.ReadFiles(ctx, paths, opt, func(_ int, e *telemetry.Event) error { return b.add(e) })
	if err != nil {
		return nil, err
	}
	if st.Rejected > 0 {
		return nil, badLinesError(st)
	}
	return b.finish(), nil
}

// query is a Filter resolved against one index.
type query struct {
	// none says no event can match: a value the index never saw.
	none    bool
	lo, hi  int // the window, as positions
	trace   int // -1 for any
	svc     int
	typ     int
	status  int
	ch      int
	mtype   int
	op      int
	tagKeys []uint32 // every tag pair the events must hold
}

func (x *index) compile(f *runtimegraph.Filter) query {
	q := query{trace: -1}
	q.lo = sort.Search(x.n, func(k int) bool { return f.Since.IsZero() || !time.UnixMicro(x.ts[k]).Before(f.Since) })
	q.hi = x.n
	if !f.Until.IsZero() {
		q.hi = sort.Search(x.n, func(k int) bool { return !time.UnixMicro(x.ts[k]).Before(f.Until) })
	}
	field := func(s string) int {
		if s == "" {
			return -1
		}
		id, ok := x.strID[s]
		if !ok {
			q.none = true
		}
		return int(id)
	}
	q.svc, q.typ, q.status = field(f.Service), field(f.EventType), field(f.Status)
	q.ch, q.mtype, q.op = field(f.Channel), field(f.MessageType), field(f.Operation)
	if f.TraceID != "" {
		t, ok := x.findTrace(f.TraceID)
		q.none = q.none || !ok
		q.trace = int(t)
	}
	for _, t := range f.Where {
		k, okK := x.strID[t.Key]
		v, okV := x.strID[t.Value]
		id, ok := x.pairID[[2]uint32{k, v}]
		if !okK || !okV || !ok {
			q.none = true
			break
		}
		q.tagKeys = append(q.tagKeys, id)
	}
	return q
}

// scan calls fn with the position of each event q selects, in canonical
// order, until fn returns false or ctx ends (checked every 65,536 events,
// and returned). It walks the shortest posting list among the trace, the
// service and the tags, or the window when there is none.
func (x *index) scan(ctx context.Context, q *query, fn func(i int) bool) error {
	var err error
	n := 0
	x.walk(q, func(i int) bool {
		if n++; n%65536 == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		return fn(i)
	})
	return err
}

func (x *index) walk(q *query, fn func(i int) bool) {
	if q.none || q.lo >= q.hi {
		return
	}
	var list []uint32
	use := func(l []uint32) {
		if list == nil || len(l) < len(list) {
			list = l
		}
	}
	if q.trace >= 0 {
		use(x.byTrace.of(uint32(q.trace)))
	}
	if q.svc >= 0 {
		use(x.bySvc.of(uint32(q.svc)))
	}
	for _, t := range q.tagKeys {
		use(x.byTag.of(t))
	}
	if list == nil && (q.trace >= 0 || q.svc >= 0 || len(q.tagKeys) > 0) {
		return // an empty posting list
	}
	if list != nil {
		from, _ := slices.BinarySearch(list, uint32(q.lo))
		for _, p := range list[from:] {
			if int(p) >= q.hi {
				return
			}
			if x.match(q, int(p)) && !fn(int(p)) {
				return
			}
		}
		return
	}
	for i := q.lo; i < q.hi; i++ {
		if x.match(q, i) && !fn(i) {
			return
		}
	}
}

func (x *index) match(q *query, i int) bool {
	eq := func(want int, got []uint32) bool { return want < 0 || uint32(want) == got[i] }
	if !eq(q.trace, x.trace) || !eq(q.svc, x.svc) || !eq(q.typ, x.typ) || !eq(q.status, x.status) ||
		!eq(q.ch, x.ch) || !eq(q.mtype, x.mtype) || !eq(q.op, x.op) {
		return false
	}
	if len(q.tagKeys) == 0 {
		return true
	}
	tags := x.tags[listStart(x.tagEnd, i):x.tagEnd[i]]
	for _, t := range q.tagKeys {
		if !slices.Contains(tags, t) {
			return false
		}
	}
	return true
}

// event is the event at position i, whole.
func (x *index) event(i int) telemetry.Event {
	e := x.graphEvent(i)
	e.EventID = x.id.get(i)
	e.TraceID = x.traces.get(int(x.trace[i]))
	e.Operation = x.strs[x.op[i]]
	e.MessageID = x.msg.get(i)
	e.Error = x.strs[x.errText[i]]
	if from, to := listStart(x.parentEnd, i), x.parentEnd[i]; to > from {
		e.ParentIDs = make([]string, 0, to-from)
		for k := from; k < to; k++ {
			e.ParentIDs = append(e.ParentIDs, x.parents.get(int(k)))
		}
	}
	if tags := x.tags[listStart(x.tagEnd, i):x.tagEnd[i]]; len(tags) > 0 {
		e.Tags = make(map[string]string, len(tags))
		for _, t := range tags {
			e.Tags[x.strs[x.pairs[t][0]]] = x.strs[x.pairs[t][1]]
		}
	}
	return e
}

// graphEvent is the event at position i with the fields the observed
// graph reads.
func (x *index) graphEvent(i int) telemetry.Event {
	return telemetry.Event{
		EventType: x.strs[x.typ[i]], Timestamp: time.UnixMicro(x.ts[i]).UTC(), Service: x.strs[x.svc[i]],
		Channel: x.strs[x.ch[i]], MessageType: x.strs[x.mtype[i]], ReplyType: x.strs[x.reply[i]],
		System: x.strs[x.sys[i]], PeerService: x.strs[x.peer[i]], PeerVirtual: x.flags[i]&flagPeerVirtual != 0,
		ServiceVirtual: x.flags[i]&flagServiceVirtual != 0, DurationUS: x.dur[i], Status: x.strs[x.status[i]],
	}
}

// selectEvents returns the events passing f in canonical order; limit > 0
// keeps the first limit.
func (x *index) selectEvents(ctx context.Context, f runtimegraph.Filter, limit int) ([]telemetry.Event, error) {
	q := x.compile(&f)
	var out []telemetry.Event
	err := x.scan(ctx, &q, func(i int) bool {
		out = append(out, x.event(i))
		return limit <= 0 || len(out) < limit
	})
	return out, err
}

// graph builds the observed graph of the events passing f's window and
// tags.
func (x *index) graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	gf := f.GraphOnly()
	q := x.compile(&gf)
	b := runtimegraph.NewBuilder()
	err := x.scan(ctx, &q, func(i int) bool {
		e := x.graphEvent(i)
		b.Add(&e)
		return true
	})
	if err != nil {
		return nil, err
	}
	return b.Graph(), nil
}
