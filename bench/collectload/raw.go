package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
)

// The driver shares the machine's two cores with collect and PostgreSQL, so
// every microsecond it spends per span is taken from what it measures.
// Cloning and marshalling a request of 512 spans cost it about 8 µs a span
// (pprof); an exporter on its own machine pays that on its own cores. So
// the request is marshalled once and each export copies those bytes and
// patches the fields that must be fresh in place. The bytes on the wire are
// a protobuf request as an SDK's exporter sends it.

// encoded is a marshalled request and where in it the fields to renew lie.
type encoded struct {
	body []byte
	// traces are the offsets of the first eight bytes of every trace id
	// (spans' and links'), each set to the request number.
	traces []int
	// times are the offsets of every fixed64 start and end time, each set
	// to now plus its offset from the template's first start.
	times   []int
	offsets []uint64
}

// encode marshals t with markers in the fields to renew and finds them:
// each trace id's first eight bytes and each time is replaced by a marker
// no real value has, so finding a marker in the bytes finds that field.
func encode(t *coltracepb.ExportTraceServiceRequest) (*encoded, error) {
	req := proto.Clone(t).(*coltracepb.ExportTraceServiceRequest)
	const traceMark, timeMark = 0x7ace_1d00_0000_0000, 0x71_3e00_0000_0000
	e := &encoded{}
	var base uint64
	var times []uint64
	traces := map[string]uint64{}
	markTrace := func(id []byte) {
		if len(id) != 16 {
			return
		}
		m, ok := traces[string(id)]
		if !ok {
			m = traceMark + uint64(len(traces))
			traces[string(id)] = m
		}
		binary.BigEndian.PutUint64(id[:8], m)
	}
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				if base == 0 {
					base = sp.StartTimeUnixNano
				}
				markTrace(sp.TraceId)
				for _, l := range sp.Links {
					markTrace(l.TraceId)
				}
				times = append(times, sp.StartTimeUnixNano-base, sp.EndTimeUnixNano-base)
				sp.StartTimeUnixNano = timeMark + uint64(len(times)-2)
				sp.EndTimeUnixNano = timeMark + uint64(len(times)-1)
			}
		}
	}
	body, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	e.body = body
	var be, le [8]byte
	for _, m := range traces {
		binary.BigEndian.PutUint64(be[:], m)
		e.traces = append(e.traces, findAll(body, be[:])...)
	}
	for i, off := range times {
		binary.LittleEndian.PutUint64(le[:], timeMark+uint64(i))
		at := findAll(body, le[:])
		if len(at) != 1 {
			return nil, fmt.Errorf("time marker %d found %d times", i, len(at))
		}
		e.times = append(e.times, at[0])
		e.offsets = append(e.offsets, off)
	}
	return e, nil
}

func findAll(b, sub []byte) []int {
	var at []int
	for i := 0; ; {
		j := bytes.Index(b[i:], sub)
		if j < 0 {
			return at
		}
		at = append(at, i+j)
		i += j + len(sub)
	}
}

// fresh returns the request's bytes with trace ids for request n and times
// from now, in buf's storage when it is large enough.
func (e *encoded) fresh(buf []byte, n uint64) []byte {
	buf = append(buf[:0], e.body...)
	for _, at := range e.traces {
		binary.BigEndian.PutUint64(buf[at:], n)
	}
	now := uint64(time.Now().UnixNano())
	for i, at := range e.times {
		binary.LittleEndian.PutUint64(buf[at:], now+e.offsets[i])
	}
	return buf
}

// rawRequest is a request already marshalled.
type rawRequest []byte

// rawCodec sends a rawRequest's bytes as they are and decodes the reply as
// gRPC's protobuf codec does. Its name is "proto", so the call's content
// type is the one every OTLP exporter sends.
type rawCodec struct{ proto encoding.CodecV2 }

func newRawCodec() rawCodec { return rawCodec{encoding.GetCodecV2("proto")} }

func (c rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if r, ok := v.(rawRequest); ok {
		return mem.BufferSlice{mem.SliceBuffer(r)}, nil
	}
	return c.proto.Marshal(v)
}

func (c rawCodec) Unmarshal(data mem.BufferSlice, v any) error { return c.proto.Unmarshal(data, v) }

func (rawCodec) Name() string { return "proto" }
