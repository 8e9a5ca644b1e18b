package serve

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what a client can hold of a server: how long it may take to
// send a request, how long a response may take, how long an idle
// keep-alive connection stays open, and how many connections are open at
// once. Without them a slowly trickled body or an idle connection stays
// open for ever.
type Limits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxConns                      int
}

// DefaultLimits are those of tracegraph serve. Write is long because a
// large graph or trace takes a while to render on a loaded machine.
var DefaultLimits = Limits{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Write:      2 * time.Minute,
	Idle:       2 * time.Minute,
	MaxConns:   256,
}

// Listen wraps ln so that at most l.MaxConns connections are open at once;
// the next waits for one to close.
func (l Limits) Listen(ln net.Listener) net.Listener {
	if l.MaxConns <= 0 {
		return ln
	}
	return netutil.LimitListener(ln, l.MaxConns)
}

// Server is an http.Server for h with the limits' timeouts.
func (l Limits) Server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read, WriteTimeout: l.Write, IdleTimeout: l.Idle}
}
