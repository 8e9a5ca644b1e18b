package render

import (
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
}

// writers maps each format to its writer. Formats are added here as they are
// implemented, so FormatList and CheckFormat never promise one that is not.
var writers = map[string]func(io.Writer, *topology.Graph, Options) error{
	"json": func(w io.Writer, g *topology.Graph, _ Options) error { return topology.Encode(w, g) },
	"text": func(w io.Writer, g *topology.Graph, _ Options) error { return Text(w, g) },
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
	if err := CheckFormat(opts.Format); err != nil {
		return err
	}
	if opts.View == "" {
		opts.View = topology.ViewServices
	}
	return writers[opts.Format](w, g, opts)
}
