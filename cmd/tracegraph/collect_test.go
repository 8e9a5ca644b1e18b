package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/tracegraph/tracegraph/internal/syncbuf"
)

// buildTracegraph builds the binary once per test run, for tests that
// need a process of their own (to kill it), and beside it the embedded
// renderer's command, tracegraph-dot, as an install would have them.
var buildTracegraph = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tracegraph-bin-*")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "tracegraph")
	out, err := exec.Command("go", "build", "-o", dir, ".", "../tracegraph-dot").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	return bin, nil
})

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// collectProc is a running `tracegraph collect`.
type collectProc struct {
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
}

func startCollect(t *testing.T, bin, httpAddr string, args ...string) *collectProc {
	t.Helper()
	p := &collectProc{cmd: exec.Command(bin, append([]string{"collect", "--otlp-http", httpAddr}, args...)...), stderr: &syncbuf.Buffer{}}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			p.cmd.Process.Kill()
			t.Fatalf("collect not ready: %v\n%s", err, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and wants exit 0.
func (p *collectProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("collect after SIGTERM: %v\n%s", err, p.stderr)
	}
}

// kill -9 of collect under load, then a restart, with the SDK's retry on:
// every span the SDK got acknowledged is stored, none twice.
func TestCollectKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a load")
	}
	bin, err := buildTracegraph()
	if err != nil {
		t.Fatal(err)
	}
	db := pgURL(t)
	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
	args := []string{"--db", db, "--otlp-grpc", grpcAddr, "--window", "2s", "--instance", "kill9"}
	p := startCollect(t, bin, httpAddr, args...)

	ctx := context.Background()
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(grpcAddr), otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: true, InitialInterval: 50 * time.Millisecond,
			MaxInterval: 500 * time.Millisecond, MaxElapsedTime: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	const spans = 4000
	res := resource.NewSchemaless(attribute.String("service.name", "kill9-svc"))
	// Blocking and a queue as large as the load: the SDK drops nothing, so
	// every span is acknowledged in the end.
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp,
		sdktrace.WithBlocking(), sdktrace.WithMaxQueueSize(spans), sdktrace.WithMaxExportBatchSize(100),
		sdktrace.WithBatchTimeout(10*time.Millisecond)))
	tracer := tp.Tracer("kill9")
	for i := range spans {
		_, sp := tracer.Start(ctx, "GET /kill9", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", "GET"), attribute.String("http.route", "/kill9")))
		sp.End()
		if i == spans/6 {
			// Some events stored before the kill: their rollup dies with
			// the process.
			waitStored(t, db, time.Minute)
		}
		if i == spans/3 {
			time.Sleep(100 * time.Millisecond) // exports in flight
			p.cmd.Process.Kill()
			p.cmd.Wait()
			time.Sleep(300 * time.Millisecond)
			p = startCollect(t, bin, httpAddr, args...)
			// The window held acknowledged spans when the process died:
			// the restart must have read them back.
			if !strings.Contains(p.stderr.String(), "recovered staged spans") {
				t.Errorf("the restart recovered nothing:\n%s", p.stderr)
			}
		}
		if i%200 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("the SDK could not export everything: %v", err)
	}
	p.stop(t)

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, ids, spanIDs, staged int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT event_id), count(DISTINCT message_id) FROM events WHERE event_type = 'serve'`).Scan(&rows, &ids, &spanIDs); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM staged_spans) + (SELECT count(*) FROM staged_done)`).Scan(&staged); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d spans sent, %d serve events stored (%d ids, %d spans), %d staged rows left", spans, rows, ids, spanIDs, staged)
	if spanIDs != spans {
		t.Errorf("%d of %d acknowledged spans stored", spanIDs, spans)
	}
	if rows != ids || rows != spanIDs {
		t.Errorf("%d rows for %d events of %d spans: stored twice", rows, ids, spanIDs)
	}
	if staged != 0 {
		t.Errorf("%d staged rows left after a clean stop", staged)
	}
	// The killed process's rollup of what it stored died with it; the
	// restart heals those days, so that the rollup covers every event.
	var stale, writers int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM rollup_days WHERE stored <> rolled), (SELECT count(*) FROM rollup_writers)`).Scan(&stale, &writers); err != nil {
		t.Fatal(err)
	}
	if stale != 0 || writers != 0 {
		t.Errorf("after the restart's clean stop, %d days not covered by the rollup and %d rollup_writers rows left", stale, writers)
	}
}

// waitStored waits until the database holds an event.
func waitStored(t *testing.T, db string, limit time.Duration) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for deadline := time.Now().Add(limit); ; time.Sleep(50 * time.Millisecond) {
		var n int
		// Before collect's first write the table may not exist yet.
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err == nil && n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event stored within %s", limit)
		}
	}
}

// collect with --events-out, over OTLP/HTTP, then SIGTERM: exit 0 and a
// file the other commands read; /healthz, /readyz and /metrics answer.
func TestCollectEventsOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildTracegraph()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "events.jsonl")
	httpAddr := freeAddr(t)
	p := startCollect(t, bin, httpAddr, "--otlp-grpc", "", "--events-out", out)
	body := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},"scopeSpans":[{"spans":[
{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"GET /a","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":"1800000000000000000","endTimeUnixNano":"1800000000100000000","attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"http.route","value":{"stringValue":"/a"}}]}]}]},
{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeSpans":[{"spans":[
{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","parentSpanId":"0102030405060708","name":"GET /a","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1800000000010000000","endTimeUnixNano":"1800000000090000000","attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"http.route","value":{"stringValue":"/a"}}]}]}]}]}`
	resp, err := http.Post("http://"+httpAddr+"/v1/traces", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("export: %s", resp.Status)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		r, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = fmt.Fprint(b, r.Status)
		if path == "/metrics" {
			var sb strings.Builder
			buf := make([]byte, 1<<16)
			n, _ := r.Body.Read(buf)
			sb.Write(buf[:n])
			if !strings.Contains(sb.String(), "tracegraph_collect_spans_accepted_total 2") {
				t.Errorf("/metrics does not count the 2 accepted spans:\n%s", sb.String())
			}
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Errorf("GET %s: %s", path, r.Status)
		}
	}
	p.stop(t)
	code, graph, errs := tg(t, "observed", "--events", out, "-f", "text")
	if code != exitOK || !strings.Contains(graph, "web") || !strings.Contains(graph, "api") || !strings.Contains(graph, "GET /a") {
		t.Errorf("observed on the collected file: exit %d\n%s%s", code, graph, errs)
	}
}
