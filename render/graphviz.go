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
	"sync"
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

	started *prestarted // see Prestart
}

// Prestart starts native dot for the next picture in format ("svg",
// "png") drawn with the Graphviz it returns, so that dot's start-up
// overlaps the caller's reading of the graph; Timeout counts from now.
// release ends that dot if no picture took it; call it when done, as
// with a context's cancel. Under EngineEmbedded, or where there is no
// native dot, it starts nothing, and the picture is drawn as without it;
// a dot that fails to start fails, and falls back, when the picture is
// drawn.
func (gv Graphviz) Prestart(ctx context.Context, format string) (_ Graphviz, release func()) {
	if cmp.Or(gv.Engine, EngineAuto) == EngineEmbedded || CheckEngine(gv.Engine) != nil {
		return gv, func() {}
	}
	pre := &prestarted{format: format}
	native, err := gv.native()
	if err != nil {
		pre.err = err
	} else {
		pre.run = native.start(ctx, format)
	}
	gv.started = pre
	return gv, pre.release
}

// prestarted is a native dot run started by Prestart, or why there is
// none; the first picture of its format takes it.
type prestarted struct {
	format string
	mu     sync.Mutex
	taken  bool
	run    *run
	err    error // from looking dot up
}

// take returns the run for a picture in format, or the error that stood
// in its way, once; after that, and for another format, ok is false.
func (p *prestarted) take(format string) (_ *run, _ error, ok bool) {
	if p == nil {
		return nil, nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taken || p.format != format {
		return nil, nil, false
	}
	p.taken = true
	return p.run, p.err, true
}

func (p *prestarted) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.taken && p.run != nil {
		p.run.abandon()
	}
	p.taken = true
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
	pic, err := p.start(ctx, format).finish(ctx, func(in io.Writer) { in.Write(dot) }) // a failed write shows as the program's failure
	if err != nil {
		return err
	}
	return pic.writeTo(w)
}

// A run is a program started on a layout that has not yet been given its
// DOT text: native dot starts up (exec, loading its plugins) while
// tracegraph is still reading the graph, and parses while tracegraph is
// still writing the text, instead of after each.
type run struct {
	p      Program
	format string
	ctx    context.Context
	cancel context.CancelFunc
	cmd    *exec.Cmd
	in     *io.PipeWriter
	pr     *io.PipeReader
	out    blocks
	file   *os.File // the program's standard output, when it is a file
	stderr bytes.Buffer
	err    error // from starting it
}

// start starts the program; a failure to start is kept for finish.
func (p Program) start(ctx context.Context, format string) *run {
	r := &run{p: p, format: format}
	if p.Timeout > 0 {
		r.ctx, r.cancel = context.WithTimeout(ctx, p.Timeout)
	} else {
		r.ctx, r.cancel = context.WithCancel(ctx)
	}
	r.cmd = exec.CommandContext(r.ctx, p.Path, "-T"+format)
	// exec copies from pr into the program's standard input; a program
	// that stops reading (it crashed, or hung and was killed) makes our
	// writes fail once pr is closed in finish, never block.
	r.pr, r.in = io.Pipe()
	r.cmd.Stdin = r.pr
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.stderr
	// Native dot writes its picture in 4 KiB pieces; through a pipe each
	// one woke tracegraph to read it (1.3 MB, 330 wake-ups on the
	// benchmark graph, most of tracegraph's system time). Into a file, as
	// when dot runs alone, it is read back once. Where no temporary file
	// can be made, the pipe it is.
	if f, err := os.CreateTemp("", "tracegraph-dot-*"); err == nil {
		r.file, r.cmd.Stdout = f, f
		os.Remove(f.Name()) // nothing is left behind, where the system allows it while the file is open
	}
	// A program killed on timeout may leave a child holding its pipes (a
	// wrapper script); the pipes are closed a moment later regardless.
	r.cmd.WaitDelay = time.Second
	r.err = r.cmd.Start()
	return r
}

// finish gives the program the DOT text write writes, waits for it and
// returns its output if it is the picture. Ending ctx, the picture's,
// ends the program too, whichever context started it.
func (r *run) finish(ctx context.Context, write func(io.Writer)) (blocks, error) {
	defer r.closeFile()
	defer r.cancel()
	defer context.AfterFunc(ctx, r.cancel)()
	err := r.err
	if err == nil {
		written := make(chan struct{})
		go func() {
			defer close(written)
			write(r.in)
			r.in.Close()
		}()
		err = r.cmd.Wait()
		r.pr.Close()
		<-written
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if r.ctx.Err() != nil {
		if errors.Is(r.ctx.Err(), context.DeadlineExceeded) && r.p.Timeout > 0 {
			return nil, fmt.Errorf("%s: no answer within %s", r.p.Path, r.p.Timeout)
		}
		return nil, r.ctx.Err()
	}
	if err != nil {
		if why := lastLine(r.stderr.Bytes()); why != "" {
			return nil, fmt.Errorf("%s: %v: %s", r.p.Path, err, why)
		}
		return nil, fmt.Errorf("%s: %v", r.p.Path, err)
	}
	if r.file != nil {
		if r.out, err = readBack(r.file); err != nil {
			return nil, fmt.Errorf("%s: its output: %v", r.p.Path, err)
		}
	}
	if err := checkOutput(r.format, r.out.head()); err != nil {
		return nil, fmt.Errorf("%s -T%s: %w", r.p.Path, r.format, err)
	}
	return r.out, nil
}

// readBack reads a program's output file whole, in one block.
func readBack(f *os.File) (blocks, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, fi.Size())
	n, err := f.ReadAt(b, 0)
	if err == io.EOF && n == len(b) {
		err = nil
	}
	return blocks{b[:n]}, err
}

func (r *run) closeFile() {
	if r.file != nil {
		r.file.Close()
		os.Remove(r.file.Name()) // where it could not be removed while open
		r.file = nil
	}
}

// blocks holds a program's output as it comes, in blocks that are not
// copied to grow: the SVG of a large graph is megabytes, and a buffer that
// doubles to hold it allocated and copied twice that (on the benchmark
// graph, two of a render's four GC cycles, while dot waited to write).
type blocks [][]byte

func (b *blocks) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(*b) == 0 || len((*b)[len(*b)-1]) == cap((*b)[len(*b)-1]) {
			*b = append(*b, make([]byte, 0, 32<<10<<min(len(*b), 5))) // 32 KiB, doubling to 1 MiB
		}
		last := &(*b)[len(*b)-1]
		c := copy((*last)[len(*last):cap(*last)], p)
		*last = (*last)[:len(*last)+c]
		p = p[c:]
	}
	return n, nil
}

// head is the start of the output, all checkOutput reads: the first
// block, 32 KiB unless the output is shorter.
func (b blocks) head() []byte {
	if len(b) == 0 {
		return nil
	}
	return b[0]
}

func (b blocks) writeTo(w io.Writer) error {
	for _, p := range b {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// abandon ends a run that will not be given its text.
func (r *run) abandon() {
	r.cancel()
	if r.err == nil {
		r.in.Close()
		r.cmd.Wait()
	}
	r.closeFile()
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
func (gv Graphviz) draw(ctx context.Context, d *drawing, nativeFormat string, viaEmbedded func(l Layouter, dot []byte) ([]byte, error)) (blocks, error) {
	engine := cmp.Or(gv.Engine, EngineAuto)
	if err := CheckEngine(engine); err != nil {
		return nil, err
	}
	if engine != EngineEmbedded {
		r, err, ok := gv.started.take(nativeFormat)
		if !ok {
			var native Program
			if native, err = gv.native(); err == nil {
				r = native.start(ctx, nativeFormat)
			}
		}
		var pic blocks
		if r != nil {
			pic, err = r.finish(ctx, func(w io.Writer) { writeDOTTo(w, d) })
		}
		switch {
		case err == nil:
			return pic, nil
		case engine == EngineNative || ctx.Err() != nil:
			return nil, err
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			// The context Prestart was given ended: the caller's doing.
			return nil, err
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
		return nil, err
	}
	// The text is written again, whole, rather than kept from native
	// dot's run: it is the same text (the DOT writer is deterministic), and
	// native dot, which mostly works, spares a copy of it.
	var dot bytes.Buffer
	writeDOTTo(&dot, d)
	pic, err := viaEmbedded(embedded, dot.Bytes())
	return blocks{pic}, err
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
	pic, err := opts.Graphviz.draw(ctx, newDrawing(g, viewOf(opts)), "svg", func(l Layouter, dot []byte) ([]byte, error) {
		var out bytes.Buffer
		err := l.Layout(ctx, dot, "svg", &out)
		return out.Bytes(), err
	})
	if err != nil {
		return fmt.Errorf("svg: %w", err)
	}
	return pic.writeTo(w)
}
