package channel

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
)

// PubClient publishes messages of type T on a channel.
type PubClient[T any] struct {
	svc     *Service
	channel string
	msgType string
}

// NewPubClient returns a client publishing T on channel.
func NewPubClient[T any](svc *Service, channel string) *PubClient[T] {
	return &PubClient[T]{svc: svc, channel: channel, msgType: MessageTypeOf[T]()}
}

// Publish sends msg with a header built from ctx (see Service.NewHeader) and
// records a publish event.
func (p *PubClient[T]) Publish(ctx context.Context, msg T) error {
	s := p.svc
	h := hop{eventType: telemetry.TypePublish, channel: p.channel, messageType: p.msgType, start: s.now()}
	h.header = s.NewHeader(ctx, p.msgType)
	data, err := s.codec.Marshal(msg)
	if err != nil {
		err = fmt.Errorf("channel: publish %s on %s: encode with %s: %w", p.msgType, p.channel, s.codec.Name(), err)
	} else if err = s.bus.Publish(ctx, p.channel, Message{Header: h.header, Data: data}); err != nil {
		err = fmt.Errorf("channel: publish %s on %s: %w", p.msgType, p.channel, err)
	}
	s.record(ctx, h, err)
	return err
}

// SubOption configures a subscription or a server.
type SubOption func(*subOptions)

type subOptions struct {
	group string
	op    string
}

// WithGroup sets the consumer group: each message goes to one member of each
// group. The default group is the Service's name, so the replicas of one
// service share the work and different services each get every message.
func WithGroup(name string) SubOption { return func(o *subOptions) { o.group = name } }

// WithOperation names the operation the handler performs: its events, and
// the events of what it sends, carry it.
func WithOperation(op string) SubOption { return func(o *subOptions) { o.op = op } }

func newSubOptions(svc *Service, opts []SubOption) subOptions {
	o := subOptions{group: svc.name}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// SubClient receives messages of type T from a channel.
type SubClient[T any] struct {
	svc     *Service
	channel string
	msgType string
	opts    subOptions
}

// NewSubClient returns a client receiving T from channel.
func NewSubClient[T any](svc *Service, channel string, opts ...SubOption) *SubClient[T] {
	return &SubClient[T]{svc: svc, channel: channel, msgType: MessageTypeOf[T](), opts: newSubOptions(svc, opts)}
}

// Subscribe calls h for each message until the Subscription is closed or
// ctx is cancelled. h's ctx carries the inbound header. Each call records a
// consume event timed over h, with h's error as its status; a message that
// cannot be decoded, or a panic in h, is recorded as an error event too.
func (c *SubClient[T]) Subscribe(ctx context.Context, h func(ctx context.Context, env Envelope[T]) error) (Subscription, error) {
	s := c.svc
	sub, err := s.bus.Subscribe(ctx, c.channel, c.opts.group, func(ctx context.Context, m Message) {
		s.adopt(&m.Header)
		hp := hop{eventType: telemetry.TypeConsume, channel: c.channel, messageType: typeOr(m.Header, c.msgType),
			header: m.Header, peer: m.Header.ProducerID, start: s.now()}
		ctx = inboundContext(ctx, &m.Header, c.opts.op)
		env := Envelope[T]{Header: m.Header}
		if err := s.codec.Unmarshal(m.Data, &env.Payload); err != nil {
			hp.eventType = telemetry.TypeError
			s.record(ctx, hp, fmt.Errorf("channel: consume %s on %s: decode with %s: %w", c.msgType, c.channel, s.codec.Name(), err))
			return
		}
		err := s.call(ctx, hp, func() error { return h(ctx, env) })
		s.record(ctx, hp, err)
	})
	if err != nil {
		return nil, fmt.Errorf("channel: subscribe %s on %s: %w", c.msgType, c.channel, err)
	}
	return sub, nil
}

// adopt gives a message from outside the system, which came without a
// header, the ids its events and the messages sent in reply need: it starts
// a trace.
func (s *Service) adopt(h *Header) {
	if h.MessageID == "" {
		h.MessageID = s.newID()
	}
	if h.TraceID == "" {
		h.TraceID = s.newTrace()
	}
}

// typeOr names the type a message was sent as, or, when its producer did
// not say, the type it is received as.
func typeOr(h Header, t string) string {
	if h.PayloadSchemaURI != "" {
		return h.PayloadSchemaURI
	}
	return t
}

// errPanic marks a handler's panic, turned into its error.
var errPanic = errors.New("handler panicked")

// call runs f, turning a panic into an error and recording an error event
// with the panic's stack, so that one bad message does not stop a service.
func (s *Service) call(ctx context.Context, hp hop, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
			ev := hp
			ev.eventType = telemetry.TypeError
			s.record(ctx, ev, fmt.Errorf("channel: %s on %s: %w\n%s", hp.eventType, hp.channel, err, debug.Stack()))
		}
	}()
	return f()
}

// ReqRepServer answers requests of type Req with replies of type Rep on a
// channel.
type ReqRepServer[Req, Rep any] struct {
	svc       *Service
	channel   string
	reqType   string
	replyType string
	opts      subOptions
}

// NewReqRepServer returns a server for channel.
func NewReqRepServer[Req, Rep any](svc *Service, channel string, opts ...SubOption) *ReqRepServer[Req, Rep] {
	return &ReqRepServer[Req, Rep]{svc: svc, channel: channel, reqType: MessageTypeOf[Req](),
		replyType: MessageTypeOf[Rep](), opts: newSubOptions(svc, opts)}
}

// Serve answers each request with h's reply until the Subscription is
// closed or ctx is cancelled. h's ctx carries the request's header. The
// reply's header is propagated from it and names this Service. Each call
// records a serve event timed over h; h's error goes back to the requester
// as a *RemoteError.
func (srv *ReqRepServer[Req, Rep]) Serve(ctx context.Context, h func(ctx context.Context, env Envelope[Req]) (Rep, error)) (Subscription, error) {
	s := srv.svc
	sub, err := s.bus.Serve(ctx, srv.channel, srv.opts.group, func(ctx context.Context, m Message) (Message, error) {
		s.adopt(&m.Header)
		hp := hop{eventType: telemetry.TypeServe, channel: srv.channel, messageType: typeOr(m.Header, srv.reqType),
			replyType: srv.replyType, header: m.Header, peer: m.Header.ProducerID, start: s.now()}
		ctx = inboundContext(ctx, &m.Header, srv.opts.op)
		env := Envelope[Req]{Header: m.Header}
		if err := s.codec.Unmarshal(m.Data, &env.Payload); err != nil {
			err = fmt.Errorf("channel: serve %s on %s: decode with %s: %w", srv.reqType, srv.channel, s.codec.Name(), err)
			hp.eventType = telemetry.TypeError
			s.record(ctx, hp, err)
			return Message{Header: s.NewHeader(ctx, srv.replyType)}, err
		}
		var rep Rep
		err := s.call(ctx, hp, func() error {
			var err error
			rep, err = h(ctx, env)
			return err
		})
		var data []byte
		if err == nil {
			data, err = s.codec.Marshal(rep)
			if err != nil {
				err = fmt.Errorf("channel: serve %s on %s: encode reply with %s: %w", srv.reqType, srv.channel, s.codec.Name(), err)
			}
		}
		s.record(ctx, hp, err)
		return Message{Header: s.NewHeader(ctx, srv.replyType), Data: data}, err
	})
	if err != nil {
		return nil, fmt.Errorf("channel: serve %s on %s: %w", srv.reqType, srv.channel, err)
	}
	return sub, nil
}

// ReqRepClient sends requests of type Req and waits for replies of type Rep
// on a channel.
type ReqRepClient[Req, Rep any] struct {
	svc       *Service
	channel   string
	reqType   string
	replyType string
}

// NewReqRepClient returns a client for channel.
func NewReqRepClient[Req, Rep any](svc *Service, channel string) *ReqRepClient[Req, Rep] {
	return &ReqRepClient[Req, Rep]{svc: svc, channel: channel, reqType: MessageTypeOf[Req](), replyType: MessageTypeOf[Rep]()}
}

// Request sends req with a header built from ctx and waits for the reply
// until ctx ends. It records a request event timed over the round trip,
// whose peer is the server named by the reply. A channel nobody serves
// gives an error wrapping ErrNoResponders, or ctx's error on a transport
// that cannot tell; a server's handler error is a *RemoteError.
func (c *ReqRepClient[Req, Rep]) Request(ctx context.Context, req Req) (Rep, error) {
	s := c.svc
	hp := hop{eventType: telemetry.TypeRequest, channel: c.channel, messageType: c.reqType, replyType: c.replyType, start: s.now()}
	hp.header = s.NewHeader(ctx, c.reqType)
	var rep Rep
	data, err := s.codec.Marshal(req)
	if err != nil {
		err = fmt.Errorf("channel: request %s on %s: encode with %s: %w", c.reqType, c.channel, s.codec.Name(), err)
		s.record(ctx, hp, err)
		return rep, err
	}
	m, err := s.bus.Request(ctx, c.channel, Message{Header: hp.header, Data: data})
	switch {
	case err != nil && expired(ctx) != nil:
		// Whatever else failed, the requester's deadline or cancellation
		// is what it must see; a server that noticed it too may have
		// answered with it first.
		m = Message{}
		err = fmt.Errorf("channel: request %s on %s: no reply: %w", c.reqType, c.channel, expired(ctx))
	case err != nil:
		err = fmt.Errorf("channel: request %s on %s: %w", c.reqType, c.channel, err)
	default:
		if uerr := s.codec.Unmarshal(m.Data, &rep); uerr != nil {
			var zero Rep
			rep = zero // not half a reply
			err = fmt.Errorf("channel: request %s on %s: decode reply %s with %s: %w", c.reqType, c.channel, c.replyType, s.codec.Name(), uerr)
		}
	}
	hp.peer = m.Header.ProducerID
	s.record(ctx, hp, err)
	return rep, err
}

// expired is ctx's error, or DeadlineExceeded once its deadline has passed
// even if its timer has not fired yet: a server handler whose ctx has the
// same deadline may fail with it a moment before the requester's does.
func expired(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}
