package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tracegraph/tracegraph/channel"
)

// NATS header keys.
const (
	HeaderKey   = "Tracegraph-Header"
	ErrorKey    = "Tracegraph-Error"
	DeadlineKey = "Tracegraph-Deadline"
)

// Bus is a channel.Bus on a NATS connection. It does not own the
// connection: closing it is the caller's job.
type Bus struct {
	nc *nats.Conn
}

// New returns a Bus on nc.
func New(nc *nats.Conn) *Bus { return &Bus{nc: nc} }

// System names the messaging system for events.
func (b *Bus) System() string { return "nats" }

// Publish sends msg on the subject channel.
func (b *Bus) Publish(ctx context.Context, subject string, msg channel.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m, err := toNATS(subject, msg)
	if err != nil {
		return err
	}
	if err := b.nc.PublishMsg(m); err != nil {
		return fmt.Errorf("nats %s: publish on %s: %w", b.server(), subject, err)
	}
	return nil
}

// Subscribe delivers the subject's messages to h as a member of the queue
// group group.
func (b *Bus) Subscribe(ctx context.Context, subject, group string, h func(ctx context.Context, msg channel.Message)) (channel.Subscription, error) {
	return b.subscribe(ctx, subject, group, func(ctx context.Context, m *nats.Msg) {
		h(ctx, fromNATS(m))
	})
}

// Serve answers the subject's requests with h as a member of the queue
// group group. The reply carries h's header and, when h fails, its error.
func (b *Bus) Serve(ctx context.Context, subject, group string, h func(ctx context.Context, msg channel.Message) (channel.Message, error)) (channel.Subscription, error) {
	return b.subscribe(ctx, subject, group, func(ctx context.Context, m *nats.Msg) {
		if v := m.Header.Get(DeadlineKey); v != "" {
			if dl, err := time.Parse(time.RFC3339Nano, v); err == nil {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, dl)
				defer cancel()
			}
		}
		rep, herr := h(ctx, fromNATS(m))
		if m.Reply == "" {
			return // published, not requested: nobody waits for the reply
		}
		r, err := toNATS(m.Reply, rep)
		if err != nil {
			r = nats.NewMsg(m.Reply)
			herr = errors.Join(herr, err)
		}
		if herr != nil {
			r.Header.Set(ErrorKey, herr.Error())
		}
		// A failed respond means the requester's connection is gone; it
		// sees its own timeout, and there is no one else to tell.
		_ = m.RespondMsg(r)
	})
}

// Request sends msg on the subject channel and waits for one reply until
// ctx ends.
func (b *Bus) Request(ctx context.Context, subject string, msg channel.Message) (channel.Message, error) {
	m, err := toNATS(subject, msg)
	if err != nil {
		return channel.Message{}, err
	}
	if dl, ok := ctx.Deadline(); ok {
		m.Header.Set(DeadlineKey, dl.UTC().Format(time.RFC3339Nano))
	}
	r, err := b.nc.RequestMsgWithContext(ctx, m)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return channel.Message{}, channel.ErrNoResponders
	case err != nil && ctx.Err() != nil:
		return channel.Message{}, ctx.Err()
	case err != nil:
		return channel.Message{}, fmt.Errorf("nats %s: request on %s: %w", b.server(), subject, err)
	}
	rep := fromNATS(r)
	if e := r.Header.Get(ErrorKey); e != "" {
		return rep, &channel.RemoteError{Service: rep.Header.ProducerID, Channel: subject, Msg: e}
	}
	return rep, nil
}

// server names the server in errors; a password in its URL is redacted.
func (b *Bus) server() string {
	if u := b.nc.ConnectedUrlRedacted(); u != "" {
		return u
	}
	return "(disconnected)"
}

func (b *Bus) subscribe(ctx context.Context, subject, group string, h func(context.Context, *nats.Msg)) (channel.Subscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &subscription{cancel: cancel}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, err := b.nc.QueueSubscribe(subject, group, func(m *nats.Msg) {
		s.mu.RLock()
		closed := s.closed
		s.mu.RUnlock()
		// ctx ends at once when the subscriber's ctx is cancelled, before
		// Close has run.
		if !closed && ctx.Err() == nil {
			h(ctx, m)
		}
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("nats %s: subscribe to %s (queue %s): %w", b.server(), subject, group, err)
	}
	s.sub = sub
	context.AfterFunc(ctx, func() { _ = s.Close() })
	return s, nil
}

type subscription struct {
	mu     sync.RWMutex
	sub    *nats.Subscription
	closed bool
	cancel context.CancelFunc
}

// Close unsubscribes. A handler already running finishes; no other starts.
func (s *subscription) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	if err := s.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
		return fmt.Errorf("nats unsubscribe from %s: %w", s.sub.Subject, err)
	}
	return nil
}

func toNATS(subject string, msg channel.Message) (*nats.Msg, error) {
	hb, err := json.Marshal(msg.Header)
	if err != nil {
		return nil, fmt.Errorf("encode header for %s: %w", subject, err)
	}
	m := nats.NewMsg(subject)
	m.Header.Set(HeaderKey, string(hb))
	m.Data = msg.Data
	return m, nil
}

// fromNATS reads a message. A missing or unreadable header gives an empty
// Header: the message is still delivered, as one from outside the system.
func fromNATS(m *nats.Msg) channel.Message {
	var h channel.Header
	if v := m.Header.Get(HeaderKey); v != "" {
		if err := json.Unmarshal([]byte(v), &h); err != nil {
			h = channel.Header{}
		}
	}
	return channel.Message{Header: h, Data: m.Data}
}
