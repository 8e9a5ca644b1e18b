package render

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tracegraph/tracegraph/topology"
)

// The engines that lay out SVG and PNG.
const (
	// EngineAuto uses native Graphviz when its dot is there and works, and
	// the embedded renderer otherwise. It is the default.
	EngineAuto = "auto"
	// EngineNative uses native Graphviz only: a dot that is missing or
	// fails is an error.
	EngineNative = "native"
	// EngineEmbedded uses the embedded renderer (go-graphviz) only.
	EngineEmbedded = "embedded"
)

// Engines lists the engine names, the default first.
func Engines() []string { return []string{EngineAuto, EngineNative, EngineEmbedded} }

// CheckEngine reports an unknown engine name; empty is EngineAuto.
func CheckEngine(engine string) error {
	switch engine {
	case "", EngineAuto, EngineNative, EngineEmbedded:
		return nil
	}
	return fmt.Errorf("unknown Graphviz engine %q (want one of %s)", engine, strings.Join(Engines(), ", "))
}

// DefaultGraphvizTimeout bounds one run of native dot when
// Graphviz.Timeout is zero. Native dot lays out 500 services in about a
// second; one that takes this long is stuck, and the embedded renderer
// takes over.
const DefaultGraphvizTimeout = 2 * time.Minute

// EmbeddedCommand is the command that runs the embedded renderer when
// Graphviz.Embedded is nil: cmd/tracegraph-dot, found beside the running
// executable or in PATH. It is a command of its own because go-graphviz
// instantiates its WASM module in a package init, 50–90 ms that every
// process linking it pays before main, rendering or not.
const EmbeddedCommand = "tracegraph-dot"

// A Layouter runs Graphviz's dot layout: DOT text in, the picture in a
// Graphviz output format ("svg", "json", "png") out.
type Layouter interface {
	Layout(ctx context.Context, dot []byte, format string, w io.Writer) error
}

// Graphviz says which Graphviz lays out SVG and PNG. The zero value is
// EngineAuto with dot looked up in PATH and the embedded renderer run as
// EmbeddedCommand. Both engines are given the same DOT text, the text DOT
// writes.
type Graphviz struct {
	// Engine is one of Engines; empty is EngineAuto.
	Engine string
	// Dot is the native dot: a path, or a command name looked up in PATH;
	// empty is "dot" from PATH. Under EngineAuto, a Dot that is named but
	// missing falls back to the embedded renderer with a warning, while a
	// "dot" simply absent from PATH falls back silently.
	Dot string
	// Timeout bounds one run of native dot; zero is DefaultGraphvizTimeout.
	Timeout time.Duration
	// Embedded is the embedded renderer; nil runs EmbeddedCommand.
	// render/embedded provides one that runs in process.
	Embedded Layouter
	// Warn is told, once per picture, why native dot was not used when it
	// was meant to be (it failed, crashed, timed out, or the named one is
	// missing) and the embedded renderer drew instead. Nil says nothing.
	Warn func(error)
}

// Program is a dot-compatible command, run once per layout as
// `PATH -TFORMAT` with the DOT text on its standard input: native
// Graphviz's dot, or EmbeddedCommand.
type Program struct {
	Path string
	// Timeout bounds the run; zero leaves it to the context.
	Timeout time.Duration
}

// stderrTail is how much of a failing dot's standard error an error
// quotes: its last line, which is where Graphviz puts the reason.
const stderrTail = 200

// Layout runs the program. The output reaches w only when the program
// exits 0 and what it wrote starts as the format must, so a failure
// never leaves half a picture behind.
func (p Program) Layout(ctx context.Context, dot []byte, format string, w io.Writer) error {
	return p.layoutFrom(ctx, format, func(in io.Writer) { in.Write(dot) }, w) // a failed write shows as the program's failure
}

// layoutFrom is Layout with the DOT text written by write while the
// program runs: native dot starts up and parses while tracegraph is still
// writing the text, instead of after.
func (p Program) layoutFrom(ctx context.Context, format string, write func(io.Writer), w io.Writer) error {
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, p.Path, "-T"+format)
	// exec copies from pr into the program's standard input; a program
	// that stops reading (it crashed, or hung and was killed) makes our
	// writes fail once pr is closed below, never block.
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	// A program killed on timeout may leave a child holding its pipes (a
	// wrapper script); the pipes are closed a moment later regardless.
	cmd.WaitDelay = time.Second
	err := cmd.Start()
	if err == nil {
		written := make(chan struct{})
		go func() {
			defer close(written)
			write(pw)
			pw.Close()
		}()
		err = cmd.Wait()
		pr.Close()
		<-written
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && p.Timeout > 0 {
			return fmt.Errorf("%s: no answer within %s", p.Path, p.Timeout)
		}
		return ctx.Err()
	}
	if err != nil {
		if why := lastLine(stderr.Bytes()); why != "" {
			return fmt.Errorf("%s: %v: %s", p.Path, err, why)
		}
		return fmt.Errorf("%s: %v", p.Path, err)
	}
	if err := checkOutput(format, out.Bytes()); err != nil {
		return fmt.Errorf("%s -T%s: %w", p.Path, format, err)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// checkOutput looks at the start of a program's output: a dot that exits
// 0 with nothing, or with something else than the format, has failed too.
func checkOutput(format string, out []byte) error {
	head := out[:min(len(out), 4096)]
	var ok bool
	switch format {
	case "svg":
		ok = bytes.Contains(head, []byte("<svg"))
	case "png":
		ok = bytes.HasPrefix(out, []byte("\x89PNG\r\n\x1a\n"))
	case "json":
		ok = bytes.HasPrefix(bytes.TrimSpace(head), []byte("{"))
	default:
		ok = len(out) > 0
	}
	if !ok {
		return fmt.Errorf("the output is not %s", strings.ToUpper(format))
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	s := termSafe(strings.TrimSpace(lines[len(lines)-1]))
	if len(s) > stderrTail {
		s = s[:stderrTail] + "…"
	}
	return s
}

// draw makes one picture of d: with native dot in nativeFormat when the
// engine allows it and dot works, else with viaEmbedded, which is given
// the embedded renderer and the DOT text. Both get the same text; native
// dot gets it as it is written.
func (gv Graphviz) draw(ctx context.Context, d *drawing, nativeFormat string, out *bytes.Buffer, viaEmbedded func(l Layouter, dot []byte) error) error {
	engine := cmp.Or(gv.Engine, EngineAuto)
	if err := CheckEngine(engine); err != nil {
		return err
	}
	var dot bytes.Buffer
	if engine != EngineEmbedded {
		native, err := gv.native()
		if err == nil {
			err = native.layoutFrom(ctx, nativeFormat, func(w io.Writer) {
				// The text is kept whole for the embedded renderer even
				// when dot stops reading it.
				tw := &keepAll{kept: &dot, w: w}
				writeDOTTo(tw, d)
			}, out)
		}
		switch {
		case err == nil:
			return nil
		case engine == EngineNative || ctx.Err() != nil:
			return err
		case errors.Is(err, errNoDot) && gv.Dot == "":
			// No Graphviz installed: the embedded renderer is the plan, not
			// a fallback worth a warning.
		default:
			if gv.Warn != nil {
				gv.Warn(fmt.Errorf("native Graphviz failed (%w); drawing with the embedded renderer instead", err))
			}
		}
	}
	embedded, err := gv.embedded()
	if err != nil {
		return err
	}
	if dot.Len() == 0 {
		writeDOTTo(&dot, d)
	}
	out.Reset()
	return viaEmbedded(embedded, dot.Bytes())
}

// keepAll writes everything to kept, and to w until w fails.
type keepAll struct {
	kept *bytes.Buffer
	w    io.Writer
	err  error
}

func (k *keepAll) Write(p []byte) (int, error) {
	k.kept.Write(p)
	if k.err == nil {
		_, k.err = k.w.Write(p)
	}
	return len(p), nil
}

var errNoDot = errors.New("not found")

func (gv Graphviz) native() (Program, error) {
	name := cmp.Or(gv.Dot, "dot")
	path, err := exec.LookPath(name)
	if err != nil {
		return Program{}, fmt.Errorf("dot %s: %w", name, errNoDot)
	}
	return Program{Path: path, Timeout: cmp.Or(gv.Timeout, DefaultGraphvizTimeout)}, nil
}

func (gv Graphviz) embedded() (Layouter, error) {
	if gv.Embedded != nil {
		return gv.Embedded, nil
	}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), EmbeddedCommand)
		if path, err := exec.LookPath(beside); err == nil {
			return Program{Path: path}, nil
		}
	}
	if path, err := exec.LookPath(EmbeddedCommand); err == nil {
		return Program{Path: path}, nil
	}
	return nil, fmt.Errorf("no Graphviz to draw with: native dot is not in PATH and the embedded renderer (%s) is neither beside tracegraph nor in PATH; "+
		"install Graphviz or give its dot with --graphviz PATH, or build %[1]s beside tracegraph (go install github.com/tracegraph/tracegraph/cmd/...); -f dot and -f mermaid need neither",
		EmbeddedCommand)
}

// writeDOTTo writes d's DOT text, the text both engines lay out.
func writeDOTTo(w io.Writer, d *drawing) {
	bw := bufio.NewWriterSize(w, 64<<10)
	writeDOT(bw, d)
	bw.Flush() // errors are the caller's writer's to keep
}

// SVG writes g laid out by Graphviz's dot as SVG, with opts.Graphviz's
// engine. Nodes and edges carry the class attributes of the DOT text
// (service, flow, undeclared, …) through either engine.
func SVG(ctx context.Context, w io.Writer, g *topology.Graph, opts Options) error {
	var out bytes.Buffer
	err := opts.Graphviz.draw(ctx, newDrawing(g, viewOf(opts)), "svg", &out, func(l Layouter, dot []byte) error {
		return l.Layout(ctx, dot, "svg", &out)
	})
	if err != nil {
		return fmt.Errorf("svg: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return err
}
