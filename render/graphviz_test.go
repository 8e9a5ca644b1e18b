package render

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/internal/dottest"
	"github.com/tracegraph/tracegraph/render/embedded"
)

type testEngine struct {
	name string
	gv   Graphviz
}

// testEngines are the engines a picture test runs under: the embedded
// renderer always, and native Graphviz where dot is installed. Without dot
// the native case is skipped, unless TRACEGRAPH_REQUIRE_DOT=1 (CI sets it:
// CI has Graphviz) makes that a failure.
func testEngines(t *testing.T) []testEngine {
	t.Helper()
	es := []testEngine{{"embedded", embeddedOnly}}
	if dottest.Have(t) {
		es = append(es, testEngine{"native", Graphviz{Engine: EngineNative}})
	}
	return es
}

// svgShape is what an SVG draws, engine apart: the ids, classes and
// titles of its groups, sorted.
func svgShape(t *testing.T, out []byte) []string {
	t.Helper()
	var root svgElem
	if err := xml.Unmarshal(out, &root); err != nil {
		t.Fatalf("SVG is not XML: %v", err)
	}
	var shape []string
	root.walk(func(e svgElem) {
		if e.Class != "" {
			shape = append(shape, e.Class+" "+e.ID+" "+e.Title)
		}
	})
	slices.Sort(shape)
	return shape
}

// TestEnginesAgree: both engines get the same DOT text, so their SVGs
// draw the same nodes, clusters and edges with the same classes.
func TestEnginesAgree(t *testing.T) {
	if !dottest.Have(t) {
		t.Skip("no native dot")
	}
	for _, g := range []struct {
		name string
		opts Options
	}{{"services", Options{}}, {"channels", Options{View: "channels"}}} {
		t.Run(g.name, func(t *testing.T) {
			opts := g.opts
			opts.Format = "svg"
			opts.Graphviz = embeddedOnly
			emb := svgShape(t, render(t, fixture(t), opts))
			opts.Graphviz = Graphviz{Engine: EngineNative}
			nat := svgShape(t, render(t, fixture(t), opts))
			if len(emb) < 10 || !slices.Equal(emb, nat) {
				t.Errorf("the engines draw different things:\nembedded %q\nnative   %q", emb, nat)
			}
		})
	}
}

// TestDeterministicNative: native dot, like the embedded renderer
// (TestDeterministic), gives the same bytes for the same graph.
func TestDeterministicNative(t *testing.T) {
	if !dottest.Have(t) {
		t.Skip("no native dot")
	}
	opts := Options{Format: "svg", Graphviz: Graphviz{Engine: EngineNative}}
	want := render(t, fixture(t), opts)
	for range 3 {
		if got := render(t, fixture(t), opts); !bytes.Equal(got, want) {
			t.Fatal("native SVG differs between runs")
		}
	}
}

// TestPNGLarge: a graph past the embedded renderer's PNG limit is drawn by
// native dot, and refused by the embedded renderer with a message naming
// both ways out: native Graphviz, or another format.
func TestPNGLarge(t *testing.T) {
	g := rendergen.Generate(300, 800)
	var buf bytes.Buffer
	err := PNG(context.Background(), &buf, g, Options{Graphviz: embeddedOnly})
	if err == nil {
		t.Fatal("the embedded renderer drew a PNG past its limit")
	}
	for _, want := range []string{"install Graphviz", "--graphviz PATH", "-f svg", "-f dot"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	if !dottest.Have(t) {
		return
	}
	buf.Reset()
	if err := PNG(context.Background(), &buf, g, Options{Graphviz: Graphviz{Engine: EngineNative}}); err != nil {
		t.Fatalf("native: %v", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("native output is not a PNG: %v", err)
	}
	if cfg.Width < 500 || cfg.Height < 500 {
		t.Errorf("native PNG of 300 services is %d×%d", cfg.Width, cfg.Height)
	}
}

// fakeDot writes a shell script that stands in for dot.
func fakeDot(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dot")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNativeFailureFallsBack: a native dot that crashes, fails, hangs,
// writes something else than SVG, or is not where it was named, gives the
// embedded renderer's picture and one warning that says why.
func TestNativeFailureFallsBack(t *testing.T) {
	// The embedded renderer here is a recorder: which renderer drew is
	// the question, and go-graphviz is slow under the race detector.
	var got []byte
	want := []byte("<svg/>")
	for _, tt := range []struct {
		name, dot, why string
	}{
		{"crash", fakeDot(t, "kill -SEGV $$"), "segmentation fault"},
		{"exit", fakeDot(t, "echo 'Error: <stdin>: syntax error in line 1' >&2; exit 3"), "exit status 3: Error: <stdin>: syntax error in line 1"},
		{"hang", fakeDot(t, "exec sleep 30"), "no answer within 300ms"}, // the one case that needs the short timeout
		{"garbage", fakeDot(t, "echo hello"), "the output is not SVG"},
		{"empty", fakeDot(t, "cat >/dev/null"), "the output is not SVG"},
		{"missing", filepath.Join(t.TempDir(), "no-such-dot"), "not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []error
			// A loaded machine can take longer than 300ms to start a shell
			// script, so only the hanging dot gets the short timeout.
			timeout := time.Minute
			if tt.name == "hang" {
				timeout = 300 * time.Millisecond
			}
			gv := Graphviz{Dot: tt.dot, Timeout: timeout, Embedded: recorder{&got},
				Warn: func(err error) { warnings = append(warnings, err) }}
			start := time.Now()
			if out := render(t, fixture(t), Options{Format: "svg", Graphviz: gv}); !bytes.Equal(out, want) {
				t.Errorf("the fallback's SVG is not the embedded renderer's")
			}
			if len(warnings) != 1 {
				t.Fatalf("%d warnings %q, want 1", len(warnings), warnings)
			}
			if msg := warnings[0].Error(); !strings.Contains(msg, tt.why) || !strings.Contains(msg, "embedded renderer") || strings.Contains(msg, "\n") {
				t.Errorf("warning %q: want one line saying %q and naming the embedded renderer", msg, tt.why)
			}
			if tt.name == "hang" && time.Since(start) > 20*time.Second {
				t.Errorf("a hung dot held the render for %s", time.Since(start))
			}
			// Forced, native dot's failure is the error, with no fallback.
			gv.Engine = EngineNative
			var buf bytes.Buffer
			err := SVG(context.Background(), &buf, fixture(t), Options{Graphviz: gv})
			if err == nil || !strings.Contains(err.Error(), tt.why) || buf.Len() != 0 {
				t.Errorf("--graphviz-engine native: err %v and %d bytes, want the failure and nothing written", err, buf.Len())
			}
			if len(warnings) != 1 {
				t.Errorf("forced native warned: %q", warnings)
			}
		})
	}
}

// TestPNGFallsBack: PNG falls back the same way, to the painted PNG.
func TestPNGFallsBack(t *testing.T) {
	var warnings int
	gv := Graphviz{Dot: fakeDot(t, "exit 1"), Embedded: embedded.Layouter{}, Warn: func(error) { warnings++ }}
	out := render(t, fixture(t), Options{Format: "png", Graphviz: gv})
	checkFixturePNG(t, out)
	if warnings != 1 {
		t.Errorf("%d warnings, want 1", warnings)
	}
}

// TestEmbeddedEngineSkipsDot: --graphviz-engine embedded never runs dot,
// even one that is named.
func TestEmbeddedEngineSkipsDot(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	gv := embeddedOnly
	gv.Dot = fakeDot(t, "touch "+marker+"; exit 1")
	gv.Warn = func(err error) { t.Errorf("warned: %v", err) }
	render(t, fixture(t), Options{Format: "svg", Graphviz: gv})
	if _, err := os.Stat(marker); err == nil {
		t.Error("the embedded engine ran dot")
	}
}

// TestNoDotIsSilent: with no dot in PATH and none named, the embedded
// renderer draws without a warning: that is the plan, not a failure.
func TestNoDotIsSilent(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	gv := Graphviz{Embedded: embedded.Layouter{}, Warn: func(err error) { t.Errorf("warned: %v", err) }}
	out := render(t, fixture(t), Options{Format: "svg", Graphviz: gv})
	checkFixtureSVG(t, out)
	gv.Engine = EngineNative
	if err := SVG(context.Background(), &bytes.Buffer{}, fixture(t), Options{Graphviz: gv}); err == nil {
		t.Error("--graphviz-engine native without dot: no error")
	}
}

// TestNoRendererAtAll: with neither native dot nor the embedded command
// found, the error names the ways to get one.
func TestNoRendererAtAll(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := SVG(context.Background(), &bytes.Buffer{}, fixture(t), Options{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"install Graphviz", "--graphviz PATH", EmbeddedCommand, "-f dot"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestEmbeddedCommandFound: the embedded renderer runs as EmbeddedCommand
// from PATH when no in-process one is given. A stand-in script records
// that it ran and answers with the in-process renderer's SVG.
func TestEmbeddedCommandFound(t *testing.T) {
	dir := t.TempDir()
	want := render(t, fixture(t), Options{Format: "svg"})
	if err := os.WriteFile(filepath.Join(dir, "want.svg"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n[ \"$1\" = -Tsvg ] || exit 9\n" + cat + " >" + filepath.Join(dir, "got.dot") + "\n" + cat + " " + filepath.Join(dir, "want.svg") + "\n"
	if err := os.WriteFile(filepath.Join(dir, EmbeddedCommand), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var buf bytes.Buffer
	if err := SVG(context.Background(), &buf, fixture(t), Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Error("the SVG is not the embedded command's")
	}
	// It was given the DOT text, the same that -f dot writes.
	var dot bytes.Buffer
	if err := DOT(&dot, fixture(t), Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "got.dot")); !bytes.Equal(got, dot.Bytes()) {
		t.Errorf("the embedded command was given other DOT text:\n%s", got)
	}
}

// TestCancelDoesNotFallBack: a render cancelled by its caller (Ctrl-C)
// stops; it does not start over with the embedded renderer.
func TestCancelDoesNotFallBack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	gv := Graphviz{Dot: fakeDot(t, "exec sleep 30"), Embedded: embedded.Layouter{},
		Warn: func(err error) { t.Errorf("warned: %v", err) }}
	time.AfterFunc(200*time.Millisecond, cancel)
	err := SVG(ctx, &bytes.Buffer{}, fixture(t), Options{Graphviz: gv})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCheckEngine(t *testing.T) {
	for _, e := range append(Engines(), "") {
		if err := CheckEngine(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	if err := CheckEngine("cairo"); err == nil || !strings.Contains(err.Error(), "auto, native, embedded") {
		t.Errorf("cairo: %v", err)
	}
}

// recorder is an embedded renderer that keeps the DOT text it is given.
type recorder struct{ dot *[]byte }

func (r recorder) Layout(_ context.Context, dot []byte, _ string, w io.Writer) error {
	*r.dot = slices.Clone(dot)
	_, err := io.WriteString(w, "<svg/>")
	return err
}

// TestFallbackGetsWholeDOT: native dot is fed the DOT text while it is
// written; one that quits without reading it (here past the pipe's
// buffer), or that hangs unread, must leave the embedded renderer the
// whole text, without blocking the writer.
func TestFallbackGetsWholeDOT(t *testing.T) {
	g := rendergen.Generate(300, 800)
	var want bytes.Buffer
	if err := DOT(&want, g, Options{}); err != nil {
		t.Fatal(err)
	}
	if want.Len() < 1<<17 {
		t.Fatalf("DOT of %d bytes does not fill a pipe", want.Len())
	}
	for _, body := range []string{"exit 1", "exec sleep 30"} {
		var got []byte
		gv := Graphviz{Dot: fakeDot(t, body), Timeout: 300 * time.Millisecond, Embedded: recorder{&got}, Warn: func(error) {}}
		var out bytes.Buffer
		if err := SVG(context.Background(), &out, g, Options{Graphviz: gv}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: the embedded renderer got %d bytes of DOT, want the %d DOT writes", body, len(got), want.Len())
		}
	}
}

// TestPrestart: a dot started before the graph is there draws the next
// picture of its format, and only it: that picture starts no other dot.
func TestPrestart(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	dot := fakeDot(t, "echo $1 >>"+ran+"; cat >"+filepath.Join(dir, "got.dot")+"; echo '<svg>native</svg>'")
	gv, release := Graphviz{Dot: dot, Embedded: recorder{new([]byte)}, Warn: func(err error) { t.Errorf("warned: %v", err) }}.Prestart(context.Background(), "svg")
	defer release()
	for {
		if _, err := os.Stat(ran); err == nil {
			break // started before any picture
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := []byte("<svg>native</svg>\n")
	for i, runs := range []string{"-Tsvg\n", "-Tsvg\n-Tsvg\n"} {
		if out := render(t, fixture(t), Options{Format: "svg", Graphviz: gv}); !bytes.Equal(out, want) {
			t.Errorf("SVG %d: %q, want native dot's %q", i, out, want)
		}
		if b, _ := os.ReadFile(ran); string(b) != runs {
			t.Errorf("after SVG %d, dot ran as %q, want %q (the prestarted one, then one of its own)", i, b, runs)
		}
	}
	var dotText bytes.Buffer
	if err := DOT(&dotText, fixture(t), Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "got.dot")); !bytes.Equal(got, dotText.Bytes()) {
		t.Errorf("the prestarted dot was given other DOT text:\n%s", got)
	}
}

// TestPrestartFailureFallsBack: a prestarted dot fails as one started
// with the picture does: one that dies without reading its text, or is
// missing, gives the embedded renderer's picture, drawn from the whole
// text, and one warning; forced native, the failure is the error.
func TestPrestartFailureFallsBack(t *testing.T) {
	g := rendergen.Generate(300, 800) // DOT text past a pipe's buffer
	var want bytes.Buffer
	if err := DOT(&want, g, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, dot, why string }{
		{"died", fakeDot(t, "exit 4"), "exit status 4"},
		{"missing", filepath.Join(t.TempDir(), "no-such-dot"), "not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			var warnings []error
			gv := Graphviz{Dot: tt.dot, Embedded: recorder{&got}, Warn: func(err error) { warnings = append(warnings, err) }}
			pre, release := gv.Prestart(context.Background(), "svg")
			defer release()
			if out := render(t, g, Options{Format: "svg", Graphviz: pre}); string(out) != "<svg/>" {
				t.Errorf("SVG %q, want the embedded renderer's", out)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("the embedded renderer got %d bytes of DOT, want the %d DOT writes", len(got), want.Len())
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), tt.why) {
				t.Errorf("warnings %q, want one saying %q", warnings, tt.why)
			}
			gv.Engine = EngineNative
			pre, release = gv.Prestart(context.Background(), "svg")
			defer release()
			if err := SVG(context.Background(), &bytes.Buffer{}, g, Options{Graphviz: pre}); err == nil || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("forced native: %v, want the failure", err)
			}
		})
	}
}

// TestPrestartRelease: a prestarted dot that no picture takes (the graph
// did not read, or the picture is in another format) is ended by release.
func TestPrestartRelease(t *testing.T) {
	for _, format := range []string{"", "png"} {
		pidFile := filepath.Join(t.TempDir(), "pid")
		dot := fakeDot(t, "echo $$ >"+pidFile+".new; mv "+pidFile+".new "+pidFile+"; exec sleep 30")
		gv, release := Graphviz{Dot: dot, Embedded: embedded.Layouter{}, Warn: func(error) {}}.Prestart(context.Background(), "svg")
		var pid int
		for pid == 0 {
			b, err := os.ReadFile(pidFile)
			if err == nil {
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if format != "" {
			// The PNG starts a dot of its own, which hangs too; a short
			// timeout ends it.
			gv.Timeout = 100 * time.Millisecond
			render(t, fixture(t), Options{Format: format, Graphviz: gv})
		}
		release()
		p, err := os.FindProcess(pid)
		if err == nil {
			err = p.Signal(syscall.Signal(0))
		}
		if !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("%s: the prestarted dot (pid %d) is still there after release: %v", cmp.Or(format, "nothing drawn"), pid, err)
		}
	}
}

// TestPrestartCancel: the picture's context ends a prestarted dot as it
// ends one of the picture's own, without a fallback.
func TestPrestartCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	gv, release := Graphviz{Dot: fakeDot(t, "exec sleep 30"), Embedded: embedded.Layouter{},
		Warn: func(err error) { t.Errorf("warned: %v", err) }}.Prestart(context.Background(), "svg")
	defer release()
	time.AfterFunc(200*time.Millisecond, cancel)
	if err := SVG(ctx, &bytes.Buffer{}, fixture(t), Options{Graphviz: gv}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestPrestartEmbedded: under the embedded engine Prestart starts nothing.
func TestPrestartEmbedded(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	gv := embeddedOnly
	gv.Dot = fakeDot(t, "touch "+marker+"; exit 1")
	gv, release := gv.Prestart(context.Background(), "svg")
	render(t, fixture(t), Options{Format: "svg", Graphviz: gv})
	release()
	if _, err := os.Stat(marker); err == nil {
		t.Error("the embedded engine ran dot")
	}
}

// TestBlocks: a program's output, kept in blocks, is written on whole and
// in order, whatever the sizes of the writes that brought it.
func TestBlocks(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), 300_000) // 4.8 MB, past the largest block
	var b blocks
	for rest, n := want, 1; len(rest) > 0; n = n*7%100_003 + 1 {
		n = min(n, len(rest))
		b.Write(rest[:n])
		rest = rest[n:]
	}
	var got bytes.Buffer
	if err := b.writeTo(&got); err != nil || !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%d bytes back (%v), want the %d written", got.Len(), err, len(want))
	}
	if head := b.head(); len(head) != 32<<10 || !bytes.Equal(head, want[:32<<10]) {
		t.Errorf("head is %d bytes, want the first 32 KiB", len(head))
	}
	if (blocks{}).head() != nil {
		t.Error("an empty output has a head")
	}
}

// TestNativeOutput: native dot writes its picture into a temporary file,
// which is gone afterwards, or, where none can be made, into a pipe; the
// picture is the same either way, and a failure is one either way.
func TestNativeOutput(t *testing.T) {
	want := bytes.Repeat([]byte("<svg>"+strings.Repeat("x", 1000)+"</svg>\n"), 200) // past a pipe's buffer
	src := filepath.Join(t.TempDir(), "want.svg")
	if err := os.WriteFile(src, want, 0o644); err != nil {
		t.Fatal(err)
	}
	good, bad := fakeDot(t, "cat >/dev/null; cat "+src), fakeDot(t, "cat >/dev/null; echo hello")
	for _, tmp := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		t.Setenv("TMPDIR", tmp)
		var out bytes.Buffer
		if err := SVG(context.Background(), &out, fixture(t), Options{Graphviz: Graphviz{Engine: EngineNative, Dot: good}}); err != nil || !bytes.Equal(out.Bytes(), want) {
			t.Errorf("TMPDIR %s: %d bytes (%v), want dot's %d", tmp, out.Len(), err, len(want))
		}
		err := SVG(context.Background(), &bytes.Buffer{}, fixture(t), Options{Graphviz: Graphviz{Engine: EngineNative, Dot: bad}})
		if err == nil || !strings.Contains(err.Error(), "the output is not SVG") {
			t.Errorf("TMPDIR %s: a dot that writes no SVG: %v", tmp, err)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "tracegraph-dot-*")); len(left) > 0 {
			t.Errorf("left behind: %q", left)
		}
	}
}
