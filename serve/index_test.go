package serve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// randomEvents are n events with every field used: shared and equal
// timestamps, parents, several tags, virtual peers, errors and empty
// values, in no order, with a few duplicates.
func randomEvents(n int, seed uint64) []telemetry.Event {
	r := rand.New(rand.NewPCG(seed, 7))
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	var evs []telemetry.Event
	for i := range n {
		e := telemetry.Event{
			EventID:   fmt.Sprintf("e%05d", r.IntN(4*n)),
			TraceID:   fmt.Sprintf("t%d", r.IntN(n/8+1)),
			EventType: pick("publish", "consume", "request", "serve", "start", "complete", "error", "audit"),
			Timestamp: t0.Add(time.Duration(r.IntN(200)) * time.Millisecond).Add(time.Duration(r.IntN(3)) * time.Microsecond),
			Service:   pick("a", "b", "c", "d"), Operation: pick("", "Op1", "Op2"), Channel: pick("", "ch.x", "ch.y"),
			MessageType: pick("", "pkg.A", "pkg.B"), ReplyType: pick("", "pkg.R"), System: pick("", "kafka", "nats"),
			MessageID: pick("", fmt.Sprintf("m%d", r.IntN(n))), PeerService: pick("", "a", "b", "broker"),
			PeerVirtual: r.IntN(5) == 0, ServiceVirtual: r.IntN(7) == 0, DurationUS: int64(r.IntN(100000)),
			Status: pick("ok", "error"), Error: pick("", "", "boom", "timeout: \"x\""),
		}
		for range r.IntN(3) {
			e.ParentIDs = append(e.ParentIDs, fmt.Sprintf("m%d", r.IntN(n)))
		}
		if k := r.IntN(4); k > 0 {
			e.Tags = map[string]string{}
			for range k {
				e.Tags[pick("merchant_id", "region", "empty")] = pick("", "m1", "m2", "eu")
			}
		}
		evs = append(evs, e)
		if i%50 == 0 {
			evs = append(evs, e) // a duplicate, read once
		}
	}
	return evs
}

func writeEvents(t *testing.T, evs []telemetry.Event) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "events.jsonl")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := telemetry.NewWriter(f)
	for _, e := range evs {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// The index answers every filter with the very events, in the very order,
// and the very graph that reading the file answers.
func TestIndexMatchesFiles(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"testdata/events.jsonl", writeEvents(t, randomEvents(3000, 1))} {
		files, err := OpenFiles(ctx, []string{path}, FilesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		at := func(ms int) time.Time {
			return time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
		}
		filters := []runtimegraph.Filter{
			{},
			{Service: "b"}, {Service: "inventory"}, {Service: "nobody"},
			{Status: "error"}, {EventType: "consume", Channel: "ch.x"}, {MessageType: "pkg.B", Operation: "Op1"},
			{TraceID: "t3"}, {TraceID: "trace-a"}, {TraceID: "t3", Service: "a"}, {TraceID: "nope"},
			{Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "m1"}}},
			{Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "4c5d6e7"}}},
			{Where: []runtimegraph.Tag{{Key: "empty", Value: ""}}},
			{Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "m1"}, {Key: "region", Value: "eu"}}, Status: "error"},
			{Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "nobody"}}},
			{Since: at(50), Until: at(60)}, {Since: at(50).Add(500 * time.Nanosecond)}, {Until: at(100).Add(1500 * time.Nanosecond)},
			{Since: at(10), Service: "c", Where: []runtimegraph.Tag{{Key: "region", Value: "eu"}}},
			{Since: time.Date(2026, 11, 24, 10, 1, 0, 0, time.UTC), Until: time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)},
		}
		matched := 0
		for _, f := range filters {
			for _, limit := range []int{0, 1, 7, 501} {
				want, _, err := runtimegraph.SelectFromFiles(ctx, []string{path}, f, limit, runtimegraph.ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				got, err := files.Select(ctx, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) > 0 {
					matched++
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: Select(%+v, %d): %d events, want %d:\n%+v\n%+v", path, f, limit, len(got), len(want), first(got), first(want))
				}
			}
			wantG, _, err := runtimegraph.FromFiles(ctx, []string{path}, f, runtimegraph.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			gotG, err := files.Graph(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := topology.Marshal(gotG)
			b, _ := topology.Marshal(wantG)
			if string(a) != string(b) {
				t.Errorf("%s: Graph(%+v) differs:\n%s\n%s", path, f, a, b)
			}
		}
		if matched < len(filters) {
			t.Errorf("%s: only %d of %d queries matched any event: the comparison proves little", path, matched, 4*len(filters))
		}
	}
}

func first(evs []telemetry.Event) any {
	if len(evs) == 0 {
		return nil
	}
	return evs[0]
}

// BenchmarkFilesRoutes times the events page's and the trace page's
// requests over 200,000 events of bench/eventsgen's shape, answered from
// the index (bench/serve.sh drives 2 M of them with 50 clients).
func BenchmarkFilesRoutes(b *testing.B) {
	p := filepath.Join(b.TempDir(), "events.jsonl")
	if out, err := exec.Command("go", "run", "../bench/eventsgen", "-n", "200000", "-o", p).CombinedOutput(); err != nil {
		b.Fatalf("eventsgen: %v: %s", err, out)
	}
	files, err := OpenFiles(context.Background(), []string{p}, FilesOptions{})
	if err != nil {
		b.Fatal(err)
	}
	evs, err := files.Select(context.Background(), runtimegraph.Filter{}, 1)
	if err != nil || len(evs) == 0 {
		b.Fatal(err)
	}
	s := newTestServer(b, Options{Backend: files})
	for name, target := range map[string]string{
		"events":          "/api/events",
		"events-service":  "/api/events?service=" + evs[0].Service,
		"events-merchant": "/api/events?status=error&where=merchant_id%3D" + evs[0].Tags["merchant_id"],
		"events-none":     "/api/events?service=nobody",
		"trace":           "/api/trace/" + evs[0].TraceID,
	} {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", target, nil)
			for b.Loop() {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Body)
				}
			}
		})
	}
}
