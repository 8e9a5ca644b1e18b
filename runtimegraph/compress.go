package runtimegraph

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// Compressed inputs are told by their magic bytes, never by the file name,
// like every other format: a collector's rotated events.jsonl.gz and a file
// piped through gzip without renaming read the same.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// uncompressed returns a reader of r's content: r itself, or r through
// gzip when it starts with gzip's magic. zstd, which the OpenTelemetry
// collector's file exporter can write, is refused by name rather than
// taken for bad JSON.
func uncompressed(r *bufio.Reader, name string) (*bufio.Reader, error) {
	head, err := r.Peek(len(zstdMagic))
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		return bufio.NewReaderSize(gzipErrors{zr}, 1<<20), nil
	case bytes.HasPrefix(head, zstdMagic):
		return nil, fmt.Errorf("%s: zstd-compressed input is not supported; decompress it first (zstd -d), or compress with gzip", name)
	}
	return r, nil
}

// gzipErrors says that an error from inside a compressed stream (a bad
// checksum, a truncated file) came from gzip; the readers above it add the
// file and line. io.EOF stays bare: it is the end, not an error.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	k, err := g.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("gzip: %w", err)
	}
	return k, err
}
