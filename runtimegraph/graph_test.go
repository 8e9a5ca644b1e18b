package runtimegraph

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPercentile(t *testing.T) {
	tests := []struct {
		vals     []int64
		p        float64
		want     int64
		describe string
	}{
		{nil, P50, 0, "empty"},
		{[]int64{7}, P50, 7, "one value"},
		{[]int64{7}, P95, 7, "one value p95"},
		{[]int64{1, 2, 3, 4}, P50, 2, "rank ceil(2) = 2"},
		{[]int64{1, 2, 3, 4, 5}, P50, 3, "rank ceil(2.5) = 3"},
		{[]int64{1, 2, 3, 4}, P95, 4, "rank ceil(3.8) = 4"},
		{[]int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200}, P95, 190, "rank ceil(19) = 19"},
		{[]int64{1, 2}, 0, 1, "p0 is the first"},
	}
	for _, tt := range tests {
		if got := Percentile(tt.vals, tt.p); got != tt.want {
			t.Errorf("%s: Percentile(%v, %v) = %d, want %d", tt.describe, tt.vals, tt.p, got, tt.want)
		}
	}
}

// TestHistPercentile: a flow's percentiles from its histogram are
// Percentile of its quantized durations sorted, negative ones too, after
// some are taken out again.
func TestHistPercentile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var h Histogram
		var vals []int64
		for range rng.IntN(300) + 1 {
			d := Quantize(rng.Int64N(1<<uint(rng.IntN(40))) - int64(rng.IntN(3)*rng.IntN(50)))
			h.Add(d, 1)
			vals = append(vals, d)
		}
		// Take some non-negative ones out, as Uncount does.
		for i := 0; i < len(vals); i++ {
			if vals[i] >= 0 && rng.IntN(4) == 0 && len(vals) > 1 {
				h.addIndex(BucketIndex(vals[i]), -1)
				vals = slices.Delete(vals, i, i+1)
				i--
			}
		}
		slices.Sort(vals)
		for _, p := range []float64{0, P50, P95, 1} {
			if got, want := h.percentile(int64(len(vals)), p), Percentile(vals, p); got != want {
				t.Fatalf("round %d, p%v of %v: %d, want %d", round, p, vals, got, want)
			}
		}
	}
	for _, d := range []int64{0, 15, 16, 17, 1000, 1 << 40, 1<<62 + 12345} {
		if q := Quantize(d); BucketValue(BucketIndex(d)) != q {
			t.Errorf("BucketValue(BucketIndex(%d)) = %d, want %d", d, BucketValue(BucketIndex(d)), q)
		}
	}
}

func TestQuantize(t *testing.T) {
	tests := []struct{ d, want int64 }{
		{-5, -5}, {0, 0}, {15, 15}, {16, 16}, {17, 16}, {31, 30}, {32, 32}, {35, 32}, {36, 36},
		{1000, 960}, {1234, 1152}, {1 << 40, 1 << 40}, {1<<40 - 1, 1<<40 - 1<<36}, {math.MaxInt64, 15 << 59},
	}
	for _, tt := range tests {
		if got := Quantize(tt.d); got != tt.want {
			t.Errorf("Quantize(%d) = %d, want %d", tt.d, got, tt.want)
		}
	}
	// Monotone and less than 12.5% below: what the package doc promises.
	prev := Quantize(0)
	for d := int64(1); d < 2_000_000; d += 1 + d/1000 {
		q := Quantize(d)
		if q < prev || q > d || float64(d-q) >= 0.125*float64(d) {
			t.Fatalf("Quantize(%d) = %d after %d", d, q, prev)
		}
		prev = q
	}
}

func graphOf(t *testing.T, evs []telemetry.Event, f Filter) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "events.jsonl")
	fixture.WriteJSONL(t, p, evs)
	g, st, err := FromFiles(context.Background(), []string{p}, f, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != int64(len(evs)) || st.Rejected != 0 {
		t.Fatalf("read %d rejected %d, want %d and 0", st.Read, st.Rejected, len(evs))
	}
	b, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGraphGolden checks the whole observed graph of the fixture: flows with
// stats, a dangling publish, a virtual peer, endpoints and services.
func TestGraphGolden(t *testing.T) {
	got := graphOf(t, fixture.Shop(110), Filter{})
	golden := filepath.Join("testdata", "shop.observed.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("observed graph differs from %s (run with -update and review the diff):\n%s", golden, got)
	}
}

// TestGraphDeterministic builds the graph with one and with several workers
// (merging per-worker builders) and from shuffled input: same bytes.
func TestGraphDeterministic(t *testing.T) {
	evs := fixture.Shop(5000)
	p := filepath.Join(t.TempDir(), "events.jsonl")
	fixture.WriteJSONL(t, p, evs)
	rev := make([]telemetry.Event, len(evs))
	for i, e := range evs {
		rev[len(evs)-1-i] = e
	}
	q := filepath.Join(t.TempDir(), "reversed.jsonl")
	fixture.WriteJSONL(t, q, rev)
	var outs [][]byte
	for _, c := range []struct {
		path    string
		workers int
	}{{p, 1}, {p, 4}, {q, 3}} {
		g, _, err := FromFiles(context.Background(), []string{c.path}, Filter{}, ReadOptions{Workers: c.workers})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := topology.Marshal(g)
		outs = append(outs, b)
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[0], outs[i]) {
			t.Errorf("graph %d differs from graph 0", i)
		}
	}
}

func TestGraphFilters(t *testing.T) {
	evs := fixture.Shop(1100)
	base := evs[0].Timestamp
	tests := []struct {
		name      string
		f         Filter
		wantFlows int
		check     func(g *topology.Graph) string
	}{
		{name: "all", f: Filter{}, wantFlows: 8},
		{name: "merchant", f: Filter{Where: []Tag{{"merchant_id", "4c5d6e7"}}}, wantFlows: 8, check: func(g *topology.Graph) string {
			for _, f := range g.Flows {
				if f.Kind == topology.KindReqRep && f.From == "merchant-api" && f.Stats.Count != 20 {
					return "merchant 4c5d6e7 should have 20 of the 100 traces"
				}
			}
			return ""
		}},
		{name: "unknown tag value", f: Filter{Where: []Tag{{"merchant_id", "nobody"}}}, wantFlows: 0},
		{name: "same key twice, two values", f: Filter{Where: []Tag{{"merchant_id", "m1"}, {"merchant_id", "m2"}}}, wantFlows: 0},
		{name: "empty window", f: Filter{Since: base.Add(-time.Hour), Until: base}, wantFlows: 0},
		{name: "first trace only", f: Filter{Since: base, Until: base.Add(11 * 1700 * time.Microsecond)}, wantFlows: 6, check: func(g *topology.Graph) string {
			for _, f := range g.Flows {
				if f.Stats.Count != 1 {
					return "each flow should count once in the first trace"
				}
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := topology.Decode(bytes.NewReader(graphOf(t, evs, tt.f)))
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Flows) != tt.wantFlows {
				t.Errorf("%d flows, want %d", len(g.Flows), tt.wantFlows)
			}
			if tt.check != nil {
				if msg := tt.check(g); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"24h", now.Add(-24 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"7d", now.AddDate(0, 0, -7), false},
		{"2026-11-20T08:00:00+01:00", time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC), false},
		{"2026-11-20", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), false},
		{"-3h", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"7x", time.Time{}, true},
		// The longest age a Duration holds, and one day past it, which
		// used to overflow into the future.
		{"106751d", now.Add(-106751 * 24 * time.Hour), false},
		{"106752d", time.Time{}, true},
		{"2562047h", now.Add(-2562047 * time.Hour), false},
		{"9999999999h", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, bad := range []string{"merchant_id", "=x", ""} {
		if _, err := ParseTag(bad); err == nil {
			t.Errorf("ParseTag(%q) accepted", bad)
		}
	}
	if tag, err := ParseTag("k=a=b"); err != nil || tag != (Tag{"k", "a=b"}) {
		t.Errorf("ParseTag(k=a=b) = %v, %v", tag, err)
	}
}

// TestReadFilesBadLines: every good line is read, the first 20 bad lines
// are named in order, all are counted, and an over-long line is one of them.
func TestReadFilesBadLines(t *testing.T) {
	evs := fixture.Shop(50)
	dir := t.TempDir()
	p := filepath.Join(dir, "events.jsonl")
	fixture.WriteJSONL(t, p, evs)
	good, _ := os.ReadFile(p)
	lines := strings.SplitAfter(string(good), "\n")
	var b strings.Builder
	var badLines []int
	n := 0
	for i, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(l)
		n++
		if i%2 == 0 {
			switch i % 3 {
			case 0:
				b.WriteString("{not json\n")
			case 1:
				b.WriteString(`{"event_id":"x","event_type":"consume","timestamp":"2026-11-24T10:00:00Z"}` + "\n")
			default:
				b.WriteString(`{"event_id":"` + strings.Repeat("x", telemetry.DefaultMaxLineBytes) + `"}` + "\n")
			}
			n++
			badLines = append(badLines, n)
		}
		if i == 3 {
			b.WriteString("   \n")
			n++
		}
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := ReadFiles(context.Background(), []string{p}, ReadOptions{}, func(int, *telemetry.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != int64(len(evs)) {
		t.Errorf("read %d, want %d", st.Read, len(evs))
	}
	if st.Rejected != int64(len(badLines)) {
		t.Errorf("rejected %d, want %d", st.Rejected, len(badLines))
	}
	if len(st.Bad) != DefaultMaxBad {
		t.Fatalf("%d bad lines named, want %d", len(st.Bad), DefaultMaxBad)
	}
	for i, le := range st.Bad {
		if le.File != p || le.Line != badLines[i] {
			t.Errorf("bad line %d is %s:%d, want %s:%d", i, le.File, le.Line, p, badLines[i])
		}
	}
}

func TestReadFilesMissing(t *testing.T) {
	_, err := ReadFiles(context.Background(), []string{filepath.Join(t.TempDir(), "nope.jsonl")}, ReadOptions{},
		func(int, *telemetry.Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("error %v, want one naming the file", err)
	}
}

// TestSelectFromFiles: the event query applies every filter and returns
// events in canonical order.
func TestSelectFromFiles(t *testing.T) {
	evs := fixture.Shop(1100)
	p := filepath.Join(t.TempDir(), "events.jsonl")
	fixture.WriteJSONL(t, p, evs)
	f := Filter{Service: "inventory", Status: telemetry.StatusError, EventType: telemetry.TypeConsume,
		Where: []Tag{{"merchant_id", "4c5d6e7"}}}
	got, _, err := SelectFromFiles(context.Background(), []string{p}, f, 0, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []telemetry.Event
	for _, e := range evs {
		if e.Service == "inventory" && e.Status == telemetry.StatusError && e.EventType == telemetry.TypeConsume && e.Tags["merchant_id"] == "4c5d6e7" {
			e.Normalize()
			want = append(want, e)
		}
	}
	if len(want) == 0 {
		t.Fatal("fixture has no failed inventory update for 4c5d6e7")
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].EventID != want[i].EventID {
			t.Errorf("event %d is %s, want %s", i, got[i].EventID, want[i].EventID)
		}
	}
	lim, _, err := SelectFromFiles(context.Background(), []string{p}, Filter{}, 3, ReadOptions{Workers: 2})
	if err != nil || len(lim) != 3 || lim[0].EventID != "ev-00000001" || lim[2].EventID != "ev-00000003" {
		t.Errorf("limit 3: %v events, err %v", len(lim), err)
	}
}

// A client span knows the path it called, the server its route: the
// request is the route's flow, not a dangling request beside it.
func TestRequestAnsweredByItsRoute(t *testing.T) {
	b := NewBuilder()
	for _, e := range []telemetry.Event{
		{EventType: telemetry.TypeRequest, Service: "pricing", PeerService: "fx", Channel: "GET /rates/EUR", System: "http"},
		{EventType: telemetry.TypeServe, Service: "fx", PeerService: "pricing", Channel: "GET /rates/{currency}", System: "http"},
		{EventType: telemetry.TypeRequest, Service: "pricing", Channel: "GET /other/EUR", System: "http"},
	} {
		b.Add(&e)
	}
	var got []string
	for _, f := range b.Graph().Flows {
		got = append(got, f.From+" -> "+f.To+" "+f.Channel)
	}
	want := []string{"pricing ->  GET /other/EUR", "pricing -> fx GET /rates/{currency}"}
	if !slices.Equal(got, want) {
		t.Errorf("flows %q, want %q", got, want)
	}
}

// TestNegativeDurationsMakeAValidGraph checks that events whose duration
// is negative (hand-made, or a clock that stepped back) give a graph that
// reads back: its percentiles count them as 0, never below.
func TestNegativeDurationsMakeAValidGraph(t *testing.T) {
	b := NewBuilder()
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i, d := range []int64{-40, -3, 12} {
		b.Add(&telemetry.Event{EventID: fmt.Sprint(i), EventType: telemetry.TypeConsume, Timestamp: at, Service: "b",
			PeerService: "a", Channel: "c", MessageType: "m", DurationUS: d, Status: telemetry.StatusOK})
	}
	g := b.Graph()
	if st := g.Flows[0].Stats; st.P50US != 0 || st.P95US != 12 {
		t.Errorf("p50 %d, p95 %d; want 0 and 12", st.P50US, st.P95US)
	}
	data, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topology.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("the observed graph does not read back: %v", err)
	}
}
