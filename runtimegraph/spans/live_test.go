package spans

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
	"github.com/tracegraph/tracegraph/telemetry"
)

// splitRequests cuts the spans of an OTLP/JSON export into requests of one
// to five spans, each with its own copy of the resource, in random order.
func splitRequests(t *testing.T, data []byte, seed uint64) [][]*tracepb.ResourceSpans {
	t.Helper()
	var all []*tracepb.ResourceSpans
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var td tracepb.TracesData
		if err := protojson.Unmarshal(line, &td); err != nil {
			t.Fatal(err)
		}
		if err := FixJSONIDs(td.ResourceSpans); err != nil {
			t.Fatal(err)
		}
		all = append(all, td.ResourceSpans...)
	}
	type one struct {
		rs *tracepb.ResourceSpans
		sp *tracepb.Span
	}
	var spans []one
	for _, rs := range all {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				spans = append(spans, one{rs, sp})
			}
		}
	}
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(spans), func(i, j int) { spans[i], spans[j] = spans[j], spans[i] })
	var reqs [][]*tracepb.ResourceSpans
	for len(spans) > 0 {
		n := min(1+r.IntN(5), len(spans))
		var req []*tracepb.ResourceSpans
		for _, o := range spans[:n] {
			rs := &tracepb.ResourceSpans{Resource: o.rs.Resource, ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{proto.Clone(o.sp).(*tracepb.Span)}}}}
			req = append(req, rs)
		}
		reqs = append(reqs, req)
		spans = spans[n:]
	}
	return reqs
}

func eventKeys(evs []telemetry.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.EventID+" "+e.EventType+" "+e.Service+" "+e.PeerService+" "+e.Channel+" "+e.Status)
	}
	slices.Sort(out)
	return out
}

// The spans of a file, cut into random requests in random order, give the
// events the file import gives.
func TestPairerEqualsRead(t *testing.T) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, 300); err != nil {
		t.Fatal(err)
	}
	var fromFile []telemetry.Event
	if _, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), "f", OTLPJSON, Options{}, func(e telemetry.Event) error {
		fromFile = append(fromFile, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := eventKeys(fromFile)
	for seed := range uint64(3) {
		var got []telemetry.Event
		traces := map[string]bool{}
		p := NewPairer(Options{}, func(trace string, evs []telemetry.Event) error {
			if traces[trace] {
				t.Errorf("trace %s emitted twice", trace)
			}
			traces[trace] = true
			for _, e := range evs {
				if e.TraceID != trace {
					t.Errorf("event of trace %s handed on with trace %s", e.TraceID, trace)
				}
			}
			got = append(got, evs...)
			return nil
		})
		now := time.Unix(1_800_000_000, 0)
		for _, req := range splitRequests(t, buf.Bytes(), seed) {
			s := p.Convert(req)
			if s.Rejected != 0 {
				t.Fatalf("rejected %d: %s", s.Rejected, s.Reason)
			}
			if err := p.Add(s, now); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Millisecond)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if g := eventKeys(got); !slices.Equal(g, want) {
			t.Errorf("seed %d: %d events, the file gives %d; first difference at %d", seed, len(g), len(want), firstDiff(g, want))
		}
	}
}

// Requests decoded by the protobuf walk, each trace's events built in the
// slices and tag maps of traces already recycled, give the file import's
// events, every field.
func TestConvertProtoEqualsRead(t *testing.T) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, 300); err != nil {
		t.Fatal(err)
	}
	var want []string
	if _, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), "f", OTLPJSON, Options{}, func(e telemetry.Event) error {
		want = append(want, eventJSON(t, e))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	var got []string
	var p *Pairer
	p = NewPairer(Options{}, func(_ string, evs []telemetry.Event) error {
		for _, e := range evs {
			got = append(got, eventJSON(t, e))
		}
		p.Recycle(evs)
		return nil
	})
	now := time.Unix(1_800_000_000, 0)
	// Traces whole in each request, so that expiring each at once changes
	// nothing and each is built in what the last one gave back.
	reqs := traceRequests(t, buf.Bytes())
	for _, req := range reqs {
		body, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: req})
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.ConvertProto(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Add(s, now); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
		if err := p.Expire(now.Add(-time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%d events, the file gives %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
}

// eventJSON is e as JSON, every field, to compare events whole.
func eventJSON(t *testing.T, e telemetry.Event) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// traceRequests cuts the spans of an OTLP/JSON export into one request a
// trace, each span with its own copy of its resource.
func traceRequests(t *testing.T, data []byte) [][]*tracepb.ResourceSpans {
	t.Helper()
	byTrace := map[string][]*tracepb.ResourceSpans{}
	var order []string
	for _, req := range splitRequests(t, data, 7) {
		for _, rs := range req {
			id := string(rs.ScopeSpans[0].Spans[0].TraceId)
			if byTrace[id] == nil {
				order = append(order, id)
			}
			byTrace[id] = append(byTrace[id], rs)
		}
	}
	var out [][]*tracepb.ResourceSpans
	for _, id := range order {
		out = append(out, byTrace[id])
	}
	return out
}

// Slices given back with Recycle are built in again, and the events built
// in them are those of a Pairer that recycles nothing, tags and all.
func TestPairerRecycle(t *testing.T) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, 300); err != nil {
		t.Fatal(err)
	}
	run := func(recycle bool) (events []string, reused int) {
		var handed [][]telemetry.Event
		given := map[*telemetry.Event]bool{}
		var p *Pairer
		p = NewPairer(Options{}, func(_ string, evs []telemetry.Event) error {
			if given[&evs[:1][0]] {
				reused++
			}
			for _, e := range evs {
				events = append(events, eventJSON(t, e))
			}
			handed = append(handed, evs)
			return nil
		})
		now := time.Unix(1_800_000_000, 0)
		for i, req := range splitRequests(t, buf.Bytes(), 1) {
			if err := p.Add(p.Convert(req), now); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Millisecond)
			// Both runs pair the same traces early (not as the file
			// would): what is compared is the two runs.
			if i%50 == 49 {
				if err := p.Expire(now.Add(-20 * time.Millisecond)); err != nil {
					t.Fatal(err)
				}
			}
			if recycle {
				// As a collector does once its writer has copied them.
				for _, evs := range handed {
					given[&evs[:1][0]] = true
					p.Recycle(evs)
				}
			}
			handed = handed[:0]
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(events)
		return events, reused
	}
	want, _ := run(false)
	got, reused := run(true)
	if reused == 0 {
		t.Error("no trace's events were built in a recycled slice")
	}
	if !slices.Equal(got, want) {
		t.Errorf("recycling: %d events, without: %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
}

// Recycle keeps no more room than maxSpareEvents, so that a burst of
// large traces is not held for good.
func TestPairerRecycleBound(t *testing.T) {
	p := NewPairer(Options{}, func(string, []telemetry.Event) error { return nil })
	p.Recycle(make([]telemetry.Event, 1, maxSpareEvents+1))
	if len(p.w.spare) != 0 {
		t.Fatal("kept a slice with more room than the bound")
	}
	for range 3 {
		p.Recycle(make([]telemetry.Event, 2, maxSpareEvents/2))
	}
	if len(p.w.spare) != 2 || p.w.spareEvents != maxSpareEvents {
		t.Errorf("kept %d slices, room %d; want 2, %d", len(p.w.spare), p.w.spareEvents, maxSpareEvents)
	}
	for _, b := range p.w.spare {
		if len(b) != 0 {
			t.Errorf("a kept slice has %d events", len(b))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Expire flushes only the traces idle since the time it is given.
func TestPairerExpire(t *testing.T) {
	var emitted []string
	p := NewPairer(Options{}, func(trace string, evs []telemetry.Event) error {
		emitted = append(emitted, trace)
		return nil
	})
	t0 := time.Unix(1_800_000_000, 0)
	// Trace 0 arrives at t0, trace 1 a minute later.
	for i := range 2 {
		var buf bytes.Buffer
		if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, i, i+1); err != nil {
			t.Fatal(err)
		}
		for _, req := range splitRequests(t, buf.Bytes(), 7) {
			if err := p.Add(p.Convert(req), t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.Expire(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(emitted) != 1 || p.Held() != spanstest.SpansPerTrace {
		t.Errorf("Expire(t0+1s) emitted %q and left %d spans held; want trace 0 only, %d held", emitted, p.Held(), spanstest.SpansPerTrace)
	}
	if err := p.Expire(t0.Add(2 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(emitted) != 2 || p.Held() != 0 {
		t.Errorf("after Expire(t0+2m): emitted %q, %d spans held; want both traces, none held", emitted, p.Held())
	}
}
