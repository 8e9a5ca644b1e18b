// Command tracegraph shows what talks to what in a system of services,
// carrying which messages: the declared graph from Go code, the observed
// graph from trace events, and the difference between them.
//
// This package only parses flags and wires the library packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/config"
)

// Exit codes, a public contract (docs/design.md, "The CLI").
const (
	exitOK         = 0
	exitFound      = 1 // the diff found what --fail-on names
	exitUsage      = 2 // usage, config or input error
	exitIncomplete = 3 // analysis incomplete under --strict
)

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage, config or input error (exit 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

func main() {
	// SIGTERM too: collect and serve stop cleanly when a supervisor stops them.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes the CLI and returns the process exit code. Errors are printed
// as one line on stderr.
func run(ctx context.Context, args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ee == nil || ee.err != nil {
		msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
		if msg != "" {
			fmt.Fprintln(root.ErrOrStderr(), "tracegraph: "+msg)
		}
	}
	return code
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "tracegraph",
		Short:         "What talks to what in a system of services, carrying which messages",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("tracegraph {{.Version}}\n")
	root.PersistentFlags().String("config", "", "configuration file (default tracegraph.yaml if present)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(
		newStaticCmd(),
		newObservedCmd(),
		newDiffCmd(),
		newRenderCmd(),
		newMergeCmd(),
		newIngestCmd(),
		newEventsCmd(),
		newTraceCmd(),
		newServeCmd(),
		newCollectCmd(),
	)
	return root
}

// loadConfig reads the file --config names, else tracegraph.yaml when
// present. A bad config is an input error (exit 2).
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageErr(err)
	}
	return cfg, nil
}

// version is the module version and the VCS revision the binary was built
// from, as the go command recorded them ("(devel)" for a build in a
// checkout, "+dirty" for uncommitted changes).
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " " + rev + modified
	}
	return v + " " + bi.GoVersion
}
