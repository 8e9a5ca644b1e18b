package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/telemetry"
)

// sourceFlags choose where events come from (files or a database) and which
// of them count: the flags observed, events, trace and diff share.
type sourceFlags struct {
	events     []string
	db         string
	since      string
	until      string
	where      []string
	allowEmpty bool

	inputFormat     string
	messageTypeAttr string
}

func (sf *sourceFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringArrayVar(&sf.events, "events", nil, "events file (JSONL, or a span export; plain or gzip); repeatable, and files among the further arguments are events files too (a shell glob)")
	fs.StringVar(&sf.db, "db", "", "PostgreSQL URL (default $TRACEGRAPH_DATABASE_URL, $DATABASE_URL, or the PG* variables)")
	fs.StringVar(&sf.since, "since", "", "only events at or after this time: RFC 3339, a date, or an age such as 24h or 7d")
	fs.StringVar(&sf.until, "until", "", "only events before this time (same forms as --since)")
	fs.StringArrayVar(&sf.where, "where", nil, "only events with this tag, key=value; repeatable (all must hold)")
	sf.registerInput(cmd)
}

// registerAllowEmpty adds --allow-empty to a command that builds an
// observed graph: without it, no events is an error, not an empty graph.
func (sf *sourceFlags) registerAllowEmpty(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&sf.allowEmpty, "allow-empty", false, "accept a source with no events in the window (an empty observed graph) instead of exiting 2")
}

// describe names the source and window for an error: the files or the
// database, and --since/--until.
func (sf *sourceFlags) describe(files []string) string {
	src := "the database"
	switch {
	case len(files) == 1:
		src = files[0]
	case len(files) > 1:
		src = fmt.Sprintf("%s and %d other file(s)", files[0], len(files)-1)
	}
	window := "at any time"
	switch {
	case sf.since != "" && sf.until != "":
		window = fmt.Sprintf("from %s until %s", sf.since, sf.until)
	case sf.since != "":
		window = "since " + sf.since
	case sf.until != "":
		window = "before " + sf.until
	}
	if len(sf.where) > 0 {
		window += " with " + strings.Join(sf.where, ", ")
	}
	return src + " " + window
}

// splitArgs sorts the arguments of a command that takes both package
// patterns and, after --events, more events files (a shell glob): an
// argument that is a file is an events file; a directory or a pattern is a
// package pattern; a path that exists as neither is an error. Without
// --events every argument is a pattern.
func (sf *sourceFlags) splitArgs(args []string) (patterns, files []string, err error) {
	if len(sf.events) == 0 {
		return args, nil, nil
	}
	for _, a := range args {
		st, statErr := os.Stat(a)
		switch {
		case statErr == nil && st.Mode().IsRegular():
			files = append(files, a)
		case statErr == nil:
			patterns = append(patterns, a)
		case strings.Contains(a, "..."):
			patterns = append(patterns, a)
		case strings.HasPrefix(a, ".") || filepath.IsAbs(a) || strings.ContainsAny(a, `\`) || filepath.Ext(a) != "" && !strings.Contains(a, "/"):
			return nil, nil, usageErr(fmt.Errorf("%s: no such events file, directory or package", a))
		default:
			patterns = append(patterns, a) // an import path
		}
	}
	return patterns, files, nil
}

// registerInput adds the flags that say how events files are read.
func (sf *sourceFlags) registerInput(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&sf.inputFormat, "input-format", "auto", "events file format: auto (detect by content), jsonl, otlp-json, otlp-jsonl, otlp-proto, zipkin, jaeger")
	fs.StringVar(&sf.messageTypeAttr, "message-type-attr", "", "span attribute naming the message type (default spans.message_type_attribute in the config, else "+spans.DefaultMessageTypeAttr+")")
}

// filter reads the window and tag flags into a Filter.
func (sf *sourceFlags) filter(now time.Time) (runtimegraph.Filter, error) {
	var f runtimegraph.Filter
	var err error
	if f.Since, err = runtimegraph.ParseTime(sf.since, now); err != nil {
		return f, usageErr(fmt.Errorf("--since: %w", err))
	}
	if f.Until, err = runtimegraph.ParseTime(sf.until, now); err != nil {
		return f, usageErr(fmt.Errorf("--until: %w", err))
	}
	for _, w := range sf.where {
		t, err := runtimegraph.ParseTag(w)
		if err != nil {
			return f, usageErr(err)
		}
		f.Where = append(f.Where, t)
	}
	if err := f.Validate(); err != nil {
		return f, usageErr(err)
	}
	return f, nil
}

// files returns the events files: --events values, then extra arguments.
// Naming none while --events is absent means the database is the source.
func (sf *sourceFlags) files(extra []string) []string {
	if len(sf.events) == 0 {
		return nil
	}
	return append(append([]string(nil), sf.events...), extra...)
}

// readOptions are how every command reads events files: JSONL, and the span
// formats the importer detects by content unless --input-format names one.
// The importer's warnings (orphan spans, clamped clock skew) go to stderr.
func (sf *sourceFlags) readOptions(cmd *cobra.Command) (runtimegraph.ReadOptions, error) {
	forced, err := spans.ParseFormat(sf.inputFormat)
	if err != nil {
		return runtimegraph.ReadOptions{}, usageErr(fmt.Errorf("--input-format: %w", err))
	}
	cfg, err := loadConfig(cmd)
	if err != nil {
		return runtimegraph.ReadOptions{}, err
	}
	opts := spans.Options{MessageTypeAttr: cmp.Or(sf.messageTypeAttr, cfg.Spans.MessageTypeAttribute)}
	stderr := cmd.ErrOrStderr()
	return runtimegraph.ReadOptions{Importer: &runtimegraph.Importer{
		Detect: func(prefix []byte) string {
			if forced != spans.Auto {
				return string(forced)
			}
			f, err := spans.Detect(prefix)
			if err != nil {
				return ""
			}
			return string(f)
		},
		Read: func(ctx context.Context, format string, r io.Reader, name string, emit func(telemetry.Event) error) error {
			st, err := spans.Read(ctx, r, name, spans.Format(format), opts, emit)
			for _, w := range st.Warnings() {
				fmt.Fprintf(stderr, "tracegraph: %s: %s\n", name, w)
			}
			return err
		},
	}}, nil
}

// fromSource runs one query on the source the flags name: fromFiles on the
// events files (a bad line is an input error), else fromDB on the database.
func fromSource[T any](cmd *cobra.Command, sf *sourceFlags, args []string,
	fromFiles func(context.Context, []string, runtimegraph.ReadOptions) (T, runtimegraph.ReadStats, error),
	fromDB func(context.Context, *pgstore.Store) (T, error)) (T, error) {
	ctx := cmd.Context()
	var zero T
	if len(sf.events) > 0 && sf.db != "" {
		return zero, usageErr(errors.New("--events and --db name two sources: give one"))
	}
	if files := sf.files(args); files != nil {
		ro, err := sf.readOptions(cmd)
		if err != nil {
			return zero, err
		}
		v, st, err := fromFiles(ctx, files, ro)
		if err != nil {
			return zero, readErr(ctx, err)
		}
		if err := badLinesErr(st); err != nil {
			return zero, err
		}
		return v, nil
	}
	if len(args) > 0 {
		return zero, usageErr(errArgsWithoutEvents(args))
	}
	st, err := openStore(ctx, sf)
	if err != nil {
		return zero, err
	}
	defer st.Close()
	v, err := fromDB(ctx, st)
	if err != nil {
		return zero, storeErr(err)
	}
	return v, nil
}

// badLinesErr turns the bad lines of a read into one input error naming the
// first of them, or nil when there were none.
func badLinesErr(st runtimegraph.ReadStats) error {
	if st.Rejected == 0 {
		return nil
	}
	msg := st.Bad[0].Error()
	if st.Rejected > 1 {
		msg += fmt.Sprintf(" (and %d more bad lines)", st.Rejected-1)
	}
	return usageErr(errors.New(msg))
}

// readErr classifies an error from reading files: a cancelled run or a
// missing file is the user's input problem (exit 2) with a one-line reason.
func readErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return usageErr(fmt.Errorf("interrupted: %w", ctx.Err()))
	}
	return usageErr(err)
}

// dbURL is the database the flags or environment name: --db, else
// TRACEGRAPH_DATABASE_URL, else DATABASE_URL; "" leaves it to the PG*
// variables, as pgx reads them.
func (sf *sourceFlags) dbURL() string {
	return cmp.Or(sf.db, os.Getenv("TRACEGRAPH_DATABASE_URL"), os.Getenv("DATABASE_URL"))
}

// haveDB reports whether any database setting is present, so that a
// command given neither files nor a database can say what it needs.
func (sf *sourceFlags) haveDB() bool {
	if sf.dbURL() != "" {
		return true
	}
	for _, v := range []string{"PGHOST", "PGDATABASE", "PGSERVICE", "PGPORT", "PGUSER"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// openStore connects to the database the flags name. Every failure to reach
// or set up the server is an input error (exit 2) naming host and port.
func openStore(ctx context.Context, sf *sourceFlags) (*pgstore.Store, error) {
	if !sf.haveDB() {
		return nil, usageErr(errors.New("no events: give --events FILE... or --db URL (or set TRACEGRAPH_DATABASE_URL)"))
	}
	st, err := pgstore.Open(ctx, sf.dbURL())
	if err != nil {
		return nil, usageErr(err)
	}
	return st, nil
}

// storeErr marks a failed store operation as an input error: the server
// went away or refused, which is about the user's environment.
func storeErr(err error) error { return usageErr(err) }

// errArgsWithoutEvents explains stray arguments when the source is a database.
func errArgsWithoutEvents(args []string) error {
	return fmt.Errorf("unexpected argument %q (files are read only with --events)", args[0])
}
