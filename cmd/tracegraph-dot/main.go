// Command tracegraph-dot is tracegraph's embedded renderer as a command of
// its own: Graphviz's dot through go-graphviz (compiled to WASM), with the
// part of dot's command line tracegraph uses:
//
//	tracegraph-dot -Tsvg [-o OUT] [FILE]
//
// It reads DOT text from FILE or standard input and writes the layout in
// the format -T names (svg, json, dot, …). tracegraph runs it to draw SVG
// and PNG where no native Graphviz is installed: go-graphviz's package init
// takes 50–90 ms, which only a command that draws should pay. Install it
// beside tracegraph (go install github.com/tracegraph/tracegraph/cmd/...).
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/tracegraph/tracegraph/render/embedded"
)

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracegraph-dot: "+err.Error())
		os.Exit(1)
	}
}

// gcMemoryLimit is the memory at which tracegraph-dot's collector starts
// after tuneGC. A 500-service drawing peaks near 80 MB with the collector
// off and never collects; a 2,000-service one, which spends seconds in the
// layout and gains nothing from tuneGC, peaks at 135 MB instead of 115.
const gcMemoryLimit = 128 << 20

// tuneGC turns the garbage collector off up to gcMemoryLimit, unless the
// user set GOGC or GOMEMLIMIT. The goroutine that runs Graphviz's WASM
// cannot be preempted inside the compiled module, so every collection
// signals it over and over (tgkill) while an idle mark worker spins on the
// other core until the module calls back into Go: 15 collections and an
// eighth of the wall time of a 500-service drawing (395 ms against 345 ms
// without them), for a process that lives a third of a second and makes
// little garbage.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcMemoryLimit)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	format, output, input := "svg", "", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-T" || a == "-o":
			if i+1 == len(args) {
				return fmt.Errorf("%s needs a value", a)
			}
			i++
			if a == "-T" {
				format = args[i]
			} else {
				output = args[i]
			}
		case strings.HasPrefix(a, "-T"):
			format = a[2:]
		case strings.HasPrefix(a, "-o"):
			output = a[2:]
		case strings.HasPrefix(a, "-") && a != "-":
			return fmt.Errorf("unknown flag %s (usage: tracegraph-dot -TFORMAT [-o OUT] [FILE])", a)
		case input != "":
			return errors.New("one input file at most")
		default:
			input = a
		}
	}
	in := stdin
	if input != "" && input != "-" {
		f, err := os.Open(input)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	dot, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if output == "" {
		return layout(ctx, dot, format, stdout)
	}
	f, err := os.Create(output)
	if err != nil {
		return err
	}
	if err := layout(ctx, dot, format, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func layout(ctx context.Context, dot []byte, format string, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := (embedded.Layouter{}).Layout(ctx, dot, format, bw); err != nil {
		return err
	}
	return bw.Flush()
}
