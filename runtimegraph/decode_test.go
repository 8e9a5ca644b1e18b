package runtimegraph

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
)

const typical = `{"event_id":"e1","trace_id":"t1","event_type":"consume","timestamp":"2026-11-24T10:00:00.123456Z","service":"inventory","operation":"AdjustStock","channel":"sku.updated","message_type":"shop/catalog.SkuUpdated","reply_type":"","system":"nats","message_id":"m-42","parent_ids":["m-41","m-40"],"peer_service":"catalog","peer_virtual":false,"duration_us":812,"status":"ok","error":"","tags":{"merchant_id":"4c5d6e7","region":"eu"}}`

// decodeCases are lines the fast path must decide exactly as encoding/json:
// some it handles itself, the rest it must hand over.
var decodeCases = []struct {
	name string
	line string
	fast bool // the fast path handles it (no fallback)
}{
	{"typical", typical, true},
	{"minimal", `{"event_id":"e","event_type":"start","service":"s","timestamp":"2026-11-24T10:00:00Z"}`, true},
	{"spaces", " { \"event_id\" : \"e\" ,\t\"event_type\":\"x\", \"service\":\"s\",\"timestamp\":\"2026-11-24T10:00:00+02:00\" , \"duration_us\" : -5 } ", true},
	{"nanoseconds truncated", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00.123456789Z"}`, true},
	{"empty lists", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","parent_ids":[],"tags":{}}`, true},
	{"utf8", `{"event_id":"é","event_type":"x","service":"søk","timestamp":"2026-11-24T10:00:00Z","tags":{"ключ":"値"}}`, true},
	{"peer virtual", `{"event_id":"e","event_type":"serve","service":"s","peer_service":"gw","peer_virtual":true,"timestamp":"2026-11-24T10:00:00Z"}`, true},
	{"escape", `{"event_id":"e\"1","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","error":"a\nb"}`, false},
	{"unicode escape", `{"event_id":"e\u0041","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"}`, false},
	{"null", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","tags":null}`, false},
	{"unknown key", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","extra":1}`, false},
	{"case-folded key", `{"Event_ID":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"}`, false},
	{"repeated key", `{"event_id":"e","event_id":"f","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"}`, false},
	{"repeated tags", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","tags":{"a":"1"},"tags":{"b":"2"}}`, false},
	{"repeated tag key", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","tags":{"a":"1","a":"2"}}`, false},
	{"float duration", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","duration_us":1.5}`, false},
	{"exponent duration", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","duration_us":1e3}`, false},
	{"leading zero", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","duration_us":012}`, false},
	{"huge duration", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","duration_us":99999999999999999999}`, false},
	{"string duration", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","duration_us":"5"}`, false},
	{"leap day", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2028-02-29T23:59:59.1Z"}`, true},
	{"no leap day", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2100-02-29T00:00:00Z"}`, false},
	{"hour 24", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T24:00:00Z"}`, false},
	{"leap second", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-12-31T23:59:60Z"}`, false},
	{"empty fraction", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00.Z"}`, false},
	{"ten fraction digits", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00.1234567891Z"}`, true},
	{"lower-case zone", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24t10:00:00z"}`, false},
	{"bad time", `{"event_id":"e","event_type":"x","service":"s","timestamp":"24/11/2026"}`, false},
	{"missing id", `{"event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"}`, false},
	{"empty object", `{}`, false},
	{"trailing garbage", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"} x`, false},
	{"trailing comma", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z",}`, false},
	{"array", `[1,2]`, false},
	{"invalid utf8", "{\"event_id\":\"\xff\",\"event_type\":\"x\",\"service\":\"s\",\"timestamp\":\"2026-11-24T10:00:00Z\"}", false},
	{"control char", "{\"event_id\":\"a\tb\",\"event_type\":\"x\",\"service\":\"s\",\"timestamp\":\"2026-11-24T10:00:00Z\"}", false},
	{"number as id", `{"event_id":5,"event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"}`, false},
	{"truncated", `{"event_id":"e","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z"`, false},
}

// checkSame asserts that the Decoder and telemetry.DecodeEvent agree on line.
func checkSame(t *testing.T, d *Decoder, line []byte) {
	t.Helper()
	var want, got telemetry.Event
	wantErr := telemetry.DecodeEvent(line, &want)
	gotErr := d.Decode(line, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: DecodeEvent error %v, Decoder error %v", line, wantErr, gotErr)
	}
	if wantErr != nil {
		if wantErr.Error() != gotErr.Error() {
			t.Fatalf("%q: error %q, want %q", line, gotErr, wantErr)
		}
		g := &Decoder{skip: graphSkip | fTags}
		if err := g.Decode(line, &telemetry.Event{}); err == nil {
			t.Fatalf("%q: graph decoder accepted a line DecodeEvent rejects (%v)", line, wantErr)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", line, got, want)
	}
	// The graph's decoder accepts and rejects the same lines and fills
	// every field it does not skip the same way.
	g := &Decoder{skip: graphSkip | fTags}
	var partial telemetry.Event
	if err := g.Decode(line, &partial); err != nil {
		t.Fatalf("%q: graph decoder error %v, full decoder none", line, err)
	}
	if g.fast(line, &telemetry.Event{}) {
		want.EventID, want.TraceID, want.Operation, want.MessageID, want.ParentIDs, want.Error, want.Tags = "", "", "", "", nil, "", nil
		partial.Normalize()
		if !reflect.DeepEqual(partial, want) {
			t.Fatalf("%q: graph decoder\n got %+v\nwant %+v", line, partial, want)
		}
	}
}

func TestDecoderMatchesDecodeEvent(t *testing.T) {
	d := NewDecoder()
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			checkSame(t, d, []byte(tt.line))
			var e telemetry.Event
			if fast := d.fast([]byte(tt.line), &e); fast != tt.fast {
				t.Errorf("fast path taken = %v, want %v", fast, tt.fast)
			}
		})
	}
}

// TestDecoderFixture: every line the JSONL writer produces for the fixture
// (including escaped error text) decodes the same both ways.
func TestDecoderFixture(t *testing.T) {
	var buf bytes.Buffer
	w := telemetry.NewWriter(&buf)
	for _, e := range fixture.Shop(200) {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	d := NewDecoder()
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		checkSame(t, d, []byte(l))
	}
}

func FuzzDecoder(f *testing.F) {
	for _, tt := range decodeCases {
		f.Add([]byte(tt.line))
	}
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, line []byte) {
		checkSame(t, d, line)
	})
}

// TestDecoderTimes: one Decoder reads times across days, months, leap
// days and back again (it remembers the last day) as DecodeEvent does, and
// leaves an impossible date to the slow path, which refuses it, as
// telemetry.DecodeEvent does.
func TestDecoderTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	d := &Decoder{skip: graphSkip | fTags}
	var e telemetry.Event
	line := func(ts string) []byte {
		return []byte(`{"event_id":"x","event_type":"publish","timestamp":"` + ts + `","service":"a"}`)
	}
	base := time.Date(2024, 2, 27, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		at := base.Add(time.Duration(rng.Int64N(int64(5 * 24 * time.Hour))))
		if i%7 == 0 {
			at = at.AddDate(rng.IntN(3), rng.IntN(13), 0)
		}
		ts := at.Format("2006-01-02T15:04:05.999999999Z")
		if err := d.Decode(line(ts), &e); err != nil {
			t.Fatalf("%s: %v", ts, err)
		}
		var want telemetry.Event
		if err := telemetry.DecodeEvent(line(ts), &want); err != nil {
			t.Fatal(err)
		}
		if e.Timestamp != want.Timestamp {
			t.Fatalf("%s read as %v, want %v", ts, e.Timestamp, want.Timestamp)
		}
	}
	for _, bad := range []string{"2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-24T24:00:00Z"} {
		if err := d.Decode(line(bad), &e); err == nil {
			t.Errorf("%s read as %v", bad, e.Timestamp)
		}
	}
}
