package collect

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/topology"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// collectInto runs one Collector per instance on one database, each
// export going to the instance its trace id routes to (as the collector's
// loadbalancing exporter routes by trace ID), and returns the graph the
// database then gives.
func collectInto(t *testing.T, instances int, batches [][]*tracepb.ResourceSpans) []byte {
	t.Helper()
	ctx := context.Background()
	st, err := pgstore.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cs []*Collector
	for i := range instances {
		c := New(PGStore{Store: st, Instance: string(rune('a' + i)), Logger: log}, Options{Window: time.Hour, Logger: log})
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	for _, b := range batches {
		routed := make([][]*tracepb.ResourceSpans, instances)
		for _, rs := range b {
			h := fnv.New32a()
			h.Write(rs.ScopeSpans[0].Spans[0].TraceId)
			i := int(h.Sum32()) % instances
			routed[i] = append(routed[i], rs)
		}
		for i, r := range routed {
			if len(r) == 0 {
				continue
			}
			if _, err := cs[i].Export(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range cs {
		if err := c.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	g, err := st.Graph(ctx, runtimegraph.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Into PostgreSQL, one instance or two routed by trace ID, the graph is the
// file import's, byte for byte.
func TestPostgresOneAndTwoInstances(t *testing.T) {
	fileEvents, one := exportFile(t, 150)
	want := graphOf(t, fileEvents)
	batches := randomBatches(one, 3)
	if got := collectInto(t, 1, batches); !bytes.Equal(got, want) {
		t.Errorf("one instance: the graph differs from the file import's:\n%s\nwant\n%s", got, want)
	}
	if got := collectInto(t, 2, batches); !bytes.Equal(got, want) {
		t.Errorf("two instances: the graph differs from the file import's:\n%s\nwant\n%s", got, want)
	}
}

// An event PostgreSQL cannot hold is left out of its batch; the rest of
// the batch is stored.
func TestPostgresWriteLeavesOutUnstorable(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	evs, _ := exportFile(t, 1)
	evs[1].Operation = "bad\x00name"
	p := PGStore{Store: st, Instance: "a", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := p.Write(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, evs[1:2]); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var ids []string
	if err := conn.QueryRow(ctx, `SELECT count(*), array_agg(event_id ORDER BY event_id) FROM events`).Scan(&n, &ids); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, e := range evs {
		if i != 1 {
			want = append(want, e.EventID)
		}
	}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("stored %d events %v, want all but the second: %v", n, ids, want)
	}
}

// proxy forwards TCP connections to a server until Down closes it and
// every connection through it; Up opens it again on the same address.
type proxy struct {
	t             *testing.T
	addr, net, to string
	mu            sync.Mutex
	ln            net.Listener
	conns         []net.Conn
}

func newProxy(t *testing.T, network, to string) *proxy {
	p := &proxy{t: t, addr: "127.0.0.1:0", net: network, to: to}
	p.Up()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.Down)
	return p
}

func (p *proxy) Up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial(p.net, p.to)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// With PostgreSQL itself out of reach, exports are refused with a
// retryable status and nothing refused is taken; once it is back, the
// exporter's retry is taken, and the database then holds exactly the
// acknowledged spans' events.
func TestPostgresUnreachable(t *testing.T) {
	ctx := context.Background()
	// The proxy goes to the server the test URL names (a socket, for a
	// throwaway cluster), and the store to the proxy.
	raw := pgtest.URL(t)
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	network, to := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, to = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	px := newProxy(t, network, to)
	u, err := neturl.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("host")
	q.Del("port")
	u.RawQuery = q.Encode()
	u.Host = px.addr
	st, err := pgstore.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fileEvents, one := exportFile(t, 20)
	half := len(one) / 2
	for half < len(one) && bytes.Equal(one[half].ScopeSpans[0].Spans[0].TraceId, one[half-1].ScopeSpans[0].Spans[0].TraceId) {
		half++ // cut between traces
	}
	first, second := one[:half], one[half:]
	s := startServer(t, PGStore{Store: st, Instance: "a", Logger: log}, Options{Window: time.Hour, RetryAfter: 3 * time.Second, Logger: log})
	if _, err := s.grpc.Export(ctx, &coltracepb.ExportTraceServiceRequest{ResourceSpans: first}); err != nil {
		t.Fatal(err)
	}

	px.Down()
	msg := &coltracepb.ExportTraceServiceRequest{ResourceSpans: second}
	_, err = s.grpc.Export(ctx, msg)
	if status.Code(err) != codes.Unavailable || retryDelay(t, err) != 3*time.Second {
		t.Errorf("gRPC with PostgreSQL down: %v, want UNAVAILABLE with a RetryInfo of 3s", err)
	}
	body, _ := proto.Marshal(msg)
	if resp := s.post(t, body, "application/x-protobuf", false); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("HTTP with PostgreSQL down: %s Retry-After %q, want 503 and 3", resp.Status, resp.Header.Get("Retry-After"))
	}
	if held, want := s.c.Stats().Spans, int64(len(first)); held != want {
		t.Errorf("%d spans taken, want only the %d acknowledged before PostgreSQL went down", held, want)
	}

	px.Up()
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, err := s.grpc.Export(ctx, msg) // the exporter retries
		if err == nil {
			break
		}
		if status.Code(err) != codes.Unavailable || time.Now().After(deadline) {
			t.Fatalf("after PostgreSQL came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop(t) // Serve shuts the Collector down: everything is stored
	g, err := st.Graph(ctx, runtimegraph.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := graphOf(t, fileEvents); !bytes.Equal(got, want) {
		t.Errorf("the graph differs from the file import's:\n%s\nwant\n%s", got, want)
	}
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, ids, staged int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT event_id), (SELECT count(*) FROM staged_spans) + (SELECT count(*) FROM staged_done) FROM events`).Scan(&rows, &ids, &staged); err != nil {
		t.Fatal(err)
	}
	if rows != len(fileEvents) || ids != rows || staged != 0 {
		t.Errorf("%d events stored (%d ids), the file gives %d; %d staged rows left", rows, ids, len(fileEvents), staged)
	}
}
