package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
)

func main() {
	format := flag.String("format", "otlp-json", "otlp-json or zipkin")
	mb := flag.Int("mb", 1024, "approximate output size in MiB")
	flag.Parse()
	if err := run(*format, int64(*mb)<<20); err != nil {
		fmt.Fprintln(os.Stderr, "spansgen:", err)
		os.Exit(2)
	}
}

// run writes batches until the size is reached. Zipkin is one array, so
// its batches are written as runs of elements inside one "[...]".
func run(format string, size int64) error {
	g := spanstest.NewGenerator()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	const batch = 1000
	var written int64
	var buf bytes.Buffer
	for from := 0; written < size; from += batch {
		buf.Reset()
		switch format {
		case "otlp-json":
			if err := g.WriteOTLPJSON(&buf, from, from+batch); err != nil {
				return err
			}
		case "zipkin":
			if err := g.WriteZipkin(&buf, from, from+batch); err != nil {
				return err
			}
			// Strip this batch's own brackets; the file has one array.
			b := bytes.TrimSpace(buf.Bytes())
			b = b[1 : len(b)-1]
			sep := ",\n"
			if from == 0 {
				sep = "["
			}
			buf2 := append([]byte(sep), b...)
			buf.Reset()
			buf.Write(buf2)
		default:
			return fmt.Errorf("unknown format %q (want otlp-json or zipkin)", format)
		}
		n, err := out.Write(buf.Bytes())
		if err != nil {
			return err
		}
		written += int64(n)
	}
	if format == "zipkin" {
		if _, err := out.WriteString("]\n"); err != nil {
			return err
		}
	}
	return out.Flush()
}
