package render

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tracegraph/tracegraph/topology"
)

// Options say how to draw a graph.
type Options struct {
	Format string            // one of Formats
	View   topology.ViewKind // services by default
	// ConfigFile is the tracegraph.yaml the diff was configured by, relative
	// to the module root. SARIF places there the findings that no code
	// declares (a required flow that is missing, an undeclared flow between
	// services with no declared end): code scanning shows only results with
	// a file.
	ConfigFile string
	// ModuleFile is the go.mod of the module the diff was made in,
	// relative to the source root: SARIF's place for a finding when there
	// is neither declared code nor a config file ("go.mod" when empty).
	ModuleFile string
	// Graphviz says which Graphviz lays out SVG and PNG.
	Graphviz Graphviz
}

// writers maps each format to its writer. Formats are added here as they are
// implemented, so FormatList and CheckFormat never promise one that is not.
var writers = map[string]func(context.Context, io.Writer, *topology.Graph, Options) error{
	"json": func(_ context.Context, w io.Writer, g *topology.Graph, _ Options) error { return topology.Encode(w, g) },
	"text": func(_ context.Context, w io.Writer, g *topology.Graph, _ Options) error { return Text(w, g) },
	"dot":  func(_ context.Context, w io.Writer, g *topology.Graph, o Options) error { return DOT(w, g, o) },
	"svg":  SVG,
	"png":  PNG,
	"mermaid": func(_ context.Context, w io.Writer, g *topology.Graph, o Options) error {
		return Mermaid(w, g, o)
	},
	"markdown": func(_ context.Context, w io.Writer, g *topology.Graph, o Options) error {
		return Markdown(w, g, o)
	},
	"sarif": func(_ context.Context, w io.Writer, g *topology.Graph, o Options) error {
		return SARIF(w, g, o)
	},
}

// Formats lists the supported formats, sorted.
func Formats() []string {
	var fs []string
	for f := range writers {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return fs
}

// FormatList is Formats joined for help text.
func FormatList() string { return strings.Join(Formats(), ", ") }

// CheckFormat reports an unknown format.
func CheckFormat(format string) error {
	if _, ok := writers[format]; !ok {
		return fmt.Errorf("unknown format %q (want one of %s)", format, FormatList())
	}
	return nil
}

// Write renders g in opts.Format.
func Write(w io.Writer, g *topology.Graph, opts Options) error {
	return WriteContext(context.Background(), w, g, opts)
}

// WriteContext renders g in opts.Format; ctx bounds the Graphviz layout of
// SVG and PNG.
func WriteContext(ctx context.Context, w io.Writer, g *topology.Graph, opts Options) error {
	if err := CheckFormat(opts.Format); err != nil {
		return err
	}
	if opts.View == "" {
		opts.View = topology.ViewServices
	}
	return writers[opts.Format](ctx, w, g, opts)
}
