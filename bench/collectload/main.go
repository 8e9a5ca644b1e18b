// Command collectload drives a running tracegraph collect with concurrent
// OTLP/gRPC exporters for a while and prints spans acknowledged per
// second, refusals, and the median and 99th percentile export latency.
// With -baseline it instead does PostgreSQL's part of the same work alone
// (see baseline), for the ceiling to compare with.
//
//	collectload -addr 127.0.0.1:4317 -clients 16 -spans 512 -for 20s
//	collectload -baseline postgres://... -clients 16 -for 20s
//
// Every request carries fresh trace ids, so nothing is deduplicated away.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4317", "collect's OTLP/gRPC address")
	clients := flag.Int("clients", 16, "concurrent exporters")
	perReq := flag.Int("spans", 512, "spans per export (the SDK's default batch)")
	dur := flag.Duration("for", 20*time.Second, "how long to drive")
	db := flag.String("baseline", "", "do PostgreSQL's part of the work alone, into this database")
	flag.Parse()
	if *db != "" {
		baseline(context.Background(), *db, *clients, *perReq, *dur)
		return
	}

	template, err := encode(templateRequest(*perReq))
	if err != nil {
		log.Fatal(err)
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	codec := grpc.ForceCodecV2(newRawCodec())

	var acked, refused atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Uint64
	stop := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for range *clients {
		wg.Go(func() {
			var mine []time.Duration
			var buf []byte
			for time.Now().Before(stop) {
				buf = template.fresh(buf, next.Add(1))
				t0 := time.Now()
				err := conn.Invoke(context.Background(), coltracepb.TraceService_Export_FullMethodName,
					rawRequest(buf), &coltracepb.ExportTraceServiceResponse{}, codec)
				d := time.Since(t0)
				if err != nil {
					if status.Code(err).String() == "Unavailable" && time.Now().After(stop) {
						break
					}
					refused.Add(int64(*perReq))
					time.Sleep(100 * time.Millisecond) // an exporter backs off
					continue
				}
				mine = append(mine, d)
				acked.Add(int64(*perReq))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("%d clients x %d spans/export for %s: %.0f spans/s acknowledged, %d spans refused, export latency p50 %s p99 %s\n",
		*clients, *perReq, *dur, float64(acked.Load())/dur.Seconds(), refused.Load(), q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond))
}

// templateRequest is n generated spans (whole traces) in one request.
func templateRequest(n int) *coltracepb.ExportTraceServiceRequest {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, (n+spanstest.SpansPerTrace-1)/spanstest.SpansPerTrace); err != nil {
		log.Fatal(err)
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var td tracepb.TracesData
		if err := protojson.Unmarshal(line, &td); err != nil {
			log.Fatal(err)
		}
		if err := spans.FixJSONIDs(td.ResourceSpans); err != nil {
			log.Fatal(err)
		}
		req.ResourceSpans = append(req.ResourceSpans, td.ResourceSpans...)
	}
	return req
}

func init() { log.SetFlags(0); log.SetOutput(os.Stderr) }
