package shopcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/channel/natsbus"
	"github.com/tracegraph/tracegraph/telemetry"
)

// Flags are the command-line flags every shop binary takes.
type Flags struct {
	Bus     string
	NATSURL string
	Events  string
}

// Register defines the flags on fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Bus, "bus", "memory", "message bus: memory (this process only) or nats")
	fs.StringVar(&f.NATSURL, "nats-url", nats.DefaultURL, "NATS server URL, with --bus nats")
	fs.StringVar(&f.Events, "events", "", "append telemetry events to this JSON Lines file (default: drop them)")
}

// Env is what a service runs in: its bus and the Service options that send
// its events where the flags say.
type Env struct {
	Bus     channel.Bus
	Options []channel.Option
	closers []func() error
}

// Open connects the bus and opens the events file the flags name.
// name is how the connection introduces itself to the NATS server.
func (f *Flags) Open(name string) (*Env, error) {
	env := &Env{}
	switch f.Bus {
	case "memory":
		bus := channel.NewMemoryBus()
		env.Bus = bus
		env.closers = append(env.closers, bus.Close)
	case "nats":
		nc, err := nats.Connect(f.NATSURL, nats.Name(name))
		if err != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", f.NATSURL, err)
		}
		env.Bus = natsbus.New(nc)
		env.closers = append(env.closers, func() error { nc.Close(); return nil })
	default:
		return nil, fmt.Errorf("--bus %q: want memory or nats", f.Bus)
	}
	if f.Events != "" {
		file, err := os.OpenFile(f.Events, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("open events file: %w", err), env.Close())
		}
		w := telemetry.NewWriter(file)
		env.Options = append(env.Options, channel.WithRecorder(w))
		env.closers = append(env.closers, w.Close)
	}
	return env, nil
}

// Close disconnects the bus, then flushes and closes the events file, so
// that the events of handlers that ran until the bus closed are kept.
func (e *Env) Close() error {
	var errs []error
	for _, c := range e.closers {
		if err := c(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Service is a shop service that can be started and stopped.
type Service interface {
	Start(ctx context.Context) error
	Close() error
}

// Run starts s, waits until ctx ends (the process is signalled), and stops
// s.
func Run(ctx context.Context, s Service) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

// Main is the common body of a shop binary's main: it runs run under a ctx
// that ends on SIGINT or SIGTERM and exits 1 with a one-line error if run
// fails.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		stop()
		os.Exit(1)
	}
}
