package sim

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// clock is simulated time. Only reading it and simulated work move it.
type clock struct {
	mu  sync.Mutex
	t   time.Time
	rng *rand.Rand
}

func newClock(start time.Time, rng *rand.Rand) *clock {
	return &clock{t: start.UTC().Truncate(time.Microsecond), rng: rng}
}

// now moves the clock on by 1 to 20µs, the time the code between two
// readings takes, and returns it. So every reading is later than the one
// before, and event timestamps order events as they happened.
func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Duration(1+c.rng.IntN(20)) * time.Microsecond)
	return c.t
}

// peek returns the time without moving the clock.
func (c *clock) peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// sleep moves the clock on by d.
func (c *clock) sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d.Truncate(time.Microsecond))
}

// idSource makes UUIDv7-shaped ids (RFC 9562): the simulated Unix time in
// milliseconds, then seeded random bits instead of random ones.
type idSource struct {
	mu    sync.Mutex
	clock *clock
	rng   *rand.Rand
}

func (g *idSource) newID() string {
	ms := uint64(g.clock.peek().UnixMilli())
	g.mu.Lock()
	r1, r2 := g.rng.Uint64(), g.rng.Uint64()
	g.mu.Unlock()
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], ms<<16|r1&0x0fff|0x7000)
	binary.BigEndian.PutUint64(b[8:16], r2&^(3<<62)|1<<63)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// world is what simulated work costs and how often it fails.
type world struct {
	clock *clock
	mu    sync.Mutex
	rng   *rand.Rand
}

// work moves the clock on by a log-normal duration around median; sigma is
// the spread (the p95 is about median × e^(1.645σ)).
func (w *world) work(median time.Duration, sigma float64) {
	w.mu.Lock()
	z := w.rng.NormFloat64()
	w.mu.Unlock()
	w.clock.sleep(time.Duration(float64(median) * math.Exp(sigma*z)))
}

// transit is one message's trip across the network.
func (w *world) transit() { w.work(180*time.Microsecond, 0.5) }

// chance reports true with probability p.
func (w *world) chance(p float64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rng.Float64() < p
}
