// Package shared is a library two mains use.
package shared

import (
	"context"
	"os"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

// Audit publishes from the caller's Service: each caller's service gets
// the endpoint.
func Audit(ctx context.Context, svc *channel.Service) error {
	return channel.NewPubClient[msgs.AuditEvent](svc, "audit.events").Publish(ctx, msgs.AuditEvent{}) // ev:shared-audit
}

// Ping builds its own Service with a name only known at run time, so the
// service is each main package that reaches it.
func Ping(ctx context.Context, bus channel.Bus) error {
	svc := channel.NewService(os.Getenv("SERVICE_NAME"), bus)
	return channel.NewPubClient[msgs.AuditEvent](svc, "ping").Publish(ctx, msgs.AuditEvent{}) // ev:shared-ping
}
