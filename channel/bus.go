package channel

import "context"

// Message is what crosses a Bus: a header and the encoded payload. A
// receiver must treat Data as read-only; it may be shared.
type Message struct {
	Header Header
	Data   []byte
}

// Subscription is a running subscription or server. Close stops delivery:
// no handler call starts after Close returns, though one already running
// finishes. Close is idempotent.
type Subscription interface {
	Close() error
}

// Bus is the raw transport under a Service.
//
// Subscribe and Serve deliver each message to one member of each group (a
// consumer group); every group gets every message. A subscriber with an
// empty group is in a group of its own. Cancelling the ctx given
// to Subscribe or Serve closes the subscription; handlers run with a ctx
// derived from it. Serve's handler returns the reply, whose Header names the
// server; when it also returns an error, Request returns that error as a
// *RemoteError together with the reply, so the requester still learns who
// answered. Request returns ErrNoResponders (wrapped) when nobody serves the
// channel, and ctx's error when ctx ends first.
//
// A Bus may also have a method System() string naming the messaging system
// ("nats"), which events then carry.
type Bus interface {
	Publish(ctx context.Context, channel string, msg Message) error
	Subscribe(ctx context.Context, channel, group string, h func(ctx context.Context, msg Message)) (Subscription, error)
	Request(ctx context.Context, channel string, msg Message) (Message, error)
	Serve(ctx context.Context, channel, group string, h func(ctx context.Context, msg Message) (Message, error)) (Subscription, error)
}

// RemoteError is a server's handler error as its requester sees it.
type RemoteError struct {
	Service string // the server's name, from its reply header
	Channel string
	Msg     string
}

func (e *RemoteError) Error() string {
	if e.Service == "" {
		return "server replied with error: " + e.Msg
	}
	return e.Service + " replied with error: " + e.Msg
}
