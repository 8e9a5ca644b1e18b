package collect

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
)

// BenchmarkPostgresExport drives a Collector into PostgreSQL from
// concurrent exporters, each operation one 516-span export as the gRPC
// handler takes it (the request decoded from its bytes, then staged as they
// are), until every span is stored. Beside spans/s it reports the CPU time
// per span of this process and of the PostgreSQL server processes serving
// it: on a shared machine those vary far less than the rate does.
// bench/collect.sh measures the whole command over gRPC.
func BenchmarkPostgresExport(b *testing.B) {
	ctx := context.Background()
	url := pgtest.URL(b)
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := New(PGStore{Store: st, Instance: "bench", Logger: log}, Options{Window: 2 * time.Second, Logger: log})
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	body, perReq, offsets := benchRequest(b)
	var next, refused atomic.Uint64
	cpu0, pg0 := selfCPU(), serverCPU(b, url)
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := bytes.Clone(body)
			n := next.Add(1)
			for _, o := range offsets {
				binary.BigEndian.PutUint64(req[o:], n)
			}
			var msg coltracepb.ExportTraceServiceRequest
			if err := proto.Unmarshal(req, &msg); err != nil {
				b.Error(err)
				return
			}
			for {
				_, err := c.ExportRequest(ctx, msg.ResourceSpans, req)
				if err == nil {
					break
				}
				if !errors.Is(err, ErrOverloaded) {
					b.Error(err)
					return
				}
				refused.Add(1)
				time.Sleep(20 * time.Millisecond) // the exporter backs off
			}
		}
	})
	if err := c.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	spansDone := float64(b.N * perReq)
	b.ReportMetric(spansDone/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/spansDone, "cpu-us/span")
	b.ReportMetric(float64((serverCPU(b, url)-pg0).Microseconds())/spansDone, "pg-cpu-us/span")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refusals/op")
	b.ReportMetric(0, "ns/op")
}

// benchRequest is a generated export request's bytes, its span count, and
// where in the bytes each trace id's first eight bytes are (spans' and
// links'), for a fresh copy to number.
func benchRequest(b *testing.B) ([]byte, int, []int) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, 86); err != nil {
		b.Fatal(err)
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	traces := map[string]bool{}
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var td tracepb.TracesData
		if err := protojson.Unmarshal(line, &td); err != nil {
			b.Fatal(err)
		}
		if err := spans.FixJSONIDs(td.ResourceSpans); err != nil {
			b.Fatal(err)
		}
		for _, rs := range td.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					traces[string(sp.TraceId)] = true
					n++
				}
			}
		}
		req.ResourceSpans = append(req.ResourceSpans, td.ResourceSpans...)
	}
	body, err := proto.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	var offsets []int
	for id := range traces {
		for i := 0; ; {
			j := bytes.Index(body[i:], []byte(id))
			if j < 0 {
				break
			}
			offsets = append(offsets, i+j)
			i += j + len(id)
		}
	}
	return body, n, offsets
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the CPU time of the PostgreSQL server processes serving
// url's application_name (pgtest gives each test its own), read from /proc:
// 0 where the server runs elsewhere.
func serverCPU(b *testing.B, url string) time.Duration {
	u, err := neturl.Parse(url)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, u.Query().Get("application_name"))
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis; utime and
		// stime are the 12th and 13th of them, in clock ticks (100 a second
		// on Linux).
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(u+s) * 10 * time.Millisecond
	}
	return total
}
