// Command serveload drives a running `tracegraph serve` with concurrent
// clients for bench/serve.sh and prints the latency of each route (p50,
// p99, max), the number of answers that were not 200, and the server's
// resident memory (its peak and its size at the end, from /proc).
//
// Each client sends requests back to back, alternating between the events
// page's queries (/api/events with the filters the page offers) and the
// trace page's (/api/trace/ID). First, for a quarter of the time, the same
// clients ask /api/info, which reads no store: its p50 is the floor of this
// machine, this load and this HTTP stack, and each route's p50 is printed
// as a ratio to it too. The trace ids, services and merchants asked
// for are sampled from the events file the server reads, so every trace
// exists and most filters match.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:7778", "the server's address")
	events := flag.String("events", "", "the events file the server reads (for trace ids, services and merchants)")
	clients := flag.Int("clients", 50, "concurrent clients")
	duration := flag.Duration("duration", 20*time.Second, "how long the clients send requests")
	timeout := flag.Duration("timeout", 60*time.Second, "the longest a request may take; a longer one counts as cut off")
	pid := flag.Int("pid", 0, "the server's process id, for its resident memory (0: not shown)")
	flag.Parse()
	if err := run(*base, *events, *clients, *duration, *timeout, *pid); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

// sample is what the requests ask for.
type sample struct {
	traces, services, merchants []string
}

// sampleFile takes every 997th event's trace, service and merchant.
func sampleFile(path string) (*sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &sample{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bufio.NewReaderSize(f, 1<<20))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 0; sc.Scan(); n++ {
		if n%997 != 0 {
			continue
		}
		var e struct {
			TraceID string            `json:"trace_id"`
			Service string            `json:"service"`
			Tags    map[string]string `json:"tags"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n+1, err)
		}
		s.traces = append(s.traces, e.TraceID)
		if !seen["s"+e.Service] {
			seen["s"+e.Service] = true
			s.services = append(s.services, e.Service)
		}
		if m := e.Tags["merchant_id"]; m != "" && !seen["m"+m] {
			seen["m"+m] = true
			s.merchants = append(s.merchants, m)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(s.traces) == 0 || len(s.services) == 0 {
		return nil, fmt.Errorf("%s: no events to sample", path)
	}
	if len(s.merchants) == 0 {
		s.merchants = []string{"none"}
	}
	return s, nil
}

// eventsQuery is one of the events page's questions, as it asks them (its
// default limit is the API's, 500).
func (s *sample) eventsQuery(r *rand.Rand) string {
	svc := s.services[r.IntN(len(s.services))]
	m := s.merchants[r.IntN(len(s.merchants))]
	q := url.Values{}
	switch r.IntN(6) {
	case 0: // the latest events, no filter
	case 1:
		q.Set("service", svc)
	case 2:
		q.Set("service", svc)
		q.Set("status", "error")
	case 3:
		q.Set("where", "merchant_id="+m)
	case 4:
		q.Set("status", "error")
		q.Set("where", "merchant_id="+m)
	case 5:
		q.Set("trace_id", s.traces[r.IntN(len(s.traces))])
	}
	return "/api/events?" + q.Encode()
}

type result struct {
	route   string
	took    time.Duration
	code    int // 0: failed or cut off
	errText string
}

func run(base, events string, clients int, duration, timeout time.Duration, pid int) error {
	if events == "" {
		return fmt.Errorf("-events is required")
	}
	s, err := sampleFile(events)
	if err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: tr, Timeout: timeout}
	floorRes := drive(hc, clients, duration/4, func(*rand.Rand, int, int) (string, string) { return "/api/info", base + "/api/info" })
	var floor []time.Duration
	for _, r := range floorRes["/api/info"] {
		if r.code == http.StatusOK {
			floor = append(floor, r.took)
		}
	}
	slices.Sort(floor)
	fmt.Printf("floor: /api/info %d requests  p50 %s  p99 %s\n", len(floor), pct(floor, 50), pct(floor, 99))
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var peak int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if rss, _ := procKB(pid, "VmRSS:"); rss > peak {
					peak = rss
				}
			}
		}
	}()
	by := drive(hc, clients, duration, func(r *rand.Rand, c, i int) (string, string) {
		if (i+c)%2 == 1 {
			return "/api/trace", base + "/api/trace/" + url.PathEscape(s.traces[r.IntN(len(s.traces))])
		}
		return "/api/events", base + s.eventsQuery(r)
	})
	<-done
	fmt.Printf("%d clients for %s against %s\n", clients, duration, base)
	for _, route := range []string{"/api/events", "/api/trace"} {
		rs := by[route]
		var ok []time.Duration
		cut, bad := 0, map[string]int{}
		for _, r := range rs {
			switch {
			case r.code == http.StatusOK:
				ok = append(ok, r.took)
			case r.code == 0:
				cut++
				// A request cut off at the end took at least this long.
				ok = append(ok, r.took)
				bad[r.errText]++
			default:
				bad[strconv.Itoa(r.code)]++
			}
		}
		slices.Sort(ok)
		ratio := "-"
		if len(ok) > 0 && len(floor) > 0 {
			ratio = fmt.Sprintf("%.1fx", float64(ok[len(ok)/2])/float64(floor[len(floor)/2]))
		}
		fmt.Printf("%-12s %6d requests  p50 %8s (%s the floor)  p99 %8s  max %8s  (%.0f/s)  not 200: %d %v\n", route, len(rs),
			pct(ok, 50), ratio, pct(ok, 99), pct(ok, 100), float64(len(rs))/duration.Seconds(), len(rs)-len(ok)+cut, bad)
	}
	if pid > 0 {
		hwm, _ := procKB(pid, "VmHWM:")
		rss, _ := procKB(pid, "VmRSS:")
		fmt.Printf("server RSS: peak %d MB over its life, peak %d MB during the run, %d MB at the end\n", hwm/1024, peak/1024, rss/1024)
	}
	return nil
}

// drive runs clients that send next's requests back to back for d and
// returns the results by route.
func drive(hc *http.Client, clients int, d time.Duration, next func(r *rand.Rand, client, i int) (route, target string)) map[string][]result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	results := make(chan result, 1024)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 42))
			for i := 0; ctx.Err() == nil; i++ {
				route, target := next(r, c, i)
				results <- do(ctx, hc, route, target)
			}
		})
	}
	go func() { wg.Wait(); close(results) }()
	by := map[string][]result{}
	for res := range results {
		by[res.route] = append(by[res.route], res)
	}
	return by
}

func do(ctx context.Context, hc *http.Client, route, target string) result {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return result{route: route, errText: err.Error()}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return result{route: route, took: time.Since(t0), errText: "cut off"}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return result{route: route, took: time.Since(t0), errText: "cut off"}
	}
	return result{route: route, took: time.Since(t0), code: resp.StatusCode}
}

// pct is the p-th percentile of sorted durations, rounded for reading.
func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	i := min(len(d)-1, (len(d)*p+99)/100-1)
	return d[max(i, 0)].Round(100 * time.Microsecond).String()
}

// procKB reads a "Name: N kB" line of /proc/PID/status.
func procKB(pid int, name string) (int64, error) {
	if pid <= 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
