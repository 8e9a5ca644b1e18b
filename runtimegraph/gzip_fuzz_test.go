package runtimegraph

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/internal/fuzzseed"
	"github.com/tracegraph/tracegraph/telemetry"
)

// gzipSeeds are committed gzip files: whole (of two members), cut off in
// the middle, and with a bad checksum. A missing one fails the fuzzer.
var gzipSeeds = []string{
	"testdata/gzip/two-members.jsonl.gz",
	"testdata/gzip/truncated.jsonl.gz",
	"testdata/gzip/bad-checksum.jsonl.gz",
}

// FuzzGzip reads arbitrary bytes as a gzip events file (content that is
// not gzip is compressed first) and holds it to what the same content
// gives uncompressed, as decompressed by compress/gzip on its own:
//   - a stream that decompresses whole reads exactly as the plain file:
//     the same events, counts, bad lines and outcome;
//   - a stream that breaks (cut off, bad checksum, garbage after a member)
//     is an error naming the file and gzip, and the events read are those
//     of the whole lines decompressed before the break;
//   - a header gzip refuses is that error, and no event.
func FuzzGzip(f *testing.F) {
	fuzzseed.Add(f, gzipSeeds...)
	f.Add([]byte("{\"event_id\":\"a\",\"event_type\":\"consume\",\"service\":\"b\",\"timestamp\":\"2026-11-24T10:00:00Z\"}\nnot json\n"))
	// Each fuzzing process runs this function once and then the target
	// many times, one at a time, so one directory serves them all.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, gzipMagic) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(data)
			_ = zw.Close()
			data = buf.Bytes()
		}
		gzPath := filepath.Join(dir, "events.jsonl.gz")
		if err := os.WriteFile(gzPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, gotErr := readAll(gzPath)
		if gotErr != nil && (!strings.Contains(gotErr.Error(), gzPath) || !strings.Contains(gotErr.Error(), "gzip") ||
			strings.Contains(gotErr.Error(), "\n")) {
			t.Fatalf("error does not name the file and gzip on one line: %q", gotErr)
		}

		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			if gotErr == nil || got.st.Read != 0 || got.st.Rejected != 0 {
				t.Fatalf("gzip refuses the header (%v), the read gave %+v, %v", err, got.st, gotErr)
			}
			return
		}
		plain, zerr := io.ReadAll(zr)
		if zerr != nil {
			if gotErr == nil {
				t.Fatalf("the stream breaks (%v) but the read did not say so", zerr)
			}
			// Only whole lines count from a stream that broke.
			plain = plain[:bytes.LastIndexByte(plain, '\n')+1]
		}
		if bytes.HasPrefix(plain, gzipMagic) || bytes.HasPrefix(plain, zstdMagic) {
			return // compressed twice: the plain file would be read through gzip again
		}
		plainPath := filepath.Join(dir, "events.jsonl")
		if err := os.WriteFile(plainPath, plain, 0o644); err != nil {
			t.Fatal(err)
		}
		want, wantErr := readAll(plainPath)
		if zerr == nil && (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("whole stream: error %v, plain file: %v", gotErr, wantErr)
		}
		if !reflect.DeepEqual(got.events, want.events) {
			t.Fatalf("events differ: gzip %d, plain %d", len(got.events), len(want.events))
		}
		if got.st.Read != want.st.Read || got.st.Rejected != want.st.Rejected || got.st.Duplicates != want.st.Duplicates ||
			!reflect.DeepEqual(got.bad, want.bad) {
			t.Fatalf("counts differ: gzip %+v %v, plain %+v %v", got.st, got.bad, want.st, want.bad)
		}
	})
}

type readResult struct {
	events []telemetry.Event
	st     ReadStats
	bad    []string // bad lines as line: reason, without the file name
}

func readAll(path string) (readResult, error) {
	var r readResult
	st, err := ReadFiles(context.Background(), []string{path}, ReadOptions{Workers: 1}, func(_ int, e *telemetry.Event) error {
		r.events = append(r.events, *e)
		return nil
	})
	r.st = st
	for _, le := range st.Bad {
		r.bad = append(r.bad, strings.ReplaceAll(le.Error(), path, "FILE"))
	}
	return r, err
}
