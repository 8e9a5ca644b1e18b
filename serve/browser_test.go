package serve

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/render"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/staticgraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and the browser tests' screenshots in testdata/screenshots")

// chromium finds Debian's Chromium. Without it the browser tests skip,
// unless TRACEGRAPH_REQUIRE_BROWSER=1 (CI), where that is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium binary on PATH (apt-get install chromium): browser test skipped"
	if os.Getenv("TRACEGRAPH_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + ", but TRACEGRAPH_REQUIRE_BROWSER=1")
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium with a fresh profile, and the dialogs
// (alert, confirm, prompt) its pages opened.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	dialogs []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	// Chromium's helpers can still write to the profile for a moment after
	// the browser exits, so the directory is removed with retries, after
	// the browser (cleanups run last-registered first).
	profile, err := os.MkdirTemp("", "tracegraph-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 900),
	)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: bctx}
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	// Any dialog is recorded and dismissed: a page of ours never opens one,
	// so a dialog means some text from the data ran as script.
	opening := chromedp.Events(bctx, page.JavascriptDialogOpening)
	go func() {
		for e, err := range opening {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, fmt.Sprintf("%s: %s", e.Type, e.Message))
			b.mu.Unlock()
			go func() {
				_ = chromedp.Do(bctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
					return err
				}))
			}()
		}
	}()
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *browser) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// waitGraph waits until the topology page has drawn its graph and returns
// the number of nodes and the time from the request to the first render.
func (b *browser) waitGraph() (nodes int, ms float64) {
	b.t.Helper()
	b.do("wait for the graph", chromedp.WaitVisible(chromedp.CSS(`#graph[data-rendered]`)))
	type drawn struct {
		Nodes    int     `json:"nodes"`
		RenderMs float64 `json:"renderMs"`
	}
	d := eval[drawn](b, `window.tracegraph`)
	return d.Nodes, d.RenderMs
}

// clickNode clicks a graph node where it is drawn, as a person would.
func (b *browser) clickNode(id string) {
	b.t.Helper()
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	idJSON, _ := json.Marshal(id)
	p := eval[*point](b, fmt.Sprintf(`window.tracegraph.nodeCenter(%s)`, idJSON))
	if p == nil {
		b.t.Fatalf("no node %s in the graph", id)
	}
	b.do("click node "+id, chromedp.MouseClickXY(p.X, p.Y))
}

// screenshot saves the page as a PNG: in testdata/screenshots with -update,
// else in a temporary directory named in the log.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	return b.screenshotIn(filepath.Join("testdata", "screenshots"), name)
}

// screenshotIn saves the page as dir/name.png with -update, else in a
// temporary directory.
func (b *browser) screenshotIn(dir, name string) string {
	b.t.Helper()
	return b.save(dir, name, chromedp.FullScreenshot(100))
}

// screenshotViewport saves what the window shows, for pages too tall for
// a full-page screenshot (Chromium refuses those: "Page is too large").
func (b *browser) screenshotViewport(name string) string {
	b.t.Helper()
	return b.save(filepath.Join("testdata", "screenshots"), name, chromedp.CaptureScreenshot())
}

func (b *browser) save(dir, name string, shot chromedp.Action[[]byte]) string {
	b.t.Helper()
	data, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !*update {
		dir = b.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
	return path
}

func (b *browser) noDialogs() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Errorf("the page opened dialogs: %q", b.dialogs)
	}
}

// shopEvents is the example shop's committed events, or this package's
// fixture when the shop is not there.
func shopEvents(t *testing.T) string {
	p := filepath.Join("..", "examples", "shop", "events.jsonl")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	t.Logf("%s not found; using testdata/events.jsonl", p)
	return filepath.Join("testdata", "events.jsonl")
}

func serveFiles(t *testing.T, paths ...string) (*httptest.Server, *Files) {
	t.Helper()
	return serveFilesWith(t, Options{}, paths...)
}

// serveFilesWith serves the events files with opt's other options; the
// header names the files unless opt.Describe does.
func serveFilesWith(t *testing.T, opt Options, paths ...string) (*httptest.Server, *Files) {
	t.Helper()
	files, err := OpenFiles(context.Background(), paths, FilesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opt.Backend = files
	if opt.Describe == "" {
		opt.Describe = strings.Join(paths, ", ")
	}
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, files
}

// shopConfig is the example shop's tracegraph.yaml.
func shopConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "examples", "shop", "tracegraph.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// presetsOf are a config's presets as the server takes them, as
// tracegraph serve passes them.
func presetsOf(cfg *config.Config) []Preset {
	var out []Preset
	for _, p := range cfg.Presets {
		out = append(out, Preset{Label: p.Label, Query: p.Events.Values()})
	}
	return out
}

var shopDeclared = sync.OnceValues(func() (*topology.Graph, error) {
	res, err := staticgraph.Analyze(context.Background(), staticgraph.Options{Dir: "..", Patterns: []string{"./examples/shop/..."}})
	if err != nil {
		return nil, err
	}
	return res.Graph, nil
})

// serveShopDiff serves the shop's events with the diff against its
// declared graph, as `tracegraph serve ./examples/shop/... --events
// examples/shop/events.jsonl --config examples/shop/tracegraph.yaml` does.
func serveShopDiff(t *testing.T) *httptest.Server {
	t.Helper()
	declared, err := shopDeclared()
	if err != nil {
		t.Fatalf("the shop's declared graph: %v", err)
	}
	cfg := shopConfig(t)
	opts := diff.Options{Aliases: cfg.Aliases(), Teams: cfg.Teams()}
	ts, _ := serveFilesWith(t, Options{Declared: declared, Presets: presetsOf(cfg), Describe: "examples/shop/events.jsonl",
		Compare: func(d, o *topology.Graph) *topology.Graph { return diff.Compare(d, o, opts) }},
		filepath.Join("..", "examples", "shop", "events.jsonl"))
	return ts
}

// TestBrowserShop walks the pages as a person would: the shop's topology,
// the catalog's flows, one of their traces, and the failed inventory updates
// of one merchant.
func TestBrowserShop(t *testing.T) {
	b := newBrowser(t)
	ts, files := serveFilesWith(t, Options{Presets: presetsOf(shopConfig(t))}, shopEvents(t))

	b.do("open the topology", chromedp.Navigate(ts.URL+"/#/"))
	nodes, ms := b.waitGraph()
	if nodes < 3 {
		t.Fatalf("the graph has %d nodes", nodes)
	}
	t.Logf("shop topology: %d nodes drawn %.0f ms after the request", nodes, ms)
	if status := b.text(".status-line"); !strings.Contains(status, "services") || !strings.Contains(status, "flows") {
		t.Errorf("status line %q", status)
	}
	if legend := b.text(".legend"); !strings.Contains(legend, "undeclared") || !strings.Contains(legend, "unobserved") {
		t.Errorf("legend %q", legend)
	}
	b.screenshot("topology")

	// A tag filter re-queries the graph.
	b.do("filter by merchant", chromedp.SendKeys(chromedp.CSS(`input[name="where"]`), "merchant_id=4c5d6e7\r"),
		chromedp.Poll[chromedp.Void](`document.querySelector('.status-line').textContent.includes('where merchant_id=4c5d6e7')`))
	if loc := eval[string](b, `location.hash`); !strings.Contains(loc, "where=merchant_id%3D4c5d6e7") {
		t.Errorf("the filter is not in the URL: %q", loc)
	}
	b.waitGraph()

	b.clickNode("svc:catalog")
	b.do("wait for the catalog's flows", chromedp.WaitVisible(chromedp.CSS(`#details .flow`)))
	details := b.text("#details")
	for _, want := range []string{"catalog", "sku.updated", "catalogmsg.SkuUpdated", "count", "errors", "p50 / p95", "first seen", "last seen"} {
		if !strings.Contains(details, want) {
			t.Errorf("details panel lacks %q:\n%s", want, details)
		}
	}
	b.do("wait for recent traces", chromedp.WaitVisible(chromedp.CSS(`#details .trace-link`)))
	links := eval[[]string](b, `[...document.querySelectorAll('#details .flow-links a')].map(a => a.getAttribute('href'))`)
	if !slices.ContainsFunc(links, func(h string) bool {
		return strings.Contains(h, "service=inventory") && strings.Contains(h, "channel=sku.updated") && strings.Contains(h, "status=error")
	}) {
		t.Errorf("no link to the failed events of catalog -> inventory among %q", links)
	}
	b.screenshot("catalog-details")

	// Focus on the catalog: the graph shrinks to its neighbourhood.
	b.do("focus", chromedp.Click(chromedp.CSS(`#details .actions button`), chromedp.NodeVisible),
		chromedp.Poll[chromedp.Void](`document.querySelector('.status-line').textContent.includes('focus catalog depth 1')`))
	focused, _ := b.waitGraph()
	if loc := eval[string](b, `location.hash`); !strings.Contains(loc, "focus=catalog") || focused >= nodes || focused < 2 {
		t.Errorf("focus on catalog: %d of %d nodes, location %q", focused, nodes, loc)
	}
	b.clickNode("svc:catalog")
	b.do("wait for the catalog's flows again", chromedp.WaitVisible(chromedp.CSS(`#details .trace-link`)))

	// The details panel may still be replacing the links of its previous
	// render, and a click on a link it has just removed goes nowhere: on
	// a loaded machine that happens, so a click that did not navigate is
	// made again.
	for try := 1; ; try++ {
		b.do("open a recent trace", chromedp.Click(chromedp.CSS(`#details .trace-link`), chromedp.NodeVisible))
		_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](`location.hash.startsWith('#/trace/')`,
			chromedp.WithPollingTimeout(15*time.Second)))
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatalf("three clicks on a trace link did not open the trace page: %v", err)
		}
		t.Logf("click %d on a trace link did not open the trace page; clicking again", try)
	}
	b.do("wait for the tree", chromedp.WaitVisible(chromedp.CSS(`#trace-tree li`)))
	loc := eval[string](b, `location.hash`)
	if !strings.HasPrefix(loc, "#/trace/") {
		t.Errorf("after clicking a trace, location is %q", loc)
	}
	tree := eval[string](b, `document.querySelector('#trace-tree').textContent`)
	if !strings.Contains(tree, "consume") || !strings.Contains(tree, "catalog") {
		t.Errorf("tree lacks the catalog's hop:\n%s", tree)
	}
	// Every event of the log is in the tree once, and some hop is nested.
	hops := eval[int](b, `document.querySelectorAll('#trace-tree .hop').length`)
	rows := eval[int](b, `document.querySelectorAll('#trace-log tbody tr').length`)
	nested := eval[int](b, `document.querySelectorAll('#trace-tree ul .hop').length`)
	if hops != rows || hops == 0 || nested == 0 {
		t.Errorf("tree has %d hops (%d nested), log %d events", hops, nested, rows)
	}
	b.screenshot("trace")

	// Two clicks: the Events page, then the question, which is one of the
	// shop's presets (examples/shop/tracegraph.yaml).
	b.do("open events", chromedp.Navigate(ts.URL+"/#/"), chromedp.Click(chromedp.CSS(`header nav a[data-page="events"]`), chromedp.NodeVisible))
	if first := b.text("a.preset"); first != "Failed inventory updates for merchant 4c5d6e7" {
		t.Errorf("the first question is %q, want the shop's preset", first)
	}
	b.do("ask", chromedp.Click(chromedp.CSS(`a.preset`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#event-count`)))
	// The README's question: tracegraph events --service inventory --status error --where merchant_id=4c5d6e7.
	want, err := files.Select(b.ctx, runtimegraph.Filter{Service: "inventory",
		Status: telemetry.StatusError, Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "4c5d6e7"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Service string `json:"service"`
		Status  string `json:"status"`
		Tags    string `json:"tags"`
	}
	got := eval[[]row](b, `[...document.querySelectorAll('#events-table tbody tr')].map(r => ({service: r.cells[2].textContent, status: r.cells[9].textContent, tags: r.cells[10].textContent}))`)
	if len(want) == 0 || len(got) != len(want) {
		t.Errorf("events page shows %d events, the store has %d", len(got), len(want))
	}
	for _, r := range got {
		if r.Service != "inventory" || r.Status != "error" || !strings.Contains(r.Tags, "merchant_id=4c5d6e7") {
			t.Errorf("row %+v is not a failed inventory update of merchant 4c5d6e7", r)
		}
	}
	b.screenshot("events")

	// Pasting a trace id in the header opens it.
	id := want[0].TraceID
	b.do("paste a trace id", chromedp.SendKeys(chromedp.CSS(`#trace-jump input`), id+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`#trace-tree li`)))
	if head := b.text(".trace-head"); !strings.Contains(head, id) {
		t.Errorf("trace page head %q does not name %s", head, id)
	}
	b.noDialogs()
}

const evil = `<img src=x onerror=alert(1)>`

// TestBrowserEscaping puts markup in every field a page shows and checks it
// is shown as text and runs nothing, with the page's CSP bypassed so that
// the escaping alone is what is tested.
func TestBrowserEscaping(t *testing.T) {
	b := newBrowser(t)
	path := filepath.Join(t.TempDir(), "evil.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := telemetry.NewWriter(f)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	evilType := `x.<script>alert(2)</script>`
	for i, e := range []telemetry.Event{
		{TraceID: "evil-trace", EventType: telemetry.TypePublish, Service: evil, Channel: `<b>chan</b>`, MessageType: evilType, MessageID: "m1"},
		{TraceID: "evil-trace", EventType: telemetry.TypeConsume, Service: "catalog", PeerService: evil, Channel: `<b>chan</b>`,
			MessageType: evilType, MessageID: "m1", Status: telemetry.StatusError, Error: `<iframe src="javascript:alert(3)">`,
			Tags: map[string]string{"note": `<svg onload=alert(4)>`}},
		{TraceID: "evil-trace", EventType: telemetry.TypePublish, Service: "catalog", Channel: "sku.updated", MessageType: "catalog.SkuUpdated", MessageID: "m2", ParentIDs: []string{"m1"}},
		{TraceID: "evil-trace", EventType: telemetry.TypeConsume, Service: evil, PeerService: "catalog", Channel: "sku.updated", MessageType: "catalog.SkuUpdated", MessageID: "m2", ParentIDs: []string{"m1"}},
	} {
		e.EventID, e.Timestamp, e.DurationUS = fmt.Sprintf("evil-%d", i), at.Add(time.Duration(i)*time.Millisecond), 100
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ts, _ := serveFiles(t, path)

	b.do("bypass CSP", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	}))
	// markup counts the elements the data would make if it were parsed as
	// HTML; the pages themselves make none of these.
	const markup = `document.querySelectorAll('img, iframe, svg, script:not([src])').length +
		[...document.querySelectorAll('b')].filter(e => e.textContent === 'chan').length`
	check := func(where string, texts ...string) {
		t.Helper()
		time.Sleep(300 * time.Millisecond) // an injected image would fail to load and fire onerror by now
		if n := eval[int](b, markup); n != 0 {
			t.Errorf("%s: %d elements made from the data", where, n)
		}
		body := eval[string](b, `document.body.innerText`)
		for _, s := range texts {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the page does not show %q as text", where, s)
			}
		}
	}

	b.do("open the topology", chromedp.Navigate(ts.URL+"/#/"))
	if n, _ := b.waitGraph(); n != 2 {
		t.Errorf("graph has %d nodes, want 2 (catalog and the evil service)", n)
	}
	b.clickNode(topology.ServiceNodeID(evil))
	b.do("wait for the flows", chromedp.WaitVisible(chromedp.CSS(`#details .flow`)))
	if got := b.text("#details .sel-title .name"); got != evil {
		t.Errorf("details title %q, want %q", got, evil)
	}
	// The panel splits a type at its last slash: "x.<script>alert(2)</" over "script>".
	check("topology details", evil, `<b>chan</b>`, `x.<script>alert(2)</`)
	b.do("search", chromedp.SendKeys(chromedp.CSS(`input[name="search"]`), "onerror"))
	if n := eval[int](b, `document.querySelectorAll('#details .flow').length`); n == 0 {
		t.Error("no flows after searching")
	}
	b.screenshot("escaping-topology")

	b.do("open the trace", chromedp.Navigate(ts.URL+"/#/trace/evil-trace"), chromedp.WaitVisible(chromedp.CSS(`#trace-tree li`)))
	check("trace", evil, `<iframe src="javascript:alert(3)">`, `note=<svg onload=alert(4)>`)
	b.screenshot("escaping-trace")

	q := url.Values{"service": {evil}}
	b.do("query events", chromedp.Navigate(ts.URL+"/#/events?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS(`#events-table`)))
	check("events", evil)
	if v := eval[string](b, `document.querySelector('input[name="service"]').value`); v != evil {
		t.Errorf("service field %q, want %q", v, evil)
	}
	b.noDialogs()
}

// generated is a store holding one generated graph and no events.
type generated struct{ g *topology.Graph }

func (s generated) Graph(context.Context, runtimegraph.Filter) (*topology.Graph, error) {
	return s.g, nil
}

func (generated) Select(context.Context, runtimegraph.Filter, int) ([]telemetry.Event, error) {
	return nil, nil
}

// bigGraph is n services in teams of about 40, each sending three message
// types to services picked with a fixed seed: nine in ten to its own team,
// as a large system's observed graph looks.
func bigGraph(n int) *topology.Graph {
	const teamSize = 40
	r := rand.New(rand.NewPCG(1, 2))
	g := topology.New(topology.SourceObserved)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := range n {
		g.Services = append(g.Services, topology.Service{Name: fmt.Sprintf("svc-%03d", i), Team: fmt.Sprintf("team-%02d", i/teamSize)})
	}
	for i := range n {
		for k := range 3 {
			to := r.IntN(n)
			if r.IntN(10) > 0 {
				team := i / teamSize * teamSize
				to = team + r.IntN(min(teamSize, n-team))
			}
			if to == i {
				to = (to + 1) % n
			}
			g.Flows = append(g.Flows, topology.Flow{Kind: topology.KindPubSub, From: g.Services[i].Name, To: g.Services[to].Name,
				Channel: fmt.Sprintf("svc-%03d.event-%d", i, k), MessageType: fmt.Sprintf("example.com/svc%03d.Event%d", i, k),
				Stats: &topology.Stats{Count: int64(1 + r.IntN(5000)), P50US: 400, P95US: 2300, FirstSeen: at, LastSeen: at.Add(time.Hour)}})
		}
	}
	g.Normalize()
	return g
}

// TestBrowserLargeGraph draws 500 services and 1,500 flows and logs the time
// from the request to the first render (a figure, not an assertion).
func TestBrowserLargeGraph(t *testing.T) {
	b := newBrowser(t)
	g := bigGraph(500)
	s, err := New(Options{Backend: generated{g}, Describe: "generated: 500 services"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)

	type split struct {
		Fetch  float64 `json:"fetchMs"`
		Init   float64 `json:"initMs"`
		Layout float64 `json:"layoutMs"`
		Page   float64 `json:"sinceNavigationMs"`
	}
	var times, layouts, fetches, inits, pages []float64
	for i := range 3 {
		b.do("open the topology", chromedp.Navigate(fmt.Sprintf("%s/?run=%d#/", ts.URL, i)))
		nodes, ms := b.waitGraph()
		if nodes != 500 {
			t.Fatalf("drew %d nodes, want 500", nodes)
		}
		sp := eval[split](b, `window.tracegraph`)
		times, layouts, fetches = append(times, ms), append(layouts, sp.Layout), append(fetches, sp.Fetch)
		inits, pages = append(inits, sp.Init), append(pages, sp.Page)
	}
	b.do("wait for the refined layout", chromedp.WaitVisible(chromedp.CSS(`#graph[data-refined]`)))
	refine := eval[float64](b, `window.tracegraph.refineMs`)
	b.screenshot("large-graph-overview")
	t.Logf("refining the layout took %.0f ms more", refine)
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	t.Logf("500 services, %d flows: first render %.0f ms after the graph request (%.0f ms after navigation); fetch %.0f ms, set-up %.0f ms, layout %.0f ms (medians of %d loads; totals %v)",
		len(g.Flows), med(times), med(pages), med(fetches), med(inits), med(layouts), len(times), times)
	// Finding one service among 500 is the search box's job.
	b.do("search", chromedp.SendKeys(chromedp.CSS(`input[name="search"]`), "svc-042\r"),
		chromedp.WaitVisible(chromedp.CSS(`#details .flow`)))
	if got := b.text("#details .sel-title .name"); got != "svc-042" {
		t.Errorf("search selected %q, want svc-042", got)
	}
	b.screenshot("large-graph")
}

// TestBrowserPresets: the events page offers the questions the config
// names; with none it offers only questions that fit any system.
func TestBrowserPresets(t *testing.T) {
	b := newBrowser(t)
	type link struct {
		Label string `json:"label"`
		Href  string `json:"href"`
	}
	const links = `[...document.querySelectorAll('a.preset')].map(a => ({label: a.textContent, href: a.getAttribute('href')}))`

	plain, _ := serveFiles(t, shopEvents(t))
	b.do("open events", chromedp.Navigate(plain.URL+"/#/events"), chromedp.WaitVisible(chromedp.CSS(`.events-form`)))
	generic := eval[[]link](b, links)
	for _, l := range generic {
		// A generic question names no service, tag or trace of some system.
		if strings.Contains(l.Label, "4c5d6e7") || strings.Contains(l.Label, "inventory") ||
			strings.Contains(l.Href, "service=") || strings.Contains(l.Href, "where=") {
			t.Errorf("with no presets configured the page asks %+v", l)
		}
	}

	label := `Stale <b>rates</b>` // shown as text
	ts, files := serveFilesWith(t, Options{Presets: []Preset{{Label: label, Query: url.Values{"service": {"fx"}, "status": {"error"}}}}}, shopEvents(t))
	b.do("open events", chromedp.Navigate(ts.URL+"/#/events"), chromedp.WaitVisible(chromedp.CSS(`a.preset`)))
	got := eval[[]link](b, links)
	if len(got) != len(generic)+1 || got[0].Label != label {
		t.Fatalf("questions %+v, want %q and then the %d generic ones", got, label, len(generic))
	}
	if n := eval[int](b, `document.querySelectorAll('.presets b').length`); n != 0 {
		t.Errorf("the preset's label made %d elements", n)
	}
	b.do("ask", chromedp.Click(chromedp.CSS(`a.preset`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#events-table`)))
	want, err := files.Select(b.ctx, runtimegraph.Filter{Service: "fx", Status: telemetry.StatusError}, 0)
	if err != nil {
		t.Fatal(err)
	}
	rows := eval[[]string](b, `[...document.querySelectorAll('#events-table tbody tr')].map(r => r.cells[2].textContent + ' ' + r.cells[9].textContent)`)
	if len(want) == 0 || len(rows) != len(want) {
		t.Errorf("the preset shows %d events, the store has %d", len(rows), len(want))
	}
	for _, r := range rows {
		if r != "fx error" {
			t.Errorf("row %q is not a failed fx event", r)
		}
	}
	b.noDialogs()
}

// TestBrowserErrorColumn: on a 1400 px wide screen the error column of the
// events table and of a trace's event log is on the screen, wide enough to
// read, without scrolling the page or the table sideways.
func TestBrowserErrorColumn(t *testing.T) {
	b := newBrowser(t)
	b.do("viewport", chromedp.EmulateViewport(1400, 900))
	ts, _ := serveFiles(t, shopEvents(t))
	type box struct {
		View       float64 `json:"view"`
		Page       float64 `json:"page"`
		WrapScroll float64 `json:"wrapScroll"`
		HeadLeft   float64 `json:"headLeft"`
		HeadRight  float64 `json:"headRight"`
		CellLeft   float64 `json:"cellLeft"`
		CellRight  float64 `json:"cellRight"`
		Clipped    bool    `json:"clipped"`
		Text       string  `json:"text"`
	}
	check := func(where, table string) {
		t.Helper()
		js := fmt.Sprintf(`(() => {
  const t = document.querySelector(%q);
  const th = [...t.querySelectorAll('thead th')].find((th) => th.textContent === 'error');
  const td = [...t.querySelectorAll('tbody td')].find((td) => td.cellIndex === th.cellIndex && td.textContent);
  const r = th.getBoundingClientRect(), c = td.getBoundingClientRect(), wrap = t.closest('.table-wrap');
  return {view: document.documentElement.clientWidth, page: document.documentElement.scrollWidth,
    wrapScroll: wrap.scrollWidth - wrap.clientWidth, headLeft: r.left, headRight: r.right,
    cellLeft: c.left, cellRight: c.right, clipped: td.scrollWidth > td.clientWidth + 1, text: td.textContent};
})()`, table)
		bx := eval[box](b, js)
		t.Logf("%s: %+v", where, bx)
		if bx.Page > bx.View {
			t.Errorf("%s: the page is %.0f px wide on a %.0f px screen", where, bx.Page, bx.View)
		}
		if bx.WrapScroll > 0 {
			t.Errorf("%s: the table scrolls %.0f px sideways", where, bx.WrapScroll)
		}
		if bx.HeadLeft < 0 || bx.HeadRight > bx.View || bx.CellLeft < 0 || bx.CellRight > bx.View {
			t.Errorf("%s: the error column (header %.0f–%.0f, cell %.0f–%.0f) is not within the %.0f px screen",
				where, bx.HeadLeft, bx.HeadRight, bx.CellLeft, bx.CellRight, bx.View)
		}
		if w := bx.HeadRight - bx.HeadLeft; w < 200 {
			t.Errorf("%s: the error column is %.0f px wide", where, w)
		}
		if bx.Clipped || bx.Text == "" {
			t.Errorf("%s: the error %q does not fit its cell", where, bx.Text)
		}
	}
	b.do("failed events", chromedp.Navigate(ts.URL+"/#/events?status=error"), chromedp.WaitVisible(chromedp.CSS(`#events-table`)))
	check("events", "#events-table")
	b.do("a failed trace", chromedp.Click(chromedp.CSS(`#events-table .trace-link`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#trace-log`)))
	check("trace", "#trace-log")
	b.screenshot("error-column-trace")
}

// TestBrowserFindings: the names the analysis could not resolve and its
// diagnostics are listed on the topology page, as text.
func TestBrowserFindings(t *testing.T) {
	b := newBrowser(t)
	declared := topology.New(topology.SourceStatic)
	declared.Endpoints = []topology.Endpoint{
		{Service: "catalog", Role: topology.RolePublish, Channel: "sku.updated", MessageType: skuUpdated},
		{Service: "inventory", Role: topology.RoleSubscribe, Channel: "sku.updated", MessageType: skuUpdated},
	}
	declared.Flows = topology.DeriveFlows(declared.Endpoints)
	declared.Unresolved = []topology.Unresolved{{Service: "audit", Role: topology.RolePublish, Expr: "cfg.<b>Topic</b>",
		File: "audit/audit.go", Line: 12, Reason: "channel name is not constant", Candidates: []string{"audit.events", "audit.<i>x</i>"}}}
	declared.Diagnostics = []topology.Diagnostic{{Package: "example.com/broken", File: "broken/broken.go", Line: 7,
		Message: "undefined: <script>alert(5)</script>"}}
	declared.Normalize()
	ts, _ := serveFilesWith(t, Options{Declared: declared, Compare: func(d, o *topology.Graph) *topology.Graph {
		return diff.Compare(d, o, diff.Options{})
	}}, filepath.Join("testdata", "events.jsonl"))

	b.do("open the diff", chromedp.Navigate(ts.URL+"/#/"))
	b.waitGraph()
	if sum := b.text("#findings summary"); !strings.Contains(sum, "1 unresolved name") || !strings.Contains(sum, "1 diagnostic") {
		t.Errorf("findings summary %q", sum)
	}
	b.do("open the findings", chromedp.Click(chromedp.CSS(`#findings summary`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#findings li`)))
	text := b.text("#findings")
	for _, want := range []string{"audit", "publish", "cfg.<b>Topic</b>", "channel name is not constant", "audit/audit.go:12",
		"audit.events", "audit.<i>x</i>", "broken/broken.go:7", "undefined: <script>alert(5)</script>", "example.com/broken"} {
		if !strings.Contains(text, want) {
			t.Errorf("findings lack %q:\n%s", want, text)
		}
	}
	if n := eval[int](b, `document.querySelectorAll('#findings script, #findings i').length +
		[...document.querySelectorAll('#findings b')].filter((e) => e.textContent === 'Topic').length`); n != 0 {
		t.Errorf("the findings made %d elements from the data", n)
	}
	b.screenshot("findings")

	// The observed graph has none, and says nothing.
	b.do("observed", chromedp.Navigate(ts.URL+"/#/?source=observed"),
		chromedp.Poll[chromedp.Void](`document.querySelector('#findings').hidden`))
	b.noDialogs()
}

// TestBrowserNoMatch: a search, a filter or a query that matches nothing
// says so.
func TestBrowserNoMatch(t *testing.T) {
	b := newBrowser(t)
	ts, _ := serveFiles(t, shopEvents(t))
	b.do("open the topology", chromedp.Navigate(ts.URL+"/#/"))
	b.waitGraph()
	if eval[bool](b, `!document.querySelector('#search-note').hidden || !document.querySelector('#graph-note').hidden`) {
		t.Error("a note before anything was asked")
	}
	b.do("search", chromedp.SendKeys(chromedp.CSS(`input[name="search"]`), "no-such-thing"))
	if note := b.text("#search-note"); note != `Nothing matches “no-such-thing”` {
		t.Errorf("search note %q", note)
	}
	b.do("search for the catalog", chromedp.SendKeys(chromedp.CSS(`input[name="search"]`), strings.Repeat(kb.Backspace, len("no-such-thing"))+"catalog"),
		chromedp.Poll[chromedp.Void](`document.querySelector('#search-note').hidden`))

	b.do("filter by a merchant with no events", chromedp.SendKeys(chromedp.CSS(`input[name="where"]`), "merchant_id=nobody\r"),
		chromedp.WaitVisible(chromedp.CSS(`#graph-note`)))
	if note := b.text("#graph-note"); !strings.Contains(note, "none has merchant_id=nobody") || !strings.Contains(note, shopEvents(t)) {
		t.Errorf("graph note %q", note)
	}

	b.do("events of no service", chromedp.Navigate(ts.URL+"/#/events?service=nobody&status=error"),
		chromedp.WaitVisible(chromedp.CSS(`#events-empty`)))
	if note := b.text("#events-empty"); !strings.Contains(note, "No events match service=nobody, status=error") || !strings.Contains(note, shopEvents(t)) {
		t.Errorf("events page says %q", note)
	}
	if n := eval[int](b, `document.querySelectorAll('#events-table').length`); n != 0 {
		t.Errorf("%d empty tables", n)
	}
}

// TestBrowserEmptyWindow: a window with no events says so and names the
// store, whether the store is empty or only the window is.
func TestBrowserEmptyWindow(t *testing.T) {
	b := newBrowser(t)
	ts, _ := serveFiles(t, shopEvents(t))
	b.do("open an empty window", chromedp.Navigate(ts.URL+"/#/?since=2020-01-01&until=2020-01-02"),
		chromedp.WaitVisible(chromedp.CSS(`#graph-note`)))
	want := "No events between 2020-01-01 00:00:00.000Z and 2020-01-02 00:00:00.000Z in " + shopEvents(t)
	if note := b.text("#graph-note"); note != want {
		t.Errorf("graph note %q, want %q", note, want)
	}
	b.do("since only", chromedp.Navigate(ts.URL+"/#/?since=2030-01-01T00:00:00Z"),
		chromedp.Poll[chromedp.Void](`document.querySelector('#graph-note').textContent.startsWith('No events since 2030-01-01')`))

	// A store with no events at all, as serve --allow-empty gives.
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ets, _ := serveFiles(t, empty)
	b.do("open an empty store", chromedp.Navigate(ets.URL+"/#/"), chromedp.WaitVisible(chromedp.CSS(`#graph-note`)))
	if note := b.text("#graph-note"); note != "No events in "+empty {
		t.Errorf("graph note %q", note)
	}

	// The diff still draws the declared flows, all unobserved.
	dts := serveShopDiff(t)
	b.do("an empty window of the diff", chromedp.Navigate(dts.URL+"/#/?source=diff&since=2020-01-01&until=2020-01-02"),
		chromedp.WaitVisible(chromedp.CSS(`#graph-note`)))
	if n, _ := b.waitGraph(); n < 3 {
		t.Errorf("the diff of an empty window draws %d nodes", n)
	}
	if note := b.text("#graph-note"); !strings.HasPrefix(note, "No events between 2020-01-01") {
		t.Errorf("diff graph note %q", note)
	}
}

// labelBox is an edge label's box in graph coordinates.
type labelBox struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	X1    float64 `json:"x1"`
	Y1    float64 `json:"y1"`
	X2    float64 `json:"x2"`
	Y2    float64 `json:"y2"`
	// MX, MY is the midpoint of the edge the label names.
	MX float64 `json:"mx"`
	MY float64 `json:"my"`
}

func (a labelBox) overlaps(b labelBox) bool {
	return a.X1 < b.X2 && b.X1 < a.X2 && a.Y1 < b.Y2 && b.Y1 < a.Y2
}

// TestBrowserEdgeLabels: no two edge labels of the shop's services view
// overlap, in the observed graph or in the diff, and each stays by its edge.
func TestBrowserEdgeLabels(t *testing.T) {
	b := newBrowser(t)
	observed, _ := serveFiles(t, shopEvents(t))
	diffed := serveShopDiff(t)
	for _, page := range []string{observed.URL + "/#/", diffed.URL + "/#/?source=diff", diffed.URL + "/#/?source=diff&select=svc:inventory"} {
		b.do("open "+page, chromedp.Navigate(page))
		b.waitGraph()
		boxes := eval[[]labelBox](b, `window.tracegraph.edgeLabelBoxes()`)
		if len(boxes) < 9 {
			t.Fatalf("%s: %d edge labels", page, len(boxes))
		}
		for i, a := range boxes {
			for _, c := range boxes[i+1:] {
				if a.overlaps(c) {
					t.Errorf("%s: the labels of %s (%q) and %s (%q) overlap: %+v %+v", page, a.ID, a.Label, c.ID, c.Label, a, c)
				}
			}
			// The label is no further from its edge's midpoint than
			// its own size.
			cx, cy := (a.X1+a.X2)/2, (a.Y1+a.Y2)/2
			if dx, dy := cx-a.MX, cy-a.MY; dx*dx+dy*dy > (a.X2-a.X1)*(a.X2-a.X1)+(a.Y2-a.Y1)*(a.Y2-a.Y1) {
				t.Errorf("%s: the label of %s (%q) at (%.0f, %.0f) is far from its edge's midpoint (%.0f, %.0f)", page, a.ID, a.Label, cx, cy, a.MX, a.MY)
			}
		}
	}
}

// TestBrowserDocsScreenshot makes docs/serve-topology.png, the screenshot
// of README.md and docs/api.md: the shop's diff with the inventory service
// selected, on a 1400 by 860 screen. `make screenshots` runs it and the
// other browser tests with -update.
func TestBrowserDocsScreenshot(t *testing.T) {
	b := newBrowser(t)
	b.do("viewport", chromedp.EmulateViewport(1400, 860))
	ts := serveShopDiff(t)
	b.do("open the diff", chromedp.Navigate(ts.URL+"/#/?source=diff&select=svc:inventory"))
	b.waitGraph()
	b.do("wait for the inventory's recent traces", chromedp.WaitVisible(chromedp.CSS(`#details .trace-link`)),
		chromedp.Poll[chromedp.Void](`![...document.querySelectorAll('#details .traces')].some((e) => e.textContent.includes('recent traces…'))`))
	if got := b.text("#details .sel-title .name"); got != "inventory" {
		t.Errorf("selected %q, want inventory", got)
	}
	path := b.screenshotIn(filepath.Join("..", "docs"), "serve-topology")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 1400 || cfg.Height != 860 {
		t.Errorf("%s: %+v, %v; want a 1400 by 860 PNG", path, cfg, err)
	}
}

// deepTraceFile writes a chain of hops as one trace: each service consumes
// the message before and publishes the next, so the tree is 2*hops levels
// deep.
func deepTraceFile(t *testing.T, hops int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deep.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := telemetry.NewWriter(f)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := range hops {
		svc, next, msg := fmt.Sprintf("s%d", i), fmt.Sprintf("s%d", i+1), fmt.Sprintf("m%d", i)
		pub := telemetry.Event{EventID: fmt.Sprintf("p%05d", i), TraceID: "deep", EventType: telemetry.TypePublish,
			Timestamp: at.Add(time.Duration(2*i) * time.Microsecond), Service: svc, Channel: "c", MessageID: msg}
		if i > 0 {
			pub.ParentIDs = []string{fmt.Sprintf("m%d", i-1)}
		}
		con := telemetry.Event{EventID: fmt.Sprintf("c%05d", i), TraceID: "deep", EventType: telemetry.TypeConsume,
			Timestamp: at.Add(time.Duration(2*i+1) * time.Microsecond), Service: next, PeerService: svc, Channel: "c", MessageID: msg}
		for _, e := range []telemetry.Event{pub, con} {
			if err := w.Write(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserDeepTrace: a trace 2,500 hops deep (5,000 levels) draws its
// first levels and sums up the rest in one line, as `tracegraph trace`
// does, instead of overflowing the page's stack and showing nothing.
func TestBrowserDeepTrace(t *testing.T) {
	b := newBrowser(t)
	const hops = 2500
	ts, _ := serveFiles(t, deepTraceFile(t, hops))
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	t0 := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/#/trace/deep"), chromedp.WaitVisible(chromedp.CSS(`#trace-tree .more-levels`))); err != nil {
		t.Fatalf("the deep trace's tree did not show its summary line: %v (page: %q)", err, eval[string](b, `document.body.innerText.slice(0, 300)`))
	}
	t.Logf("the tree of %d events showed in %s", 2*hops, time.Since(t0).Round(time.Millisecond))
	want := fmt.Sprintf("… %d more levels", 2*hops-maxTreeDepth)
	if got := b.text(`#trace-tree .more-levels`); got != want {
		t.Errorf("summary line %q, want %q", got, want)
	}
	if n := eval[int](b, `document.querySelectorAll('#trace-tree .hop').length`); n != maxTreeDepth {
		t.Errorf("the tree shows %d hops, want the first %d levels", n, maxTreeDepth)
	}
	if n := eval[int](b, `document.querySelectorAll('#trace-log tbody tr').length`); n != 2*hops {
		t.Errorf("the event log has %d rows, want %d", n, 2*hops)
	}
	b.do("scroll to the summary line", chromedp.ScrollIntoView(chromedp.CSS(`#trace-tree .more-levels`)))
	b.screenshotViewport("deep-trace")
	b.noDialogs()
}

// maxTreeDepth is how many levels the trace page draws: as many as
// `tracegraph trace` prints.
const maxTreeDepth = render.MaxTraceDepth
