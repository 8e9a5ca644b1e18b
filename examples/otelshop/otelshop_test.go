package otelshop_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tracegraph/tracegraph/examples/otelshop/internal/skus"
	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/topology"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// root is the module root, where the README's commands run.
const root = "../.."

// pattern is the packages the declared graph is read from, as the README
// gives it.
const pattern = "./examples/otelshop/..."

func natsURL() string {
	if u := os.Getenv("TRACEGRAPH_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// update is one PUT /merchants/{merchant}/skus/{sku} the test makes.
type update struct {
	merchant, sku, body string
}

// The scenario: two SKUs get stock, then one writes off more than it has,
// which the inventory refuses (an error on its consume).
var updates = []update{
	{"4c5d6e7", "sku-1", `{"title":"Trail tent","price_cents":12900,"currency":"EUR","stock_delta":12}`},
	{"4c5d6e7", "sku-2", `{"title":"Camp stove","price_cents":4500,"currency":"USD","stock_delta":5}`},
	{"4c5d6e7", "sku-1", `{"title":"Trail tent","price_cents":11900,"currency":"EUR","stock_delta":-20}`},
}

// flow is what the test compares: a flow without stats and evidence.
type flow struct {
	status, kind, from, to, channel string
}

func (f flow) String() string {
	return fmt.Sprintf("%s %s %s -> %s on %q", f.status, f.kind, f.from, f.to, f.channel)
}

// TestDiffOfLiveSpans runs the five services over the real NATS, exporting
// their spans to tracegraph collect, which stores them in PostgreSQL, and
// checks that tracegraph diff finds every flow the code declares in the
// spans under the same names, with no configuration, and one more flow, the
// debug tap's, undeclared.
func TestDiffOfLiveSpans(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs six programs")
	}
	nc, err := nats.Connect(natsURL(), nats.Timeout(2*time.Second))
	if err != nil {
		t.Skipf("NATS at %s unreachable (set TRACEGRAPH_TEST_NATS_URL): %v", natsURL(), err)
	}
	defer nc.Close()
	db := pgtest.URL(t)

	bin := t.TempDir()
	tracegraph := filepath.Join(bin, "tracegraph")
	goBuild(t, "-o", tracegraph, "./cmd/tracegraph")
	if out, err := exec.Command(tracegraph, "collect", "--help").CombinedOutput(); err != nil {
		t.Fatalf("tracegraph collect --help: %v: %s", err, firstLine(out))
	}
	// The services as a staging box runs them: with the debug tap.
	goBuild(t, "-tags", "debugtap", "-o", bin+string(filepath.Separator), "./examples/otelshop/cmd/...")

	// A stream of this run's messages only, and a new durable consumer.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, skus.Stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("delete stream %s: %v", skus.Stream, err)
	}

	otlpGRPC, otlpHTTP, fxAddr, catalogAddr, apiAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	collect := start(t, "collect", tracegraph, "collect", "--db", db, "--otlp-grpc", otlpGRPC, "--otlp-http", otlpHTTP)
	waitReady(t, ctx, "http://"+otlpHTTP+"/readyz", collect)

	// Leaves first, so that nothing a request needs is missing.
	natsFlag := "--nats-url=" + natsURL()
	services := []*proc{
		start(t, "fx", filepath.Join(bin, "fx"), "--listen", fxAddr, "--otlp-endpoint", otlpHTTP),
		start(t, "inventory", filepath.Join(bin, "inventory"), natsFlag, "--otlp-endpoint", otlpGRPC),
		start(t, "pricing", filepath.Join(bin, "pricing"), natsFlag, "--otlp-endpoint", otlpHTTP, "--resolve", "fx:8080="+fxAddr),
		start(t, "catalog", filepath.Join(bin, "catalog"), "--listen", catalogAddr, natsFlag, "--otlp-endpoint", otlpGRPC),
		start(t, "merchant-api", filepath.Join(bin, "merchant-api"), "--listen", apiAddr, "--catalog", catalogAddr,
			"--otlp-endpoint", otlpHTTP, "--debug-tap-nats", natsURL()),
	}
	for _, p := range services {
		p.waitFor(t, ctx, "ready", 1)
	}

	for _, u := range updates {
		url := fmt.Sprintf("http://%s/merchants/%s/skus/%s", apiAddr, u.merchant, u.sku)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, strings.NewReader(u.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT %s: %s: %s", url, resp.Status, body)
		}
	}
	// Every message handled, before anything stops.
	n := len(updates)
	byName := map[string]*proc{}
	for _, p := range services {
		byName[p.name] = p
	}
	byName["inventory"].waitFor(t, ctx, "inventory: applied ", n-1)
	byName["inventory"].waitFor(t, ctx, "inventory: refused: ", 1)
	byName["pricing"].waitFor(t, ctx, "pricing: priced ", n)
	byName["merchant-api"].waitFor(t, ctx, "debug tap: sku.updated ", n)

	// Each service flushes its spans as it stops (TracerProvider.Shutdown),
	// then collect pairs and stores what it holds.
	for _, p := range slices.Backward(services) {
		p.stop(t)
	}
	collect.stop(t)

	declared := runGraph(t, tracegraph, "static", pattern, "-f", "json")
	diff := runGraph(t, tracegraph, "diff", pattern, "--db", db, "-f", "json", "--fail-on", "")

	var want []flow
	for _, f := range declared.Flows {
		want = append(want, flow{topology.StatusConverged, f.Kind, f.From, f.To, f.Channel})
	}
	if len(want) != 5 {
		t.Errorf("the declared graph has %d flows, want 5: %v", len(want), want)
	}
	want = append(want, flow{topology.StatusUndeclared, topology.KindPubSub, "catalog", "merchant-api", skus.Updated})
	var got []flow
	stats := map[flow]*topology.Stats{}
	for _, f := range diff.Flows {
		k := flow{f.Status, f.Kind, f.From, f.To, f.Channel}
		got = append(got, k)
		stats[k] = f.Stats
	}
	byString := func(a, b flow) int { return strings.Compare(a.String(), b.String()) }
	slices.SortFunc(want, byString)
	slices.SortFunc(got, byString)
	if !slices.Equal(got, want) {
		t.Errorf("diff flows:\n%s\nwant:\n%s", lines(got), lines(want))
	}

	// The spans counted every hop: one per update, and the refused
	// adjustment as the inventory's one error.
	for _, k := range got {
		st := stats[k]
		if st == nil {
			t.Errorf("%s: no stats", k)
			continue
		}
		wantErrs := int64(0)
		if k.to == "inventory" {
			wantErrs = 1
		}
		if st.Count != int64(n) || st.Errors != wantErrs {
			t.Errorf("%s: %d calls, %d errors; want %d, %d", k, st.Count, st.Errors, n, wantErrs)
		}
	}
}

func lines(fs []flow) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\t%s\n", f)
	}
	return b.String()
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// goBuild runs go build with args at the module root.
func goBuild(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// runGraph runs a tracegraph command at the module root and decodes the
// tracegraph/v1 graph it prints.
func runGraph(t *testing.T, tracegraph string, args ...string) *topology.Graph {
	t.Helper()
	cmd := exec.Command(tracegraph, args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tracegraph %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	g, err := topology.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("tracegraph %s: %v", strings.Join(args, " "), err)
	}
	return g
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls url until it answers 200.
func waitReady(t *testing.T, ctx context.Context, url string, p *proc) {
	t.Helper()
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if p.exited() {
			t.Fatalf("%s exited before %s answered", p.name, url)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never answered 200: %v", url, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// proc is a program the test started, its stderr kept line by line.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once stderr is read to its end and the process waited for
	err  error         // Wait's, once done is closed

	mu    sync.Mutex
	lines []string
}

func start(t *testing.T, name, path string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(path, args...), done: make(chan struct{})}
	p.cmd.Dir = root
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Logf("%s's stderr:\n\t%s", name, strings.Join(p.lines, "\n\t"))
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor waits until n lines of stderr contain substr.
func (p *proc) waitFor(t *testing.T, ctx context.Context, substr string, n int) {
	t.Helper()
	for {
		p.mu.Lock()
		seen := 0
		for _, l := range p.lines {
			if strings.Contains(l, substr) {
				seen++
			}
		}
		p.mu.Unlock()
		if seen >= n {
			return
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) with %d of %d lines containing %q", p.name, p.err, seen, n, substr)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %d of %d lines containing %q before the deadline", p.name, seen, n, substr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not exit within a minute of SIGTERM", p.name)
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
}
