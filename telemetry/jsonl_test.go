package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func sampleEvent(i int) Event {
	return Event{
		EventID:     fmt.Sprintf("e-%04d", i),
		TraceID:     "t1",
		EventType:   TypeConsume,
		Timestamp:   time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Service:     "inventory",
		Operation:   "AdjustStock",
		Channel:     "sku.updated",
		MessageType: "example.com/shop/catalog.SkuUpdated",
		MessageID:   fmt.Sprintf("m-%d", i),
		ParentIDs:   []string{"m-0"},
		PeerService: "catalog",
		DurationUS:  812,
		Status:      StatusOK,
		Tags:        map[string]string{"merchant_id": "4c5d6e7"},
	}
}

func TestWriterReaderRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var want []Event
	for i := range 50 {
		e := sampleEvent(i)
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
		e.Normalize()
		want = append(want, e)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf, "mem.jsonl")
	var got []Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got[0], want[0])
	}
	// Microseconds, as PostgreSQL keeps them.
	if ns := got[0].Timestamp.Nanosecond(); ns != 123456000 {
		t.Errorf("timestamp not truncated to µs: %d ns", ns)
	}
}

func TestWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				w.Record(context.Background(), sampleEvent(g*1000+i))
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 800 {
		t.Fatalf("got %d lines, want 800", len(lines))
	}
	seen := map[string]bool{}
	for i, l := range lines {
		var e Event
		if err := DecodeEvent([]byte(l), &e); err != nil {
			t.Fatalf("line %d interleaved or corrupt: %v", i+1, err)
		}
		seen[e.EventID] = true
	}
	if len(seen) != 800 {
		t.Fatalf("got %d distinct events, want 800", len(seen))
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterKeepsFirstError(t *testing.T) {
	w := NewWriter(&failingWriter{})
	_ = w.Write(sampleEvent(1))
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Close error = %v, want disk full", err)
	}
}

func TestReaderErrors(t *testing.T) {
	good := `{"event_id":"a","event_type":"publish","service":"s","timestamp":"2026-11-24T10:00:00Z"}`
	tests := []struct {
		name     string
		input    string
		max      int
		wantErrs []string // error per bad line, in order
		wantOK   int
	}{
		{"blank lines skipped", "\n" + good + "\n\n" + good + "\n", 0, nil, 2},
		{"no trailing newline", good, 0, nil, 1},
		{"crlf", good + "\r\n" + good + "\r\n", 0, nil, 2},
		{"bad json names line", good + "\n{oops\n" + good + "\n", 0, []string{"f.jsonl:2: invalid JSON"}, 2},
		{"missing event_id", `{"event_type":"publish","service":"s","timestamp":"2026-11-24T10:00:00Z"}` + "\n", 0,
			[]string{"f.jsonl:1: invalid event: missing event_id"}, 0},
		{"missing timestamp", `{"event_id":"a","event_type":"publish","service":"s"}`, 0,
			[]string{"f.jsonl:1: invalid event: missing timestamp"}, 0},
		{"wrong type", `{"event_id":"a","event_type":"publish","service":"s","timestamp":"2026-11-24T10:00:00Z","duration_us":"x"}`, 0,
			[]string{"f.jsonl:1: invalid event"}, 0},
		{"line too long then good", strings.Repeat("x", 300) + "\n" + good + "\n", 200,
			[]string{"f.jsonl:1: line too long"}, 1},
		{"long line within limit", good + strings.Repeat(" ", 1000) + "\n", 2000, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.input), "f.jsonl")
			if tt.max > 0 {
				r.SetMaxLineBytes(tt.max)
			}
			var errs []string
			ok := 0
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					var le *LineError
					if !errors.As(err, &le) {
						t.Fatalf("error %v is not a *LineError", err)
					}
					errs = append(errs, err.Error())
					continue
				}
				ok++
			}
			if ok != tt.wantOK {
				t.Errorf("got %d good events, want %d", ok, tt.wantOK)
			}
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("errors = %q, want %d matching %q", errs, len(tt.wantErrs), tt.wantErrs)
			}
			for i := range errs {
				if !strings.HasPrefix(errs[i], tt.wantErrs[i]) {
					t.Errorf("error %d = %q, want prefix %q", i, errs[i], tt.wantErrs[i])
				}
				if strings.Contains(errs[i], "\n") {
					t.Errorf("error %d spans lines: %q", i, errs[i])
				}
			}
		})
	}
}

// FuzzReader feeds arbitrary bytes to the reader: it must never panic, must
// terminate, and every event it accepts must survive a write/read round trip.
func FuzzReader(f *testing.F) {
	var seed bytes.Buffer
	w := NewWriter(&seed)
	_ = w.Write(sampleEvent(1))
	_ = w.Close()
	f.Add(seed.Bytes())
	f.Add([]byte("{}\n\n{\"event_id\":1}\n"))
	f.Add([]byte(`{"event_id":"a","event_type":"x","service":"s","timestamp":"2026-11-24T10:00:00Z","tags":{"k":"v"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "fuzz")
		r.SetMaxLineBytes(512)
		for range len(data) + 2 {
			e, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			var out bytes.Buffer
			ww := NewWriter(&out)
			if err := ww.Write(e); err != nil {
				t.Fatalf("accepted event does not encode: %v", err)
			}
			_ = ww.Close()
			var back Event
			if err := DecodeEvent(bytes.TrimSpace(out.Bytes()), &back); err != nil {
				t.Fatalf("re-read failed: %v\n%s", err, out.Bytes())
			}
			if !reflect.DeepEqual(back, e) {
				t.Fatalf("round trip changed the event:\n%+v\n%+v", e, back)
			}
		}
		t.Fatal("reader did not reach EOF")
	})
}

// writeCalls records each write that reaches the file.
type writeCalls struct{ calls [][]byte }

func (w *writeCalls) Write(p []byte) (int, error) {
	w.calls = append(w.calls, append([]byte(nil), p...))
	return len(p), nil
}

// Every write the Writer makes to its file holds whole lines, so that a
// reader of a file still being written never sees it end inside a line.
func TestWriterWritesWholeLines(t *testing.T) {
	var out writeCalls
	w := NewWriter(&out)
	for i := range 2000 {
		e := Event{EventID: fmt.Sprintf("e-%d", i), EventType: "publish", Service: "svc", Channel: "ch",
			Timestamp: time.Date(2026, 12, 1, 0, 0, i, 0, time.UTC), Tags: map[string]string{"pad": strings.Repeat("x", i%300)}}
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(out.calls) < 2 {
		t.Fatalf("%d writes: the test needs the buffer to fill", len(out.calls))
	}
	lines := 0
	for i, c := range out.calls {
		if !bytes.HasSuffix(c, []byte("\n")) {
			t.Fatalf("write %d of %d ends inside a line: …%q", i+1, len(out.calls), c[max(0, len(c)-40):])
		}
		lines += bytes.Count(c, []byte("\n"))
	}
	if lines != 2000 {
		t.Errorf("%d lines written, want 2000", lines)
	}
}
