// Package relay forwards data to a subject each main sets: a struct
// shared by several services, whose field holds a different value in
// each.
package relay

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// Relay publishes to its subject.
type Relay struct {
	NC      *nats.Conn
	Subject string
}

// Forward publishes data to the relay's subject.
func (r *Relay) Forward(data []byte) error {
	return r.NC.Publish(r.Subject, data) // ev:relay-forward
}

// Topics names subjects with a function kept in a field.
type Topics struct {
	Name func(kind string) string
}

// Sender sends with a value receiver, called through a pointer.
type Sender struct {
	NC     *nats.Conn
	Prefix string
}

// Send publishes to Prefix.kind: a Sprintf whose parts come from a field
// and a parameter.
func (s Sender) Send(kind string, data []byte) error {
	return s.NC.Publish(fmt.Sprintf("%s.%s", s.Prefix, kind), data) // ev:sender-send
}

// PublishTo publishes to the subject a pointer argument points to.
func PublishTo(nc *nats.Conn, subject *string, data []byte) error {
	return nc.Publish(*subject, data) // ev:publish-to
}
