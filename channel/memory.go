package channel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrSlowConsumer is returned by a MemoryBus publish or request that found a
// subscription's queue full for longer than the bus's block timeout. The
// message was not delivered to that subscription's group.
var ErrSlowConsumer = errors.New("channel: slow consumer")

// ErrClosed is returned by a MemoryBus that has been closed.
var ErrClosed = errors.New("channel: bus closed")

// Defaults of a MemoryBus.
const (
	DefaultQueueSize    = 1024
	DefaultBlockTimeout = 5 * time.Second
)

// MemoryBus is the embedded Bus: channels within one process.
//
// Delivery is asynchronous. Each subscription (and server) has a bounded
// queue (DefaultQueueSize) and one goroutine that calls its handler for one
// message at a time, in order. A publish gives the message to one member of
// each consumer group, in turn, preferring a member with room in its queue;
// every group with room gets it at once. When all of a group's members are
// full the publisher waits for that group, which slows a fast producer to
// its slowest consumer's pace, but only until ctx ends or the block timeout
// (DefaultBlockTimeout) passes. Then that group misses the message and
// Publish returns an error wrapping ErrSlowConsumer (or ctx's error) that
// names the group, so a stuck subscriber never stops its publishers for
// good and a loss is never silent: it is on the publish event.
//
// Requests go to the first group that serves the channel, like a call to
// one service; further groups are stand-bys. The server's handler ctx ends
// when the requester's does. Each receiver gets its own copy of the
// header; Data is shared and must be treated as read-only. A raw handler's
// panic is not recovered here (the typed clients recover their handlers').
type MemoryBus struct {
	queueSize    int
	blockTimeout time.Duration

	mu     sync.RWMutex
	topics map[string]*topic // subscriptions by channel
	serves map[string]*topic // servers by channel
	closed bool
}

// topic is the immutable set of groups on one channel. A change replaces
// it, so that a sender can use one without holding the bus's lock.
type topic struct {
	groups []*memGroup
}

// memGroup is an immutable consumer group; next is shared by its versions
// so that round-robin goes on across changes.
type memGroup struct {
	name    string
	members []*memSub
	next    *atomic.Uint32
}

// MemoryOption configures a MemoryBus.
type MemoryOption func(*MemoryBus)

// WithQueueSize sets how many messages each subscription can hold before
// publishers wait (DefaultQueueSize).
func WithQueueSize(n int) MemoryOption {
	return func(b *MemoryBus) {
		if n > 0 {
			b.queueSize = n
		}
	}
}

// WithBlockTimeout sets how long a publisher waits on full queues before
// giving up with ErrSlowConsumer (DefaultBlockTimeout).
func WithBlockTimeout(d time.Duration) MemoryOption {
	return func(b *MemoryBus) {
		if d > 0 {
			b.blockTimeout = d
		}
	}
}

// NewMemoryBus returns an empty MemoryBus.
func NewMemoryBus(opts ...MemoryOption) *MemoryBus {
	b := &MemoryBus{queueSize: DefaultQueueSize, blockTimeout: DefaultBlockTimeout,
		topics: map[string]*topic{}, serves: map[string]*topic{}}
	for _, o := range opts {
		o(b)
	}
	return b
}

// delivery is one queued message; reply is set for a request.
type delivery struct {
	msg    Message
	reqCtx context.Context
	reply  chan reply
}

type reply struct {
	msg Message
	err error
}

// memSub is a subscription or server: a queue and the goroutine that
// drains it.
type memSub struct {
	bus     *MemoryBus
	channel string
	group   string
	serve   bool
	queue   chan delivery
	done    chan struct{} // closed by Close
	exited  chan struct{} // closed when the goroutine has returned
	cancel  context.CancelFunc
	once    sync.Once
}

// Publish delivers msg to one member of every group subscribed to channel.
func (b *MemoryBus) Publish(ctx context.Context, channel string, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.RLock()
	t, closed := b.topics[channel], b.closed
	b.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if t == nil {
		return nil
	}
	// Groups with room get the message first, so that a slow group delays
	// no other.
	d := delivery{msg: msg}
	var full []*memGroup
	for _, g := range t.groups {
		if b.offer(g, d) == nil {
			full = append(full, g)
		}
	}
	if len(full) == 0 {
		return nil
	}
	expired, stop := b.expiry()
	defer stop()
	// Wait on every full group at once: waiting on them in turn would hold
	// a group that frees up quickly behind one that never does.
	errs := make([]error, len(full))
	var wg sync.WaitGroup
	for i, g := range full {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.wait(ctx, g, d, expired); err != nil {
				errs[i] = fmt.Errorf("group %s: %w", g.name, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// offer queues d on a member of g with room, the next in turn first, and
// returns it; nil when every member's queue is full.
func (b *MemoryBus) offer(g *memGroup, d delivery) *memSub {
	n := uint32(len(g.members))
	first := g.next.Add(1)
	for i := range n {
		m := g.members[(first+i)%n]
		select {
		case <-m.done:
		case m.queue <- d:
			return m
		default:
		}
	}
	return nil
}

// wait queues d on the member of g next in turn, waiting for room until
// ctx ends or expired is closed. It returns the member, or nil when the
// member closed first.
func (b *MemoryBus) wait(ctx context.Context, g *memGroup, d delivery, expired <-chan struct{}) (*memSub, error) {
	m := g.members[g.next.Load()%uint32(len(g.members))]
	select {
	case m.queue <- d:
		return m, nil
	case <-m.done:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-expired:
		return nil, fmt.Errorf("%w: queue of %d full for %v", ErrSlowConsumer, cap(m.queue), b.blockTimeout)
	}
}

// expiry returns a channel closed when the block timeout has passed, and a
// func to release its timer.
func (b *MemoryBus) expiry() (<-chan struct{}, func()) {
	ch := make(chan struct{})
	t := time.AfterFunc(b.blockTimeout, func() { close(ch) })
	return ch, func() { t.Stop() }
}

// Subscribe starts delivering channel's messages to h, as a member of group.
func (b *MemoryBus) Subscribe(ctx context.Context, channel, group string, h func(ctx context.Context, msg Message)) (Subscription, error) {
	return b.add(ctx, channel, group, false, func(ctx context.Context, d delivery) {
		h(ctx, Message{Header: d.msg.Header.Clone(), Data: d.msg.Data})
	})
}

// Serve starts answering channel's requests with h, as a member of group.
// h's ctx also ends when the requester's does.
func (b *MemoryBus) Serve(ctx context.Context, channel, group string, h func(ctx context.Context, msg Message) (Message, error)) (Subscription, error) {
	return b.add(ctx, channel, group, true, func(ctx context.Context, d delivery) {
		if d.reqCtx.Err() != nil {
			return // the requester has gone
		}
		// The handler's ctx ends with the requester's: at its deadline (with
		// DeadlineExceeded, as a server on another transport sees it) or
		// when it is cancelled.
		var cancel context.CancelFunc
		if dl, ok := d.reqCtx.Deadline(); ok {
			ctx, cancel = context.WithDeadline(ctx, dl)
		} else {
			ctx, cancel = context.WithCancel(ctx)
		}
		stop := context.AfterFunc(d.reqCtx, func() {
			if !errors.Is(d.reqCtx.Err(), context.DeadlineExceeded) {
				cancel()
			}
		})
		var r reply
		r.msg, r.err = h(ctx, Message{Header: d.msg.Header.Clone(), Data: d.msg.Data})
		stop()
		cancel()
		d.reply <- r
	})
}

// Request sends msg to one server of channel and waits for its reply.
func (b *MemoryBus) Request(ctx context.Context, channel string, msg Message) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	b.mu.RLock()
	t, closed := b.serves[channel], b.closed
	b.mu.RUnlock()
	if closed {
		return Message{}, ErrClosed
	}
	if t == nil {
		return Message{}, ErrNoResponders
	}
	g := t.groups[0]
	d := delivery{msg: msg, reqCtx: ctx, reply: make(chan reply, 1)}
	m := b.offer(g, d)
	if m == nil {
		expired, stop := b.expiry()
		var err error
		m, err = b.wait(ctx, g, d, expired)
		stop()
		if err != nil {
			return Message{}, err
		}
		if m == nil {
			return Message{}, ErrNoResponders
		}
	}
	select {
	case r := <-d.reply:
		return memReply(channel, r)
	case <-ctx.Done():
		return Message{}, ctx.Err()
	case <-m.exited:
		select {
		case r := <-d.reply:
			return memReply(channel, r)
		default:
			return Message{}, ErrNoResponders // closed before it took the request
		}
	}
}

func memReply(channel string, r reply) (Message, error) {
	if r.err != nil {
		return r.msg, &RemoteError{Service: r.msg.Header.ProducerID, Channel: channel, Msg: r.err.Error()}
	}
	return r.msg, nil
}

func (b *MemoryBus) add(ctx context.Context, channel, group string, serve bool, run func(context.Context, delivery)) (Subscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &memSub{bus: b, channel: channel, group: group, serve: serve, cancel: cancel,
		queue: make(chan delivery, b.queueSize), done: make(chan struct{}), exited: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		cancel()
		return nil, ErrClosed
	}
	m := b.topics
	if serve {
		m = b.serves
	}
	m[channel] = withMember(m[channel], group, s)
	b.mu.Unlock()
	context.AfterFunc(ctx, func() { _ = s.Close() })
	go s.loop(ctx, run)
	return s, nil
}

func (s *memSub) loop(ctx context.Context, run func(context.Context, delivery)) {
	defer close(s.exited)
	for {
		select {
		case <-s.done:
			return
		case d := <-s.queue:
			// Both may be ready; a closed subscription delivers nothing more.
			// ctx ends at once when the subscriber's ctx is cancelled, before
			// Close has run.
			select {
			case <-s.done:
				return
			default:
			}
			if ctx.Err() != nil {
				return
			}
			run(ctx, d)
		}
	}
}

// Close stops delivery. Messages still queued are dropped; a request among
// them fails with ErrNoResponders.
func (s *memSub) Close() error {
	s.once.Do(func() {
		b := s.bus
		b.mu.Lock()
		m := b.topics
		if s.serve {
			m = b.serves
		}
		if t := withoutMember(m[s.channel], s); t != nil {
			m[s.channel] = t
		} else {
			delete(m, s.channel)
		}
		b.mu.Unlock()
		close(s.done)
		s.cancel()
	})
	return nil
}

// Close closes every subscription and server; later calls fail with
// ErrClosed.
func (b *MemoryBus) Close() error {
	b.mu.Lock()
	b.closed = true
	var subs []*memSub
	for _, m := range []map[string]*topic{b.topics, b.serves} {
		for _, t := range m {
			for _, g := range t.groups {
				subs = append(subs, g.members...)
			}
		}
	}
	b.mu.Unlock()
	for _, s := range subs {
		_ = s.Close()
	}
	return nil
}

func withMember(t *topic, group string, s *memSub) *topic {
	nt := &topic{}
	found := false
	if t != nil {
		for _, g := range t.groups {
			if g.name == group && group != "" {
				g = &memGroup{name: g.name, members: append(append([]*memSub(nil), g.members...), s), next: g.next}
				found = true
			}
			nt.groups = append(nt.groups, g)
		}
	}
	if !found {
		nt.groups = append(nt.groups, &memGroup{name: group, members: []*memSub{s}, next: new(atomic.Uint32)})
	}
	return nt
}

// withoutMember returns t without s, or nil when nothing is left.
func withoutMember(t *topic, s *memSub) *topic {
	if t == nil {
		return nil
	}
	nt := &topic{}
	for _, g := range t.groups {
		var members []*memSub
		for _, m := range g.members {
			if m != s {
				members = append(members, m)
			}
		}
		if len(members) > 0 {
			nt.groups = append(nt.groups, &memGroup{name: g.name, members: members, next: g.next})
		}
	}
	if len(nt.groups) == 0 {
		return nil
	}
	return nt
}
