package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/internal/dottest"
	"github.com/tracegraph/tracegraph/topology"
)

// withEmbeddedCommand puts the built tracegraph-dot first in PATH, where
// the CLI run in process finds its embedded renderer.
func withEmbeddedCommand(t *testing.T) {
	t.Helper()
	bin, err := buildTracegraph()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// checkSVG parses out as XML and wants the declared fixture's services
// drawn with their class.
func checkSVG(t *testing.T, out string) {
	t.Helper()
	var root struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal([]byte(out), &root); err != nil || root.XMLName.Local != "svg" {
		t.Fatalf("not an SVG (%v): %.200q", err, out)
	}
	if n := strings.Count(out, `class="node service"`); n < 5 {
		t.Errorf("%d service nodes in the SVG, want the fixture's", n)
	}
}

func checkPNG(t *testing.T, out string) {
	t.Helper()
	cfg, err := png.DecodeConfig(strings.NewReader(out))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if cfg.Width < 200 || cfg.Height < 100 {
		t.Errorf("PNG is %d×%d", cfg.Width, cfg.Height)
	}
}

// TestRenderEngines: SVG and PNG through each engine, forced.
func TestRenderEngines(t *testing.T) {
	withEmbeddedCommand(t)
	engines := []string{"embedded"}
	if dottest.Have(t) {
		engines = append(engines, "native")
	}
	for _, engine := range engines {
		for _, format := range []string{"svg", "png"} {
			t.Run(engine+"/"+format, func(t *testing.T) {
				code, out, errOut := tg(t, "render", renderTestdata+"/declared.json", "-f", format, "--graphviz-engine", engine)
				if code != exitOK || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				if format == "svg" {
					checkSVG(t, out)
				} else {
					checkPNG(t, out)
				}
			})
		}
	}
}

// fakeDot writes a stand-in for dot that records each run in ran.
func fakeDot(t *testing.T, dir, body string) (dot, ran string) {
	t.Helper()
	dot, ran = filepath.Join(dir, "dot"), filepath.Join(dir, "ran")
	if err := os.WriteFile(dot, []byte("#!/bin/sh\necho x >>"+ran+"\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dot, ran
}

// TestRenderFallback: a --graphviz dot that crashes or hangs gives the
// embedded renderer's picture, exit 0, and one warning line on stderr;
// forced with --graphviz-engine native, the failure is the error.
func TestRenderFallback(t *testing.T) {
	withEmbeddedCommand(t)
	for _, tt := range []struct {
		name, body, why, timeout string
	}{
		// A loaded machine can take longer than 300ms to start a shell
		// script, so only the hanging dot gets the short timeout.
		{"crash", "kill -SEGV $$", "segmentation fault", "1m"},
		{"hang", "exec sleep 30", "no answer within 300ms", "300ms"},
	} {
		for _, format := range []string{"svg", "png"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				dot, ran := fakeDot(t, t.TempDir(), tt.body)
				args := []string{"render", renderTestdata + "/declared.json", "-f", format, "--graphviz", dot, "--graphviz-timeout", tt.timeout}
				code, out, errOut := tg(t, args...)
				if code != exitOK {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				if format == "svg" {
					checkSVG(t, out)
				} else {
					checkPNG(t, out)
				}
				lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "tracegraph: warning: native Graphviz failed (") ||
					!strings.Contains(lines[0], tt.why) || !strings.Contains(lines[0], dot) || !strings.HasSuffix(lines[0], "drawing with the embedded renderer instead") {
					t.Errorf("stderr %q: want one warning line naming %s and saying %q", errOut, dot, tt.why)
				}
				if b, _ := os.ReadFile(ran); len(b) == 0 {
					t.Error("the fake dot never ran")
				}
				code, out, errOut = tg(t, append(args, "--graphviz-engine", "native")...)
				if code != exitUsage || out != "" || !strings.Contains(errOut, tt.why) {
					t.Errorf("forced native: exit %d, %d bytes out, stderr %q; want %d, nothing, and the failure", code, len(out), errOut, exitUsage)
				}
			})
		}
	}
}

// TestRenderConfigGraphviz: render.graphviz in the config names the dot,
// relative to the config file; --graphviz overrides it.
func TestRenderConfigGraphviz(t *testing.T) {
	withEmbeddedCommand(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tools"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, ran := fakeDot(t, filepath.Join(dir, "tools"), "exit 1")
	config := filepath.Join(dir, "tracegraph.yaml")
	if err := os.WriteFile(config, []byte("render:\n  graphviz: tools/dot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	graph, err := filepath.Abs(renderTestdata + "/declared.json")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := tg(t, "render", graph, "--config", config)
	if code != exitOK || !strings.Contains(errOut, filepath.Join(dir, "tools", "dot")) {
		t.Fatalf("exit %d, stderr %q: want the configured dot's failure as a warning", code, errOut)
	}
	checkSVG(t, out)
	if b, _ := os.ReadFile(ran); string(b) != "x\n" {
		t.Errorf("the configured dot ran %d times, want once", strings.Count(string(b), "x"))
	}
	other, otherRan := fakeDot(t, t.TempDir(), "exit 1")
	if code, _, errOut := tg(t, "render", graph, "--config", config, "--graphviz", other); code != exitOK || !strings.Contains(errOut, other) {
		t.Errorf("--graphviz: exit %d, stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(otherRan); len(b) == 0 {
		t.Error("--graphviz did not override render.graphviz")
	}
}

func TestGraphvizFlagErrors(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"--graphviz-engine cairo", `--graphviz-engine: unknown Graphviz engine "cairo" (want one of auto, native, embedded)`},
		{"--graphviz-timeout 0s", "--graphviz-timeout 0s: must be positive"},
	} {
		code, _, errOut := tg(t, append([]string{"render", renderTestdata + "/declared.json"}, strings.Fields(tt.args)...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, exitUsage, tt.want)
		}
	}
}

// TestBigPNG: a PNG past the embedded renderer's limit is drawn by native
// dot; forced embedded, it is refused with both ways out named.
func TestBigPNG(t *testing.T) {
	withEmbeddedCommand(t)
	path := filepath.Join(t.TempDir(), "big.json")
	var buf bytes.Buffer
	if err := topology.Encode(&buf, rendergen.Generate(300, 800)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := tg(t, "render", path, "-f", "png", "--graphviz-engine", "embedded")
	if code != exitUsage || !strings.Contains(errOut, "install Graphviz, or give its dot with --graphviz PATH") || !strings.Contains(errOut, "use -f svg or -f dot") {
		t.Errorf("embedded: exit %d, stderr %q; want a refusal naming native Graphviz and SVG/DOT", code, errOut)
	}
	if !dottest.Have(t) {
		return
	}
	code, out, errOut := tg(t, "render", path, "-f", "png")
	if code != exitOK || errOut != "" {
		t.Fatalf("native: exit %d, stderr %q", code, errOut)
	}
	checkPNG(t, out)
}

// TestEmbeddedCommandBeside: an installed tracegraph with no Graphviz in
// PATH draws SVG with the tracegraph-dot installed beside it.
func TestEmbeddedCommandBeside(t *testing.T) {
	bin, err := buildTracegraph()
	if err != nil {
		t.Fatal(err)
	}
	graph, err := filepath.Abs(renderTestdata + "/declared.json")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "render", graph, "-f", "svg")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("%v, stderr %q", err, stderr.String())
	}
	checkSVG(t, string(out))
}

// TestCLIDoesNotLinkGoGraphviz: go-graphviz instantiates its WASM module
// in a package init, 50–90 ms before main in every process that links it;
// the CLI must not, so that commands that do not draw start fast. Only
// tracegraph-dot links it.
func TestCLIDoesNotLinkGoGraphviz(t *testing.T) {
	for _, tt := range []struct {
		pkg  string
		want bool
	}{{".", false}, {"../tracegraph-dot", true}} {
		out, err := exec.Command("go", "list", "-deps", tt.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v: %s", err, out)
		}
		if got := strings.Contains(string(out), "github.com/goccy/go-graphviz/internal/wasm\n"); got != tt.want {
			t.Errorf("%s links go-graphviz's WASM module: %v, want %v", tt.pkg, got, tt.want)
		}
	}
}

// TestRenderPrestartedDot: render starts native dot before it reads the
// graph (here a FIFO that the fake dot itself fills, so render reads it
// only once dot runs); a graph that does not read is the error (exit 2),
// and the dot is gone when render returns.
func TestRenderPrestartedDot(t *testing.T) {
	dir := t.TempDir()
	graph, pidFile := filepath.Join(dir, "graph.json"), filepath.Join(dir, "pid")
	if out, err := exec.Command("mkfifo", graph).CombinedOutput(); err != nil {
		t.Skipf("mkfifo: %v: %s", err, out)
	}
	bad := `{"schema": "tracegraph/v1", "source": "nowhere"}`
	dot, _ := fakeDot(t, dir, "echo $$ >"+pidFile+"\necho '"+bad+"' >"+graph+"\nexec sleep 30")
	// Were dot not started first, nobody would fill the FIFO: the test
	// does, late, so that render returns and the test fails rather than
	// hangs.
	late := time.AfterFunc(time.Minute, func() { os.WriteFile(graph, []byte(bad), 0) })
	defer late.Stop()
	code, _, errOut := tg(t, "render", graph, "-f", "svg", "--graphviz", dot)
	if code != exitUsage || !strings.Contains(errOut, `unknown source "nowhere"`) {
		t.Fatalf("exit %d, stderr %q; want %d and the graph's fault", code, errOut, exitUsage)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("dot had not started when render read the graph: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.FindProcess(pid)
	if err == nil {
		err = p.Signal(syscall.Signal(0))
	}
	if !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("the prestarted dot (pid %d) outlived render: %v", pid, err)
	}
}
