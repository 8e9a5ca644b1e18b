// Command eventsgen writes a synthetic, deterministic events file for the
// benchmarks in bench/events.sh: N telemetry events over a realistic
// topology (about 200 services, 1,000 flows, 1,000 merchants in the tags),
// spread over one day in time order, with time-ordered event ids.
//
// Each message makes two events: the sender's publish or request and the
// receiver's consume or serve. A few flows are never received, so the
// graph has dangling flows too. With -csv it writes the same rows as CSV in
// the events table's column order, for psql's \copy baseline.
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

func main() {
	n := flag.Int("n", 2_000_000, "number of events")
	services := flag.Int("services", 200, "number of services")
	flows := flag.Int("flows", 1000, "number of flows")
	merchants := flag.Int("merchants", 1000, "number of merchants")
	seed := flag.Uint64("seed", 1, "random seed")
	csv := flag.Bool("csv", false, "write CSV rows for the events table instead of JSONL")
	out := flag.String("o", "-", "output file")
	flag.Parse()
	if err := run(*n, *services, *flows, *merchants, *seed, *csv, *out); err != nil {
		fmt.Fprintln(os.Stderr, "eventsgen:", err)
		os.Exit(1)
	}
}

type flow struct {
	reqrep                bool
	from, to              string
	channel, mtype, reply string
	dangling              bool
	mu, sigma             float64 // log-normal latency in microseconds
}

func run(n, nsvc, nflows, nmerch int, seed uint64, csv bool, out string) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	svc := make([]string, nsvc)
	for i := range svc {
		svc[i] = fmt.Sprintf("svc-%03d", i)
	}
	fl := make([]flow, nflows)
	for i := range fl {
		from := rng.IntN(nsvc)
		to := (from + 1 + rng.IntN(nsvc-1)) % nsvc
		f := flow{from: svc[from], to: svc[to], mu: math.Log(200 + rng.Float64()*5000), sigma: 0.3 + rng.Float64()*0.7}
		pkg := "github.com/example/mono/" + svc[from]
		if rng.IntN(10) < 3 {
			f.reqrep = true
			f.channel = fmt.Sprintf("%s.rpc-%d", svc[to], i)
			f.mtype = fmt.Sprintf("%s.Request%d", pkg, i)
			f.reply = fmt.Sprintf("%s.Reply%d", pkg, i)
		} else {
			f.channel = fmt.Sprintf("%s.topic-%d", svc[from], i)
			f.mtype = fmt.Sprintf("%s.Event%d", pkg, i)
		}
		f.dangling = i%97 == 0
		fl[i] = f
	}
	var w *bufio.Writer
	if out == "-" {
		w = bufio.NewWriterSize(os.Stdout, 1<<20)
	} else {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = bufio.NewWriterSize(f, 1<<20)
	}
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).UnixMicro()
	step := float64(24*time.Hour/time.Microsecond) / float64(n)
	var buf []byte
	for i := 0; i < n; {
		f := &fl[rng.IntN(nflows)]
		trace := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		merchant := fmt.Sprintf("m%06d", rng.IntN(nmerch))
		msg := fmt.Sprintf("%016x", rng.Uint64())
		parent := ""
		if rng.IntN(2) == 0 {
			parent = fmt.Sprintf("%016x", rng.Uint64())
		}
		lat := int64(math.Exp(f.mu + f.sigma*rng.NormFloat64()))
		failed := rng.IntN(50) == 0
		ts := start + int64(float64(i)*step)
		send := ev{ts: ts, seq: i, trace: trace, service: f.from, channel: f.channel, mtype: f.mtype, msg: msg,
			parent: parent, dur: 20 + lat/20, merchant: merchant, typ: "publish"}
		if f.reqrep {
			send.typ, send.reply, send.dur = "request", f.reply, lat+50
		}
		buf = send.append(buf[:0], csv)
		i++
		if i < n && !f.dangling {
			recv := send
			recv.ts, recv.seq = start+int64(float64(i)*step), i
			recv.service, recv.peer, recv.typ, recv.dur = f.to, f.from, "consume", lat
			if f.reqrep {
				recv.typ = "serve"
			}
			if failed {
				recv.status, recv.err = "error", "boom: simulated failure"
			}
			buf = recv.append(buf, csv)
			i++
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Flush()
}

type ev struct {
	ts                                         int64
	seq                                        int
	typ, trace, service, channel, mtype, reply string
	msg, parent, peer, status, err, merchant   string
	dur                                        int64
}

// id is a UUIDv7-shaped id: the millisecond time, then the sequence number,
// so ids are unique and time-ordered.
func (e *ev) id() string {
	var b [16]byte
	ms := uint64(e.ts / 1000)
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6] = 0x70
	seq := uint64(e.seq)
	for i := 15; i >= 8; i-- {
		b[i] = byte(seq)
		seq >>= 8
	}
	b[8] = 0x80 | b[8]&0x3f
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (e *ev) append(b []byte, csv bool) []byte {
	t := time.UnixMicro(e.ts).UTC()
	status := e.status
	if status == "" {
		status = "ok"
	}
	if csv {
		// ts,event_id,trace_id,event_type,service,operation,channel,message_type,reply_type,system,
		// message_id,parent_ids,peer_service,peer_virtual,duration_us,status,error,tags
		b = t.AppendFormat(b, "2006-01-02 15:04:05.000000+00")
		b = append(b, ',')
		for _, s := range []string{e.id(), e.trace, e.typ, e.service, "", e.channel, e.mtype, e.reply, "", e.msg} {
			b = append(b, s...)
			b = append(b, ',')
		}
		if e.parent != "" {
			b = append(b, "{"+e.parent+"}"...)
		}
		b = append(b, ',')
		b = append(b, e.peer...)
		b = append(b, ",f,"...)
		b = strconv.AppendInt(b, e.dur, 10)
		b = append(b, ',')
		b = append(b, status...)
		b = append(b, ',')
		b = append(b, e.err...)
		b = append(b, `,"{""merchant_id"": ""`...)
		b = append(b, e.merchant...)
		return append(b, "\"\"}\"\n"...)
	}
	b = append(b, `{"event_id":"`...)
	b = append(b, e.id()...)
	b = append(b, `","trace_id":"`...)
	b = append(b, e.trace...)
	b = append(b, `","event_type":"`...)
	b = append(b, e.typ...)
	b = append(b, `","timestamp":"`...)
	b = t.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, `","service":"`...)
	b = append(b, e.service...)
	b = append(b, `","channel":"`...)
	b = append(b, e.channel...)
	b = append(b, `","message_type":"`...)
	b = append(b, e.mtype...)
	if e.reply != "" {
		b = append(b, `","reply_type":"`...)
		b = append(b, e.reply...)
	}
	b = append(b, `","message_id":"`...)
	b = append(b, e.msg...)
	b = append(b, '"')
	if e.parent != "" {
		b = append(b, `,"parent_ids":["`...)
		b = append(b, e.parent...)
		b = append(b, `"]`...)
	}
	if e.peer != "" {
		b = append(b, `,"peer_service":"`...)
		b = append(b, e.peer...)
		b = append(b, '"')
	}
	b = append(b, `,"duration_us":`...)
	b = strconv.AppendInt(b, e.dur, 10)
	b = append(b, `,"status":"`...)
	b = append(b, status...)
	b = append(b, '"')
	if e.err != "" {
		b = append(b, `,"error":"`...)
		b = append(b, e.err...)
		b = append(b, '"')
	}
	b = append(b, `,"tags":{"merchant_id":"`...)
	b = append(b, e.merchant...)
	return append(b, "\"}}\n"...)
}
