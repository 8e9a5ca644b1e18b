package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/staticgraph"
	"github.com/tracegraph/tracegraph/topology"
)

type diffFlags struct {
	baseline       string
	updateBaseline bool
	failOn         string
	declared       string
	observed       string
	strict         bool
}

func newDiffCmd() *cobra.Command {
	var sf sourceFlags
	var gf graphFlags
	var df diffFlags
	cmd := &cobra.Command{
		Use:   "diff [packages] --events FILE... | --db URL",
		Short: "Declared vs observed: converged, undeclared, unobserved",
		Long: `Compare the declared graph (static analysis of the packages, default ./...)
with the observed graph (events from files or a database) and write the diff.

Each flow gets a status: converged (declared and observed), undeclared
(observed, not declared), unobserved (declared, never observed) or
type-mismatch (same services and channel, different message type).
Service aliases, teams and rules come from tracegraph.yaml.

A baseline (--baseline, or baseline: in the config) accepts known
differences; --update-baseline writes one that accepts every current
difference. Entries that match nothing any more are reported.

Exit status 1 when the diff finds what --fail-on names (a comma-separated
list of undeclared, unobserved, type-mismatch, rules; --fail-on '' never
fails), 2 on a usage or input error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd, args, &sf, &gf, &df)
		},
	}
	sf.register(cmd)
	sf.registerAllowEmpty(cmd)
	gf.register(cmd, "text")
	fs := cmd.Flags()
	fs.StringVar(&df.baseline, "baseline", "", "baseline file of accepted differences (default: baseline in the config)")
	fs.BoolVar(&df.updateBaseline, "update-baseline", false, "write the baseline file so that it accepts every current difference")
	fs.StringVar(&df.failOn, "fail-on", diff.DefaultFailOn, "exit 1 when any of these is found: undeclared, unobserved, type-mismatch, rules")
	// Saved graphs in place of the analysis and the events: CI can cache
	// both sides, and tests can pin them.
	fs.StringVar(&df.declared, "declared", "", "declared graph JSON to use instead of analysing packages")
	fs.StringVar(&df.observed, "observed", "", "observed graph JSON to use instead of reading events")
	fs.BoolVar(&df.strict, "strict", false, "exit 3 when packages failed to load (the declared graph is partial)")
	_ = fs.MarkHidden("observed")
	return cmd
}

func runDiff(cmd *cobra.Command, args []string, sf *sourceFlags, gf *graphFlags, df *diffFlags) error {
	failOn, err := diff.ParseFailOn(df.failOn)
	if err != nil {
		return usageErr(err)
	}
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	opts := diffOptions(cfg)
	gf.configFile = cfg.Path
	baselinePath := df.baseline
	if baselinePath == "" {
		baselinePath = cfg.BaselinePath()
	}
	if df.updateBaseline && baselinePath == "" {
		return usageErr(errors.New("--update-baseline: no baseline file (give --baseline FILE or baseline: in the config)"))
	}
	if baselinePath != "" && !df.updateBaseline {
		if opts.Baseline, err = readBaseline(baselinePath); err != nil {
			return err
		}
	}

	// A shell glob after --events gives more files than the flag takes:
	// the files among the arguments are events files too.
	patterns, files, err := sf.splitArgs(args)
	if err != nil {
		return err
	}
	res, err := declaredGraph(cmd, df.declared, patterns)
	if err != nil {
		return err
	}
	declared, broken := res.Graph, res.Broken
	if len(broken) > 0 {
		// A partial declared graph never blames: what the code that did
		// not load may declare is unverified, not undeclared, and no
		// baseline is written from it.
		opts.Partial, opts.Incomplete = true, res.Incomplete
		if df.updateBaseline {
			return usageErr(fmt.Errorf("--update-baseline: the declared graph is partial (%d package(s) failed to load: %s); a baseline written now would accept what that code may declare",
				len(broken), strings.Join(broken, ", ")))
		}
	}
	var observed *topology.Graph
	if df.observed != "" {
		observed, err = readGraphFile(df.observed)
	} else {
		observed, err = observedGraph(cmd, sf, files)
	}
	if err != nil {
		return err
	}

	g := diff.Compare(declared, observed, opts)
	if df.updateBaseline {
		b := diff.NewBaseline(g)
		if err := writeOutput(cmd, baselinePath, b.Encode); err != nil {
			return err
		}
		b.Apply(g)
		g.Normalize()
		fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: wrote %s (%d accepted differences)\n", baselinePath, len(b.Entries))
	}
	if err := gf.write(cmd, g); err != nil {
		return err
	}
	counts := diff.Count(g)
	if counts.StaleBaseline > 0 && gf.format != "text" {
		fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: %d baseline entries match nothing any more; remove them (-f text lists them)\n", counts.StaleBaseline)
	}
	if df.strict && len(broken) > 0 {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("analysis incomplete: %d package(s) failed to load: %s",
			len(broken), strings.Join(broken, ", "))}
	}
	if failures := counts.Failures(failOn); len(failures) > 0 {
		return &exitError{code: exitFound, err: fmt.Errorf("diff found %s (--fail-on %s)", strings.Join(failures, ", "), strings.Join(failOn, ","))}
	}
	return nil
}

// diffOptions carries what tracegraph.yaml says about services and rules
// into the comparison.
func diffOptions(cfg *config.Config) diff.Options {
	opts := diff.Options{Aliases: cfg.Aliases(), Teams: cfg.Teams()}
	add := func(kind diff.RuleKind, rules []config.FlowRule) {
		for _, r := range rules {
			opts.Rules = append(opts.Rules, diff.Rule{ID: r.ID, Kind: kind, From: r.From, To: r.To,
				Channel: r.Channel, MessageType: r.MessageType, Reason: r.Reason})
		}
	}
	add(diff.Forbidden, cfg.Rules.Forbidden)
	add(diff.Required, cfg.Rules.Required)
	add(diff.Allowed, cfg.Rules.Allowed)
	return opts
}

func readBaseline(path string) (*diff.Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr(fmt.Errorf("baseline: %w", err))
	}
	defer f.Close()
	b, err := diff.DecodeBaseline(path, f)
	if err != nil {
		return nil, usageErr(err)
	}
	return b, nil
}

// declaredGraph is the declared side: a saved graph (--declared), or the
// static analysis of the packages, with the packages that failed to load.
func declaredGraph(cmd *cobra.Command, file string, patterns []string) (*staticgraph.Result, error) {
	if file != "" {
		g, err := readGraphFile(file)
		return &staticgraph.Result{Graph: g}, err
	}
	return analyzeCode(cmd, patterns)
}
