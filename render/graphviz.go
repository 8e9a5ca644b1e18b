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
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, p.Path, "-T"+format)
	cmd.Stdin = bytes.NewReader(dot)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	// A program killed on timeout may leave a child holding its pipes (a
	// wrapper script); the pipes are closed a moment later regardless.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
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

// draw makes one picture: with native dot when the engine allows it and
// dot works, else with the embedded renderer. viaNative and viaEmbedded
// each make the picture with the Layouter given.
func (gv Graphviz) draw(ctx context.Context, viaNative, viaEmbedded func(Layouter) error) error {
	engine := cmp.Or(gv.Engine, EngineAuto)
	if err := CheckEngine(engine); err != nil {
		return err
	}
	if engine != EngineEmbedded {
		native, err := gv.native()
		if err == nil {
			err = viaNative(native)
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
	return viaEmbedded(embedded)
}

var errNoDot = errors.New("not found")

func (gv Graphviz) native() (Layouter, error) {
	name := cmp.Or(gv.Dot, "dot")
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("dot %s: %w", name, errNoDot)
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

// dotText is the DOT text both engines lay out.
func dotText(d *drawing) []byte {
	var dot bytes.Buffer
	bw := bufio.NewWriter(&dot)
	writeDOT(bw, d)
	bw.Flush() // into a bytes.Buffer: cannot fail
	return dot.Bytes()
}

// SVG writes g laid out by Graphviz's dot as SVG, with opts.Graphviz's
// engine. Nodes and edges carry the class attributes of the DOT text
// (service, flow, undeclared, …) through either engine.
func SVG(ctx context.Context, w io.Writer, g *topology.Graph, opts Options) error {
	dot := dotText(newDrawing(g, viewOf(opts)))
	var out bytes.Buffer
	svg := func(l Layouter) error {
		out.Reset()
		return l.Layout(ctx, dot, "svg", &out)
	}
	if err := opts.Graphviz.draw(ctx, svg, svg); err != nil {
		return fmt.Errorf("svg: %w", err)
	}
	_, err := w.Write(out.Bytes())
	return err
}
