package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tracegraph/tracegraph/staticgraph"
)

func newStaticCmd() *cobra.Command {
	var gf graphFlags
	var strict bool
	var repo string
	cmd := &cobra.Command{
		Use:   "static [packages]",
		Short: "Declared graph from Go code (default ./...)",
		Long: `Declared graph from Go code (default ./...).

Packages are go package patterns; ./... means every Go module at or below
the directory, each loaded with its own go.mod (a go.work is used when it
is valid and lists the module). Evidence is relative to the directory.

Finds every publish, subscribe, request and serve that a main package reaches,
with the channel and message type taken from where the client was built and
the service from the Service it was built from (else the main package).
Channel names that are not constant are listed as unresolved, with file,
line and expression; packages that fail to load are diagnostics, and the
graph is built from the rest (--strict makes that exit 3).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := analyzeCode(cmd, args)
			if err != nil {
				return err
			}
			res.Graph.StampRepo(repo)
			if err := gf.write(cmd, res.Graph); err != nil {
				return err
			}
			if strict && len(res.Broken) > 0 {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("analysis incomplete: %d package(s) failed to load: %s",
					len(res.Broken), strings.Join(res.Broken, ", "))}
			}
			return nil
		},
	}
	gf.register(cmd, "json")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 3 when packages failed to load (the graph is partial)")
	cmd.Flags().StringVar(&repo, "repo", "", "name of this repository, kept on every piece of evidence for tracegraph merge")
	return cmd
}

// analyzeCode runs the static analysis over patterns with what
// tracegraph.yaml says about services and recognizers.
func analyzeCode(cmd *cobra.Command, patterns []string) (*staticgraph.Result, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	bar := newStaticBar(cmd)
	opts := staticgraph.Options{Patterns: patterns, Recognizers: cfg.Recognizers, Services: cfg.Services}
	if bar != nil {
		opts.Progress = func(stage string, done, total int) {
			bar.Describe(stage)
			if total > 0 {
				bar.ChangeMax(total)
				_ = bar.Set(done)
			}
		}
	}
	res, err := staticgraph.Analyze(cmd.Context(), opts)
	if bar != nil {
		_ = bar.Clear()
	}
	var ie *staticgraph.InputError
	if errors.As(err, &ie) {
		return nil, usageErr(err)
	}
	if err != nil {
		return nil, fmt.Errorf("static analysis: %w", err)
	}
	for _, why := range res.Why {
		fmt.Fprintln(cmd.ErrOrStderr(), "tracegraph: declared graph is empty:", why)
	}
	return res, nil
}

// newStaticBar returns a progress line on stderr when stderr is a terminal.
func newStaticBar(cmd *cobra.Command) *progressbar.ProgressBar {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("loading packages"),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
}
