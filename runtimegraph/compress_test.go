package runtimegraph

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// gzipFile writes data gzip-compressed, in members of at most split bytes
// (concatenated members are what appending to a .gz, or rotation, gives).
func gzipFile(t *testing.T, path string, data []byte, split int) {
	t.Helper()
	var buf bytes.Buffer
	for len(data) > 0 {
		n := min(split, len(data))
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// shopEventsFile writes the fixture's events to a JSONL file in a new
// directory and returns the directory, the file and its content.
func shopEventsFile(t *testing.T) (dir, path string, data []byte) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "events.jsonl")
	fixture.WriteJSONL(t, path, fixture.Shop(400))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, data
}

func encodeGraph(t *testing.T, g *topology.Graph) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := topology.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A gzip-compressed events file, in one member or several, gives the graph
// of the plain file; the name does not matter, the content does.
func TestGzipEventsFile(t *testing.T) {
	dir, plain, data := shopEventsFile(t)
	want, st, err := FromFiles(context.Background(), []string{plain}, Filter{}, ReadOptions{})
	if err != nil || st.Read == 0 {
		t.Fatalf("plain file: %d events, %v", st.Read, err)
	}
	for _, tc := range []struct {
		name  string
		split int
	}{{"events.jsonl.gz", len(data)}, {"rotated-without-suffix", 10_000}} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			gzipFile(t, p, data, tc.split)
			got, gst, err := FromFiles(context.Background(), []string{p}, Filter{}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if gst.Read != st.Read || gst.Rejected != 0 {
				t.Errorf("read %d (rejected %d), want %d (0)", gst.Read, gst.Rejected, st.Read)
			}
			if !bytes.Equal(encodeGraph(t, got), encodeGraph(t, want)) {
				t.Error("the graph of the gzip file differs from the plain file's")
			}
		})
	}
}

// A damaged or unsupported compressed file is one line naming the file.
func TestCompressedInputErrors(t *testing.T) {
	dir, _, data := shopEventsFile(t)
	whole := filepath.Join(dir, "whole.gz")
	gzipFile(t, whole, data, len(data))
	gz, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(gz)
	corrupt[len(corrupt)-5] ^= 0xff // the CRC-32 in the trailer

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated.gz", gz[:len(gz)/2], "gzip: unexpected EOF"},
		{"corrupt.gz", corrupt, "gzip: invalid checksum"},
		{"header.gz", []byte{0x1f, 0x8b, 0x00}, "gzip:"},
		{"events.jsonl.zst", []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0}, "zstd-compressed input is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFiles(context.Background(), []string{p}, ReadOptions{}, func(int, *telemetry.Event) error { return nil })
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line naming %s and saying %q", msg, p, tc.want)
			}
		})
	}
}
