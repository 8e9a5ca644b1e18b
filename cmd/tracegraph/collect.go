package main

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/collect"
	"github.com/tracegraph/tracegraph/runtimegraph/spans"
)

func newCollectCmd() *cobra.Command {
	var sf sourceFlags
	var grpcAddr, httpAddr, eventsOut, instance string
	var opts collect.Options
	var maxBytes int
	cmd := &cobra.Command{
		Use:   "collect --db URL | --events-out FILE",
		Short: "Receive OTLP traces live and store the events paired from them",
		Long: `Receive OpenTelemetry traces over OTLP/gRPC and OTLP/HTTP (protobuf or JSON,
gzip or not), pair the spans of every trace across exports, and store the
events in PostgreSQL (--db) or append them to a JSON Lines file (--events-out).
Point an OTLP exporter at it and run "tracegraph diff ./... --db URL".

With --db an export is acknowledged only once its spans are staged in the
database, so a crash loses nothing acknowledged; --events-out stages nothing.
On SIGTERM or SIGINT it stops taking exports, pairs what it holds, stores it
and exits 0. /healthz, /readyz and /metrics (Prometheus) are on the HTTP
address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			opts.Logger = log
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			opts.MessageTypeAttr = cmp.Or(opts.MessageTypeAttr, cfg.Spans.MessageTypeAttribute)
			if eventsOut != "" && sf.db != "" {
				return usageErr(errors.New("--events-out and --db: give one"))
			}
			var store collect.Store
			if eventsOut != "" {
				fs, err := collect.OpenFileStore(eventsOut)
				if err != nil {
					return usageErr(fmt.Errorf("--events-out: %w", err))
				}
				defer fs.Close()
				store = fs
			} else {
				st, err := openStore(ctx, &sf)
				if err != nil {
					return err
				}
				defer st.Close()
				if instance == "" {
					host, _ := os.Hostname()
					instance = host + "/" + grpcAddr
				}
				store = collect.PGStore{Store: st, Instance: instance, Logger: log}
			}
			var ls collect.Listeners
			ls.MaxMessageBytes = maxBytes
			for _, a := range []struct {
				flag, addr string
				ln         *net.Listener
			}{{"--otlp-grpc", grpcAddr, &ls.GRPC}, {"--otlp-http", httpAddr, &ls.HTTP}} {
				if a.addr == "" {
					continue
				}
				ln, err := net.Listen("tcp", a.addr)
				if err != nil {
					return usageErr(fmt.Errorf("%s: %w", a.flag, err))
				}
				defer ln.Close()
				if allowedHosts(ln.Addr()) == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "tracegraph: %s %s is not a loopback address: anyone who reaches it can write traces\n", a.flag, ln.Addr())
				}
				*a.ln = ln
			}
			if ls.GRPC == nil && ls.HTTP == nil {
				return usageErr(errors.New("--otlp-grpc and --otlp-http are both empty: nothing to listen on"))
			}
			c := collect.New(store, opts)
			if err := c.Start(ctx); err != nil {
				return storeErr(err)
			}
			log.Info("collecting", "otlp_grpc", addrOf(ls.GRPC), "otlp_http", addrOf(ls.HTTP), "window", opts.Window)
			return collect.Serve(ctx, c, ls)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&sf.db, "db", "", "PostgreSQL URL (default $TRACEGRAPH_DATABASE_URL, $DATABASE_URL, or the PG* variables)")
	fs.StringVar(&eventsOut, "events-out", "", "append the events to this JSON Lines file instead of a database")
	fs.StringVar(&grpcAddr, "otlp-grpc", "127.0.0.1:4317", "OTLP/gRPC address (empty: none)")
	fs.StringVar(&httpAddr, "otlp-http", "127.0.0.1:4318", "OTLP/HTTP address, also /healthz, /readyz and /metrics (empty: none)")
	fs.StringVar(&instance, "instance", "", "this process's name for its staged spans, unique among the instances sharing a database (default host/otlp-grpc address)")
	fs.DurationVar(&opts.Window, "window", collect.DefaultWindow, "how long a trace waits for more spans before it is paired")
	fs.IntVar(&opts.WindowSpans, "window-spans", 0, fmt.Sprintf("spans held for pairing at most (default %d)", spans.DefaultWindowSpans))
	fs.IntVar(&opts.MaxQueued, "max-queued", collect.DefaultMaxQueued, "events paired and not yet stored at most; past it exports are refused as overload")
	fs.IntVar(&maxBytes, "max-message-bytes", collect.DefaultMaxMessageBytes, "largest OTLP request taken, decompressed")
	fs.StringVar(&opts.MessageTypeAttr, "message-type-attr", "", "span attribute naming the message type (default spans.message_type_attribute in the config, else "+spans.DefaultMessageTypeAttr+")")
	return cmd
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}
