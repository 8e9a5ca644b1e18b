package sim

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tracegraph/tracegraph/channel"
)

// arrivalTimeout bounds how long drain waits for the memory bus to hand
// over a message it owes: far longer than a goroutine switch, far shorter
// than a hung test.
const arrivalTimeout = 10 * time.Second

// sequencer is a Bus in front of another that makes delivery
// deterministic. Messages still travel through the inner bus, but a
// subscriber's handler runs only when drain calls it, one at a time, in the
// order the messages were published (ties between consumer groups broken by
// group name). Requests go straight through: the requester waits, so the
// server's handler runs alone anyway. Each delivery and each leg of a
// request costs a simulated network transit.
type sequencer struct {
	inner channel.Bus
	w     *world

	mu      sync.Mutex
	groups  map[string]map[string]int // channel → consumer group → live subscriptions
	seq     uint64                    // publishes so far
	owed    map[string]*owed          // by message id: deliveries the inner bus has yet to hand over
	queue   []delivery
	arrived chan struct{} // closed and replaced at each hand-over
	err     error         // the first broken promise, reported by drain
}

type owed struct {
	seq uint64
	n   int
}

type delivery struct {
	seq   uint64
	group string
	ctx   context.Context
	msg   channel.Message
	h     func(context.Context, channel.Message)
}

func newSequencer(inner channel.Bus, w *world) *sequencer {
	return &sequencer{inner: inner, w: w, groups: map[string]map[string]int{},
		owed: map[string]*owed{}, arrived: make(chan struct{})}
}

// Publish implements channel.Bus. It notes how many deliveries the inner
// bus owes (one per consumer group) before handing msg over, so that drain
// knows what to wait for.
func (s *sequencer) Publish(ctx context.Context, ch string, msg channel.Message) error {
	id := msg.Header.MessageID
	s.mu.Lock()
	s.seq++
	if n := len(s.groups[ch]); n > 0 {
		if _, dup := s.owed[id]; dup && s.err == nil {
			s.err = fmt.Errorf("sim: message id %s published twice", id)
		}
		s.owed[id] = &owed{seq: s.seq, n: n}
	}
	s.mu.Unlock()
	if err := s.inner.Publish(ctx, ch, msg); err != nil {
		s.mu.Lock()
		delete(s.owed, id)
		if s.err == nil {
			s.err = fmt.Errorf("sim: publish on %s: %w", ch, err)
		}
		s.mu.Unlock()
		return err
	}
	return nil
}

// Subscribe implements channel.Bus: the inner bus's deliveries are queued
// for drain.
func (s *sequencer) Subscribe(ctx context.Context, ch, group string, h func(context.Context, channel.Message)) (channel.Subscription, error) {
	s.mu.Lock()
	if s.groups[ch] == nil {
		s.groups[ch] = map[string]int{}
	}
	s.groups[ch][group]++
	s.mu.Unlock()
	sub, err := s.inner.Subscribe(ctx, ch, group, func(ctx context.Context, msg channel.Message) {
		s.handOver(ctx, group, msg, h)
	})
	if err != nil {
		s.leave(ch, group)
		return nil, err
	}
	return &seqSub{Subscription: sub, leave: func() { s.leave(ch, group) }}, nil
}

func (s *sequencer) leave(ch, group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[ch][group]--; s.groups[ch][group] == 0 {
		delete(s.groups[ch], group)
	}
}

type seqSub struct {
	channel.Subscription
	once  sync.Once
	leave func()
}

func (s *seqSub) Close() error {
	s.once.Do(s.leave)
	return s.Subscription.Close()
}

func (s *sequencer) handOver(ctx context.Context, group string, msg channel.Message, h func(context.Context, channel.Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := msg.Header.MessageID
	o := s.owed[id]
	if o == nil {
		if s.err == nil {
			s.err = fmt.Errorf("sim: message %s delivered to group %s but never announced", id, group)
		}
		return
	}
	if o.n--; o.n == 0 {
		delete(s.owed, id)
	}
	s.queue = append(s.queue, delivery{seq: o.seq, group: group, ctx: ctx, msg: msg, h: h})
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// Serve implements channel.Bus.
func (s *sequencer) Serve(ctx context.Context, ch, group string, h func(context.Context, channel.Message) (channel.Message, error)) (channel.Subscription, error) {
	return s.inner.Serve(ctx, ch, group, func(ctx context.Context, msg channel.Message) (channel.Message, error) {
		s.w.transit()
		rep, err := h(ctx, msg)
		s.w.transit()
		return rep, err
	})
}

// Request implements channel.Bus.
func (s *sequencer) Request(ctx context.Context, ch string, msg channel.Message) (channel.Message, error) {
	return s.inner.Request(ctx, ch, msg)
}

// drain runs queued handlers, and those of the messages they publish, until
// nothing is left. It must not be called concurrently.
func (s *sequencer) drain(ctx context.Context) error {
	timer := time.NewTimer(arrivalTimeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return err
		}
		if len(s.owed) > 0 {
			wait := s.arrived
			s.mu.Unlock()
			timer.Reset(arrivalTimeout)
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
				return fmt.Errorf("sim: the memory bus did not deliver %d messages within %v", s.owing(), arrivalTimeout)
			}
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return nil
		}
		i := first(s.queue)
		d := s.queue[i]
		s.queue = slices.Delete(s.queue, i, i+1)
		s.mu.Unlock()
		s.w.transit()
		d.h(d.ctx, d.msg)
	}
}

func (s *sequencer) owing() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, o := range s.owed {
		n += o.n
	}
	return n
}

// first is the index of the delivery to run next: the earliest published,
// and among one message's groups, the first by name.
func first(q []delivery) int {
	best := 0
	for i, d := range q[1:] {
		if cmp.Or(cmp.Compare(d.seq, q[best].seq), cmp.Compare(d.group, q[best].group)) < 0 {
			best = i + 1
		}
	}
	return best
}
