package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/render"
	"github.com/tracegraph/tracegraph/topology"
)

// graphFlags are the flags of every command that prints a graph.
type graphFlags struct {
	format string
	output string
	view   string
	focus  string
	depth  int
	// brokers draws messaging flows through their broker (Zipkin's view).
	brokers bool
	// configFile is the tracegraph.yaml a diff was configured by; SARIF
	// places findings that no code declares there.
	configFile string
	// graphviz, engine and timeout say who draws SVG and PNG.
	graphviz string
	engine   string
	timeout  time.Duration
	// prestarted is the Graphviz of prestart, holding a dot already
	// started.
	prestarted *render.Graphviz
}

func (gf *graphFlags) register(cmd *cobra.Command, defaultFormat string) {
	fs := cmd.Flags()
	fs.StringVarP(&gf.format, "format", "f", defaultFormat, "output format: "+render.FormatList())
	fs.StringVarP(&gf.output, "output", "o", "", "output file (default stdout)")
	fs.StringVar(&gf.view, "view", "services", "view: services, messages or channels")
	fs.StringVar(&gf.focus, "focus", "", "draw only this service and its neighbourhood")
	fs.IntVar(&gf.depth, "depth", 1, "with --focus: how many hops to keep")
	fs.BoolVar(&gf.brokers, "brokers", false, "draw messaging flows through their broker (A -> kafka -> B), as Zipkin does; SARIF keeps the direct flows")
	fs.StringVar(&gf.graphviz, "graphviz", "", "native Graphviz dot for SVG and PNG (default render.graphviz in the config, else dot in PATH)")
	fs.StringVar(&gf.engine, "graphviz-engine", render.EngineAuto, "who draws SVG and PNG: "+strings.Join(render.Engines(), ", ")+" (auto: native dot when it is there and works, else the embedded renderer)")
	fs.DurationVar(&gf.timeout, "graphviz-timeout", render.DefaultGraphvizTimeout, "how long native dot may take before the embedded renderer takes over")
}

// write renders g as the flags say. A bad flag value is a usage error.
func (gf *graphFlags) write(cmd *cobra.Command, g *topology.Graph) error {
	view, err := topology.ParseViewKind(gf.view)
	if err != nil {
		return usageErr(err)
	}
	if gf.depth < 0 {
		return usageErr(fmt.Errorf("--depth %d: must not be negative", gf.depth))
	}
	gf.format = formatName(gf.format)
	if gf.focus != "" {
		g, err = g.Focus(gf.focus, gf.depth)
		if err != nil {
			return usageErr(err)
		}
	}
	if gf.brokers && gf.format != "sarif" {
		// A finding is about a flow, not about how it is drawn.
		g = g.ThroughBrokers()
	}
	opts := render.Options{Format: gf.format, View: view, ConfigFile: gf.configFile}
	if err := render.CheckFormat(opts.Format); err != nil {
		return usageErr(err)
	}
	if opts.Format == "svg" || opts.Format == "png" {
		if gf.prestarted != nil {
			opts.Graphviz = *gf.prestarted
		} else if opts.Graphviz, err = gf.graphvizOptions(cmd); err != nil {
			return err
		}
	}
	return writeOutput(cmd, gf.output, func(w io.Writer) error { return render.WriteContext(cmd.Context(), w, g, opts) })
}

// prestart starts native dot for an SVG or PNG before the graph is read
// (render.Graphviz.Prestart), for a command whose graph is quick to get,
// so that dot's start-up is not on the way. A flag or config that is
// wrong starts nothing here: write reports it, in its order.
func (gf *graphFlags) prestart(cmd *cobra.Command) (release func()) {
	format := formatName(gf.format)
	if format != "svg" && format != "png" {
		return func() {}
	}
	gv, err := gf.graphvizOptions(cmd)
	if err != nil {
		return func() {}
	}
	gv, release = gv.Prestart(cmd.Context(), format)
	gf.prestarted = &gv
	return release
}

// graphvizOptions are the Graphviz flags, with render.graphviz from the
// config when --graphviz is not given. Fallback warnings go to stderr.
func (gf *graphFlags) graphvizOptions(cmd *cobra.Command) (render.Graphviz, error) {
	if err := render.CheckEngine(gf.engine); err != nil {
		return render.Graphviz{}, usageErr(fmt.Errorf("--graphviz-engine: %w", err))
	}
	if gf.timeout <= 0 {
		return render.Graphviz{}, usageErr(fmt.Errorf("--graphviz-timeout %s: must be positive", gf.timeout))
	}
	dot := gf.graphviz
	if dot == "" {
		cfg, err := loadConfig(cmd)
		if err != nil {
			return render.Graphviz{}, err
		}
		dot = cfg.GraphvizPath()
	}
	stderr := cmd.ErrOrStderr()
	return render.Graphviz{Engine: gf.engine, Dot: dot, Timeout: gf.timeout,
		Warn: func(err error) { fmt.Fprintln(stderr, "tracegraph: warning: "+err.Error()) }}, nil
}

// writeOutput writes to -o FILE, or stdout. A file is written whole or not
// at all: it is renamed into place only after a successful write.
func writeOutput(cmd *cobra.Command, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(cmd.OutOrStdout())
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		// A device or pipe (/dev/null, a FIFO) is written in place: renaming
		// a temporary file over it would replace the device itself.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return usageErr(fmt.Errorf("output %s: %w", path, err))
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tracegraph-*")
	if err != nil {
		return usageErr(fmt.Errorf("output %s: %w", path, err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	// A temporary file is private; the output keeps the mode of the file it
	// replaces, or gets the mode os.Create would give it, so pictures meant
	// for a repository or a web server stay readable.
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return usageErr(fmt.Errorf("output %s: %w", path, err))
	}
	if err := tmp.Close(); err != nil {
		return usageErr(fmt.Errorf("output %s: %w", path, err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return usageErr(fmt.Errorf("output %s: %w", path, err))
	}
	return nil
}

// formatName is the one name of a format: table is text's other name, the
// events command's old one.
func formatName(f string) string {
	if f == "table" {
		return "text"
	}
	return f
}
