package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/serve"
	"github.com/tracegraph/tracegraph/topology"
)

// defaultListen keeps the explorer on this machine unless asked otherwise:
// it shows what the events hold, tags and errors included.
const defaultListen = "127.0.0.1:7777"

func newServeCmd() *cobra.Command {
	var sf sourceFlags
	var listen, declaredFile string
	cmd := &cobra.Command{
		Use:   "serve [packages] --events FILE... | --db URL",
		Short: "Serve an interactive topology, trace and event explorer",
		Long: `Serve a read-only web explorer of the events on ` + defaultListen + ` (--listen):

  topology  the observed graph, or with packages the diff of the declared
            graph against it, with views, search, focus, a time window and
            tag filters; click a service or an edge for its flows and their
            recent traces
  trace     one trace as a tree and as its event log
  events    the filters of 'tracegraph events' as a form

The JSON API the pages use is under /api/ (docs/api.md).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd, args, &sf, listen, declaredFile)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&sf.events, "events", nil, "events file (JSONL, or a span export; plain or gzip); repeatable, and files among the further arguments are events files too")
	fs.StringVar(&sf.db, "db", "", "PostgreSQL URL (default $TRACEGRAPH_DATABASE_URL, $DATABASE_URL, or the PG* variables)")
	fs.StringVar(&listen, "listen", defaultListen, "address to serve on, host:port")
	// A saved declared graph in place of the analysis, as diff takes it.
	fs.StringVar(&declaredFile, "declared", "", "declared graph JSON to use instead of analysing packages")
	sf.registerInput(cmd)
	sf.registerAllowEmpty(cmd)
	return cmd
}

func runServe(cmd *cobra.Command, args []string, sf *sourceFlags, listen, declaredFile string) error {
	ctx := cmd.Context()
	opt := serve.Options{Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))}
	if len(sf.events) > 0 && sf.db != "" {
		return usageErr(errors.New("--events and --db name two sources: give one"))
	}
	// A shell glob after --events gives more files than the flag takes.
	args, extra, err := sf.splitArgs(args)
	if err != nil {
		return err
	}
	if len(sf.events) > 0 {
		ro, err := sf.readOptions(cmd)
		if err != nil {
			return err
		}
		names := sf.files(extra)
		files, err := serve.OpenFiles(ctx, names, serve.FilesOptions{Read: ro, Logger: opt.Logger})
		if err != nil {
			return readErr(ctx, err)
		}
		defer files.Close()
		if files.Events() == 0 && !sf.allowEmpty {
			// As observed and diff: an empty source is an error, not
			// an empty explorer.
			return usageErr(fmt.Errorf("no events in %s (--allow-empty accepts that)", sf.describe(names)))
		}
		opt.Backend, opt.Describe = files, strings.Join(names, ", ")
	} else {
		st, err := openStore(ctx, sf)
		if err != nil {
			return err
		}
		defer st.Close()
		opt.Backend, opt.Describe = st, "PostgreSQL "+st.Server()
	}
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	for _, p := range cfg.Presets {
		opt.Presets = append(opt.Presets, serve.Preset{Label: p.Label, Query: p.Events.Values()})
	}
	if len(args) > 0 || declaredFile != "" {
		declared, compare, err := serveDiff(cmd, cfg, args, declaredFile)
		if err != nil {
			return err
		}
		opt.Declared, opt.Compare = declared, compare
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return usageErr(fmt.Errorf("--listen: %w", err))
	}
	opt.AllowedHosts = allowedHosts(ln.Addr())
	if opt.AllowedHosts == nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: %s is not a loopback address: anyone who reaches it can read the events, tags and errors included\n", ln.Addr())
	}
	srv, err := serve.New(opt)
	if err != nil {
		ln.Close()
		if errors.Is(err, serve.ErrBadPreset) {
			return usageErr(fmt.Errorf("%s: %w", cfg.Path, err))
		}
		return err
	}
	hs := serve.DefaultLimits.Server(srv)
	fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: serving %s on http://%s/ (Ctrl-C stops)\n", opt.Describe, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(serve.DefaultLimits.Listen(ln)) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// serveDiff prepares the declared side and the comparison, configured as
// the diff command configures it (aliases, teams, rules, baseline).
func serveDiff(cmd *cobra.Command, cfg *config.Config, patterns []string, declaredFile string) (*topology.Graph, func(d, o *topology.Graph) *topology.Graph, error) {
	var err error
	opts := diffOptions(cfg)
	if p := cfg.BaselinePath(); p != "" {
		if opts.Baseline, err = readBaseline(p); err != nil {
			return nil, nil, err
		}
	}
	var declared *topology.Graph
	if declaredFile != "" {
		if declared, err = readGraphFile(declaredFile); err != nil {
			return nil, nil, err
		}
	} else {
		res, err := analyzeCode(cmd, patterns)
		if err != nil {
			return nil, nil, err
		}
		if len(res.Broken) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: %d package(s) failed to load, the declared graph is partial: %s\n",
				len(res.Broken), strings.Join(res.Broken, ", "))
		}
		declared = res.Graph
	}
	return declared, func(d, o *topology.Graph) *topology.Graph { return diff.Compare(d, o, opts) }, nil
}

// allowedHosts are the Host names a loopback server answers to; a server
// on any other address answers to every name it is reached by.
func allowedHosts(addr net.Addr) []string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok || !ta.IP.IsLoopback() {
		return nil
	}
	return []string{"localhost", "127.0.0.1", "::1", ta.IP.String()}
}
