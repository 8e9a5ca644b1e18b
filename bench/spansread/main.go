package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/telemetry"
)

func main() {
	window := flag.Int("window", 0, "pairing window in spans (0: the default)")
	flag.Parse()
	for _, path := range flag.Args() {
		if err := read(path, *window); err != nil {
			fmt.Fprintln(os.Stderr, "spansread:", err)
			os.Exit(2)
		}
	}
}

func read(path string, window int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	var serve, consume int64
	st, err := spans.Read(context.Background(), f, path, spans.Auto, spans.Options{WindowSpans: window}, func(e telemetry.Event) error {
		switch e.EventType {
		case telemetry.TypeServe:
			serve++
		case telemetry.TypeConsume:
			consume++
		}
		return nil
	})
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Printf("%s: %s, %d spans, %d events (%d serve, %d consume), %d hops paired, %.0f spans/s in %s\n",
		path, st.Format, st.Spans, st.Events, serve, consume, st.Paired, float64(st.Spans)/d.Seconds(), d.Round(time.Millisecond))
	for _, w := range st.Warnings() {
		fmt.Printf("  warning: %s\n", w)
	}
	return nil
}
