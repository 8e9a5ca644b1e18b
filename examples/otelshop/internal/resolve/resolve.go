// Package resolve lets a service reach another by the host name its code
// calls it by (http://fx:8080, as in a Compose file or a cluster's DNS)
// where no DNS knows that name: on a laptop, or in a test that gives every
// service a port of its own. It is curl's --resolve for an http.Transport.
package resolve

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Map maps host:port to the address to dial instead. It is a flag.Value:
// each -resolve fx:8080=127.0.0.1:40123 adds one entry.
type Map map[string]string

func (m Map) String() string {
	var b strings.Builder
	for k, v := range m {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%s", k, v)
	}
	return b.String()
}

// Set adds one host:port=address entry.
func (m Map) Set(s string) error {
	from, to, ok := strings.Cut(s, "=")
	if !ok || from == "" || to == "" {
		return fmt.Errorf("want host:port=address, got %q", s)
	}
	m[from] = to
	return nil
}

// Transport is an http.Transport that dials the mapped address for a mapped
// host:port, and any other address as given.
func (m Map) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := m[addr]; ok {
			addr = to
		}
		return d.DialContext(ctx, network, addr)
	}
	return t
}
