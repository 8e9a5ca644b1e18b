package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
)

// Listeners are where Serve takes OTLP; either may be nil.
type Listeners struct {
	GRPC, HTTP net.Listener
	// MaxMessageBytes bounds one request on either protocol
	// (DefaultMaxMessageBytes).
	MaxMessageBytes int
	// ShutdownTimeout bounds the final pairing and storing
	// (DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
}

// DefaultShutdownTimeout is how long Serve waits for the last events to be
// stored once ctx ends; what is left stays staged for the next run.
const DefaultShutdownTimeout = 30 * time.Second

// Serve takes OTLP exports on the listeners until ctx ends (the process's
// SIGTERM or SIGINT), then stops taking them, lets the requests in flight
// finish, pairs every held trace and stores its events. c must be started.
func Serve(ctx context.Context, c *Collector, l Listeners) error {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if l.ShutdownTimeout <= 0 {
		l.ShutdownTimeout = DefaultShutdownTimeout
	}
	errc := make(chan error, 2)
	var gs *grpc.Server
	if l.GRPC != nil {
		gs = grpc.NewServer(GRPCServerOptions(l.MaxMessageBytes)...)
		c.RegisterGRPC(gs)
		go func() { errc <- gs.Serve(l.GRPC) }()
	}
	var hs *http.Server
	if l.HTTP != nil {
		hs = &http.Server{
			Handler:           c.HTTPHandler(l.MaxMessageBytes),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       time.Minute,
			WriteTimeout:      time.Minute,
			IdleTimeout:       2 * time.Minute,
		}
		go func() {
			if err := hs.Serve(l.HTTP); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		serveErr = fmt.Errorf("serving OTLP: %w", serveErr)
	}
	c.log.Info("stopping: no new exports; pairing and storing what is held")
	stopCtx, cancel := context.WithTimeout(context.Background(), l.ShutdownTimeout)
	defer cancel()
	if hs != nil {
		_ = hs.Shutdown(stopCtx)
	}
	if gs != nil {
		stopped := make(chan struct{})
		go func() { gs.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-stopCtx.Done():
			gs.Stop()
		}
	}
	err := c.Shutdown(stopCtx)
	if serveErr != nil {
		return serveErr
	}
	return err
}
