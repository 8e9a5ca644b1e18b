package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// Both stores serve the explorer.
var (
	_ Backend = (*Files)(nil)
	_ Backend = (*pgstore.Store)(nil)
)

const skuUpdated = "github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg.SkuUpdated"

// now is the test clock: relative windows count back from an hour after
// the last fixture event.
var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newTestServer(t testing.TB, opt Options) *Server {
	t.Helper()
	if opt.Backend == nil {
		files, err := OpenFiles(context.Background(), []string{"testdata/events.jsonl"}, FilesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opt.Backend = files
	}
	opt.Now = func() time.Time { return now }
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get requests target and decodes the JSON body into v (when not nil). It
// fails the test when the code differs from want.
func get(t *testing.T, h http.Handler, target string, want int, v any) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != want {
		t.Fatalf("GET %s: status %d, want %d; body %s", target, rec.Code, want, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(target, "/api/") && !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, want JSON", target, ct)
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v in %s", target, err, rec.Body)
		}
	}
	return rec
}

// jsonError reports whether body is an API error with a message.
func jsonError(body []byte) bool {
	var e apiError
	return json.Unmarshal(body, &e) == nil && e.Error != ""
}

func TestInfo(t *testing.T) {
	var info infoResponse
	get(t, newTestServer(t, Options{Describe: "fixture"}), "/api/info", 200, &info)
	if info.Describe != "fixture" || info.Declared || info.Source != topology.SourceObserved || len(info.Views) != 3 {
		t.Errorf("info = %+v", info)
	}
	// Without presets the list is there, and empty: the page adds only
	// questions that fit any system.
	if info.Presets == nil || len(info.Presets) != 0 {
		t.Errorf("presets = %#v, want an empty list", info.Presets)
	}
}

func TestInfoPresets(t *testing.T) {
	q := url.Values{"service": {"inventory"}, "status": {"error"}, "where": {"merchant_id=4c5d6e7"}}
	s := newTestServer(t, Options{Presets: []Preset{{Label: "Failed inventory updates for merchant 4c5d6e7", Query: q}}})
	var info infoResponse
	get(t, s, "/api/info", 200, &info)
	want := []presetJSON{{Label: "Failed inventory updates for merchant 4c5d6e7", Page: "events",
		Query: "service=inventory&status=error&where=merchant_id%3D4c5d6e7"}}
	if !slices.Equal(info.Presets, want) {
		t.Errorf("presets = %+v, want %+v", info.Presets, want)
	}
	// The preset's query is one the events route answers.
	var evs eventsResponse
	get(t, s, "/api/events?"+info.Presets[0].Query, 200, &evs)
	if len(evs.Events) == 0 {
		t.Error("the preset's query finds no events")
	}
}

// TestBadPreset: a preset /api/events would refuse is an error at start,
// not a link that fails when clicked.
func TestBadPreset(t *testing.T) {
	for _, tt := range []struct {
		p    Preset
		want string
	}{
		{Preset{Label: "x", Query: url.Values{"servce": {"a"}}}, `unknown parameter "servce"`},
		{Preset{Label: "x", Query: url.Values{"since": {"yesterday"}}}, `bad since "yesterday"`},
		{Preset{Label: "x", Query: url.Values{"limit": {"0"}}}, `bad limit "0"`},
		{Preset{Label: "x", Query: url.Values{"status": {"error", "ok"}}}, `"status" given 2 times`},
		{Preset{Label: " ", Query: url.Values{"status": {"error"}}}, "no label"},
	} {
		_, err := New(Options{Backend: failing{}, Presets: []Preset{tt.p}})
		if !errors.Is(err, ErrBadPreset) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New with preset %+v: %v, want ErrBadPreset saying %q", tt.p, err, tt.want)
		}
	}
}

// TestGraphEmpty: a graph with no flows says why, and names the store.
func TestGraphEmpty(t *testing.T) {
	s := newTestServer(t, Options{Describe: "fixture"})
	for _, tt := range []struct{ query, empty string }{
		{"", ""},
		{"since=2020-01-01&until=2020-01-02", "window"},
		{"since=2026-11-24T12:00:00Z", "window"},
		{"where=merchant_id%3Dnobody", "filter"},
		{"since=2026-11-24T10:00:00Z&until=2026-11-24T10:00:00.001Z", "flows"}, // only a start event
	} {
		var resp graphResponse
		get(t, s, "/api/graph?"+tt.query, 200, &resp)
		if resp.Empty != tt.empty || (tt.empty != "") != (resp.Describe == "fixture") {
			t.Errorf("%s: empty %q describe %q, want empty %q", tt.query, resp.Empty, resp.Describe, tt.empty)
		}
		if tt.empty != "" && len(resp.Graph.Flows) != 0 {
			t.Errorf("%s: empty %q with %d flows", tt.query, resp.Empty, len(resp.Graph.Flows))
		}
	}
}

func flowOf(t *testing.T, g *topology.Graph, from, to, channel string) topology.Flow {
	t.Helper()
	for _, f := range g.Flows {
		if f.From == from && f.To == to && f.Channel == channel {
			return f
		}
	}
	t.Fatalf("no flow %s -> %s on %s in %+v", from, to, channel, g.Flows)
	return topology.Flow{}
}

func nodeIDs(v viewJSON) []string {
	var ids []string
	for _, n := range v.Nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

func TestGraph(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		name   string
		query  string
		nodes  []string
		count  int64 // of catalog -> inventory on sku.updated
		errors int64
	}{
		{"all", "", []string{"ch:audit.log", "svc:audit", "svc:catalog", "svc:inventory", "svc:merchant-api", "svc:pricing"}, 2, 1},
		{"window", "?since=2026-11-24T10:01:00Z&until=2026-11-24T10:30:00Z",
			[]string{"svc:catalog", "svc:inventory", "svc:merchant-api", "svc:pricing"}, 1, 0},
		{"relative window", "?since=2h", []string{"ch:audit.log", "svc:audit", "svc:catalog", "svc:inventory", "svc:merchant-api", "svc:pricing"}, 2, 1},
		{"tag", "?where=merchant_id%3D4c5d6e7", []string{"ch:audit.log", "svc:audit", "svc:catalog", "svc:inventory", "svc:merchant-api", "svc:pricing"}, 1, 1},
		{"focus", "?focus=inventory&depth=1", []string{"svc:catalog", "svc:inventory"}, 2, 1},
		{"messages view", "?view=messages&where=merchant_id%3D9e8d7c6",
			[]string{"msg:" + skuUpdated, "msg:github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg.UpdateSku",
				"svc:catalog", "svc:inventory", "svc:merchant-api", "svc:pricing"}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp graphResponse
			get(t, s, "/api/graph"+tt.query, 200, &resp)
			if got := nodeIDs(resp.View); !slices.Equal(got, tt.nodes) {
				t.Errorf("nodes = %q, want %q", got, tt.nodes)
			}
			f := flowOf(t, resp.Graph, "catalog", "inventory", "sku.updated")
			if f.Stats.Count != tt.count || f.Stats.Errors != tt.errors {
				t.Errorf("catalog->inventory stats = %+v, want count %d errors %d", f.Stats, tt.count, tt.errors)
			}
			// Every edge's flows are indexes into the graph's flows.
			for _, e := range resp.View.Edges {
				for _, i := range e.Flows {
					if i < 0 || i >= len(resp.Graph.Flows) {
						t.Errorf("edge %s indexes flow %d of %d", e.ID, i, len(resp.Graph.Flows))
					}
				}
			}
		})
	}
}

func TestGraphWindowEcho(t *testing.T) {
	var resp graphResponse
	get(t, newTestServer(t, Options{}), "/api/graph?since=24h&where=a%3Db", 200, &resp)
	if resp.Window.Since != "2026-11-23T12:00:00Z" || resp.Window.Until != "" || !slices.Equal(resp.Window.Where, []string{"a=b"}) {
		t.Errorf("window = %+v", resp.Window)
	}
	if len(resp.Graph.Flows) != 0 || resp.Graph.Flows == nil {
		t.Errorf("a tag nobody has must give an empty (not null) flow list, got %v", resp.Graph.Flows)
	}
}

// TestBadParams checks that every route answers a bad parameter with a 400
// (or a 404 for what does not exist) and a message naming the problem.
func TestBadParams(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		target string
		code   int
		msg    string
	}{
		{"/api/graph?view=bogus", 400, `unknown view "bogus"`},
		{"/api/graph?since=yesterday", 400, `bad since "yesterday"`},
		{"/api/graph?until=2026-13-01", 400, `bad until "2026-13-01"`},
		{"/api/graph?since=-5h", 400, `bad since "-5h"`},
		{"/api/graph?since=2026-11-24T11:00:00Z&until=2026-11-24T10:00:00Z", 400, "empty window: until"},
		{"/api/graph?where=merchant_id", 400, `bad where "merchant_id" (want key=value`},
		{"/api/graph?where=%3Dx", 400, `bad where "=x"`},
		{"/api/graph?focus=nobody", 400, `no service "nobody"`},
		{"/api/graph?focus=catalog&depth=-1", 400, `bad depth "-1"`},
		{"/api/graph?focus=catalog&depth=x", 400, `bad depth "x"`},
		{"/api/graph?depth=2", 400, "depth needs focus"},
		{"/api/graph?veiw=services", 400, `unknown parameter "veiw"`},
		{"/api/graph?view=services&view=messages", 400, `parameter "view" given 2 times`},
		{"/api/graph?since=%zz", 400, "bad query string"},
		{"/api/diff", 404, "no declared graph"},
		{"/api/events?limit=0", 400, `bad limit "0"`},
		{"/api/events?limit=100000", 400, `bad limit "100000"`},
		{"/api/events?until=soon", 400, `bad until "soon"`},
		{"/api/events?where=", 400, `bad where ""`},
		{"/api/events?tracе_id=x", 400, "unknown parameter"},
		{"/api/flow/traces?kind=stream&from=a&channel=c", 400, `bad kind "stream"`},
		{"/api/flow/traces?kind=pubsub&channel=c", 400, "needs from or to"},
		{"/api/flow/traces?kind=pubsub&from=a&limit=1000", 400, `bad limit "1000"`},
		{"/api/flow/traces?kind=pubsub&from=a&since=x", 400, `bad since "x"`},
		{"/api/flow/traces?kind=pubsub&from=a&last_seen=today", 400, `bad last_seen "today"`},
		{"/api/trace/no-such-trace", 404, `no trace "no-such-trace"`},
		{"/api/trace/" + strings.Repeat("a", 300), 400, "too long"},
		{"/api/trace/trace-a?x=1", 400, `unknown parameter "x"`},
		{"/api/info?x=1", 400, `unknown parameter "x" (this route takes no parameters)`},
		{"/api/nothing", 404, "no API route GET /api/nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			var e apiError
			get(t, s, tt.target, tt.code, &e)
			if !strings.Contains(e.Error, tt.msg) {
				t.Errorf("error %q does not say %q", e.Error, tt.msg)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	declared := topology.New(topology.SourceStatic)
	declared.Endpoints = []topology.Endpoint{
		{Service: "catalog", Role: topology.RolePublish, Channel: "sku.updated", MessageType: skuUpdated,
			Evidence: []topology.Evidence{{File: "examples/shop/catalog/catalog.go", Line: 34}}},
		{Service: "inventory", Role: topology.RoleSubscribe, Channel: "sku.updated", MessageType: skuUpdated,
			Evidence: []topology.Evidence{{File: "examples/shop/inventory/inventory.go", Line: 42}}},
		{Service: "search-indexer", Role: topology.RoleSubscribe, Channel: "sku.updated", MessageType: skuUpdated},
	}
	declared.Flows = topology.DeriveFlows(declared.Endpoints)
	declared.Normalize()
	s := newTestServer(t, Options{Declared: declared, Compare: func(d, o *topology.Graph) *topology.Graph {
		return diff.Compare(d, o, diff.Options{})
	}})
	var info infoResponse
	get(t, s, "/api/info", 200, &info)
	if !info.Declared || info.Source != topology.SourceDiff {
		t.Errorf("info = %+v", info)
	}
	var resp graphResponse
	get(t, s, "/api/diff", 200, &resp)
	if resp.Source != topology.SourceDiff {
		t.Errorf("source = %q", resp.Source)
	}
	for _, want := range []struct{ from, to, status string }{
		{"catalog", "inventory", topology.StatusConverged},
		{"catalog", "pricing", topology.StatusUndeclared},
		{"catalog", "search-indexer", topology.StatusUnobserved},
	} {
		f := flowOf(t, resp.Graph, want.from, want.to, "sku.updated")
		if f.Status != want.status {
			t.Errorf("%s -> %s: status %q, want %q", want.from, want.to, f.Status, want.status)
		}
		if want.status == topology.StatusConverged && (len(f.Evidence) != 2 || f.Stats == nil) {
			t.Errorf("converged flow lacks evidence or stats: %+v", f)
		}
	}
	statuses := map[string]bool{}
	for _, e := range resp.View.Edges {
		statuses[e.Status] = true
	}
	for _, st := range []string{topology.StatusConverged, topology.StatusUndeclared, topology.StatusUnobserved} {
		if !statuses[st] {
			t.Errorf("no %s edge in the view: %+v", st, resp.View.Edges)
		}
	}
	var e apiError
	get(t, s, "/api/diff?view=nope", 400, &e)
}

func TestEvents(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		query     string
		ids       []string // event id suffixes
		truncated bool
	}{
		{"?service=inventory&status=error&where=merchant_id%3D4c5d6e7", []string{"05"}, false},
		{"?service=inventory&status=error&where=merchant_id%3D9e8d7c6", nil, false},
		{"?type=complete", []string{"07", "14"}, false},
		{"?type=complete&limit=1", []string{"07"}, true},
		{"?trace_id=trace-b&channel=sku.updated&type=consume", []string{"12", "13"}, false},
		{"?message_type=example.com/audit.Entry", []string{"15"}, false},
		{"?operation=Reprice&since=2026-11-24T10:01:00Z", []string{"13"}, false},
		{"?where=merchant_id%3D4c5d6e7&where=nope%3D1", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var resp eventsResponse
			get(t, s, "/api/events"+tt.query, 200, &resp)
			var ids []string
			for _, e := range resp.Events {
				ids = append(ids, e.EventID[len(e.EventID)-2:])
			}
			if !slices.Equal(ids, tt.ids) || resp.Truncated != tt.truncated {
				t.Errorf("events %q truncated %v, want %q truncated %v", ids, resp.Truncated, tt.ids, tt.truncated)
			}
			if resp.Events == nil {
				t.Error("events must be a list, not null")
			}
		})
	}
}

func TestFlowTraces(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		query  string
		traces []string
	}{
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&message_type=" + skuUpdated, []string{"trace-b", "trace-a"}},
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&message_type=" + skuUpdated + "&limit=1", []string{"trace-b"}},
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&message_type=" + skuUpdated + "&where=merchant_id%3D4c5d6e7", []string{"trace-a"}},
		{"kind=pubsub&from=merchant-api&to=inventory&channel=sku.updated", nil},
		{"kind=reqrep&from=merchant-api&to=catalog&channel=catalog.update-sku", []string{"trace-b", "trace-a"}},
		{"kind=pubsub&from=audit&channel=audit.log", []string{"trace-c"}},
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&system=kafka", nil},
		// With the flow's last sight, the search starts there and widens.
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&last_seen=2026-11-24T10:05:00.004Z", []string{"trace-b", "trace-a"}},
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&last_seen=2026-11-24T10:05:00.004Z&limit=1", []string{"trace-b"}},
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&last_seen=2026-11-24T10:00:00.004Z", []string{"trace-a"}},
		{"kind=pubsub&from=catalog&to=inventory&channel=sku.updated&last_seen=2026-11-24T10:05:00.004Z&since=2026-11-24T10:01:00Z", []string{"trace-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var resp flowTracesResponse
			get(t, s, "/api/flow/traces?"+tt.query, 200, &resp)
			var ids []string
			for _, r := range resp.Traces {
				ids = append(ids, r.TraceID)
			}
			if !slices.Equal(ids, tt.traces) {
				t.Errorf("traces %q, want %q", ids, tt.traces)
			}
		})
	}
}

func TestSearchBack(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	last := at("2026-11-24T10:00:00Z")
	end := last.Add(time.Microsecond)
	tests := []struct {
		name     string
		f        runtimegraph.Filter
		lastSeen time.Time
		want     [][2]time.Time // since, until of each window
	}{
		{"no end known: one query", runtimegraph.Filter{}, time.Time{}, [][2]time.Time{{}}},
		{"from the last sight back", runtimegraph.Filter{}, last, [][2]time.Time{
			{end.Add(-time.Minute), end}, {end.Add(-32 * time.Minute), end}, {end.Add(-1024 * time.Minute), end},
			{end.Add(-32768 * time.Minute), end}, {end.Add(-1048576 * time.Minute), end}, {time.Time{}, end}}},
		{"never before since", runtimegraph.Filter{Since: last.Add(-time.Hour)}, last, [][2]time.Time{
			{end.Add(-time.Minute), end}, {end.Add(-32 * time.Minute), end}, {last.Add(-time.Hour), end}}},
		{"until before the last sight", runtimegraph.Filter{Until: last.Add(-time.Hour), Since: last.Add(-2 * time.Hour)}, last, [][2]time.Time{
			{last.Add(-time.Hour - time.Minute), last.Add(-time.Hour)}, {last.Add(-time.Hour - 32*time.Minute), last.Add(-time.Hour)},
			{last.Add(-2 * time.Hour), last.Add(-time.Hour)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][2]time.Time
			for _, q := range searchBack(tt.f, tt.lastSeen) {
				got = append(got, [2]time.Time{q.Since, q.Until})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("windows\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestTrace(t *testing.T) {
	var resp traceResponse
	get(t, newTestServer(t, Options{}), "/api/trace/trace-a", 200, &resp)
	if len(resp.Events) != 7 || resp.TraceID != "trace-a" {
		t.Fatalf("trace-a: %d events, id %q", len(resp.Events), resp.TraceID)
	}
	for i := 1; i < len(resp.Events); i++ {
		if resp.Events[i].Timestamp.Before(resp.Events[i-1].Timestamp) {
			t.Errorf("event log out of time order at %d", i)
		}
	}
	// The tree: the request is served by catalog, whose publish is consumed
	// by inventory (failing) and pricing.
	var walk func(n traceNode, depth int) []string
	walk = func(n traceNode, depth int) []string {
		out := []string{strings.Repeat(" ", depth) + n.Event.EventType + " " + n.Event.Service + " " + n.Event.Status}
		for _, c := range n.Children {
			out = append(out, walk(c, depth+1)...)
		}
		return out
	}
	var lines []string
	for _, r := range resp.Tree {
		lines = append(lines, walk(r, 0)...)
	}
	want := []string{
		"start merchant-api ok",
		"request merchant-api ok",
		" serve catalog ok",
		"  publish catalog ok",
		"   consume inventory error",
		"   consume pricing ok",
		"complete merchant-api error",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestTraceTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := telemetry.NewWriter(f)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := range maxTraceEvents + 5 {
		if err := w.Write(telemetry.Event{EventID: fmt.Sprintf("e%06d", i), TraceID: "long", EventType: "tick",
			Timestamp: at.Add(time.Duration(i) * time.Millisecond), Service: "clock"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := OpenFiles(context.Background(), []string{path}, FilesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var resp traceResponse
	get(t, newTestServer(t, Options{Backend: files}), "/api/trace/long", 200, &resp)
	if !resp.Truncated || len(resp.Events) != maxTraceEvents || resp.Events[0].EventID != "e000000" {
		t.Errorf("truncated %v, %d events from %s", resp.Truncated, len(resp.Events), resp.Events[0].EventID)
	}
}

func TestReadOnlyAndHosts(t *testing.T) {
	s := newTestServer(t, Options{AllowedHosts: []string{"localhost", "127.0.0.1", "::1"}})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, "/api/events", strings.NewReader("{}"))
		req.Host = "127.0.0.1:7777"
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Body.String(), "read-only") {
			t.Errorf("%s: %d %s", method, rec.Code, rec.Body)
		}
	}
	for host, want := range map[string]int{"127.0.0.1:7777": 200, "localhost:7777": 200, "[::1]:7777": 200,
		"attacker.example:7777": 403, "attacker.example": 403} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/api/info", nil)
		req.Host = host
		s.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestPages(t *testing.T) {
	s := newTestServer(t, Options{})
	rec := get(t, s, "/", 200, nil)
	body := rec.Body.String()
	if !strings.Contains(body, `<script src="app.js"></script>`) || !strings.Contains(body, `<main id="page">`) {
		t.Errorf("index.html does not load the app: %s", body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	for _, name := range []string{"/app.js", "/app.css"} {
		if rec := get(t, s, name, 200, nil); rec.Body.Len() == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	get(t, s, "/missing.js", 404, nil)
}

// failing is a store that cannot be read.
type failing struct{}

func (failing) Graph(context.Context, runtimegraph.Filter) (*topology.Graph, error) {
	return nil, errors.New("connection refused")
}

func (failing) Select(context.Context, runtimegraph.Filter, int) ([]telemetry.Event, error) {
	return nil, errors.New("connection refused")
}

func TestBackendFailure(t *testing.T) {
	s := newTestServer(t, Options{Backend: failing{}})
	for _, target := range []string{"/api/graph", "/api/events", "/api/trace/x", "/api/flow/traces?kind=pubsub&from=a"} {
		var e apiError
		get(t, s, target, 500, &e)
		if !strings.Contains(e.Error, "connection refused") {
			t.Errorf("%s: %q", target, e.Error)
		}
	}
	// Parameters are checked before the store is asked.
	get(t, s, "/api/graph?view=x", 400, nil)
}

func TestOpenFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	good, err := os.ReadFile("testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, append(append(good[:len(good):len(good)], "{not json\n"...), `{"event_id":"x"}`+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		paths []string
		msg   string
	}{
		{nil, "no events files"},
		{[]string{filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{bad}, "2 bad lines in the events files: " + bad + ":16: "},
	}
	for _, tt := range tests {
		_, err := OpenFiles(ctx, tt.paths, FilesOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("OpenFiles(%q) = %v, want an error saying %q", tt.paths, err, tt.msg)
		}
	}
}

func TestNewChecksOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a backend succeeded")
	}
	if _, err := New(Options{Backend: failing{}, Declared: topology.New(topology.SourceStatic)}); err == nil {
		t.Error("New with Declared but no Compare succeeded")
	}
}

// BenchmarkGraph500 measures the server's share of drawing a large system:
// the view of 500 services and 1,500 flows, encoded as JSON.
func BenchmarkGraph500(b *testing.B) {
	s := newTestServer(b, Options{Backend: generated{bigGraph(500)}})
	req := httptest.NewRequest(http.MethodGet, "/api/graph", nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Body)
		}
		b.SetBytes(int64(rec.Body.Len()))
	}
}

// blocking is a store whose reads wait until release is closed.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func (b blocking) Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	return nil, errors.New("not used")
}

func (b blocking) Select(ctx context.Context, f runtimegraph.Filter, limit int) ([]telemetry.Event, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestBusy: no more than MaxActive requests read the store at once, up to
// MaxQueued more wait for a turn, and the one after them is answered 503
// with Retry-After at once instead of piling up.
func TestBusy(t *testing.T) {
	b := blocking{entered: make(chan struct{}, 10), release: make(chan struct{})}
	s := newTestServer(t, Options{Backend: b, MaxActive: 1, MaxQueued: 1, QueueWait: time.Minute})
	codes := make(chan int, 3)
	ask := func() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/events", nil))
		codes <- rec.Code
	}
	go ask()
	select {
	case <-b.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached the store")
	}
	go ask() // waits for the first
	for wait := time.Now(); s.gate.queued.Load() != 1; time.Sleep(time.Millisecond) {
		if time.Since(wait) > 10*time.Second {
			t.Fatal("the second request did not wait in line for the first")
		}
	}
	// The third finds the line full.
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/trace/x", nil)); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a request past the line was not turned away: it waits with the others")
	}
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !jsonError(rec.Body.Bytes()) {
		t.Errorf("past the line: %d %v %s, want 503 with Retry-After and a reason", rec.Code, rec.Header(), rec.Body)
	}
	select {
	case <-b.entered:
		t.Fatal("two requests read the store at once")
	case <-time.After(100 * time.Millisecond):
	}
	close(b.release)
	for range 2 {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a waiting request got %d, want 200 once the store answered", code)
		}
	}
}
