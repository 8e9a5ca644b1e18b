package channel_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/channel/natsbus"
)

// natsURL is the server the NATS variants of the tests use.
func natsURL() string {
	if u := os.Getenv("TRACEGRAPH_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// forEachBus runs f as a subtest on each Bus. Channel names get a prefix
// unique to the run, so runs sharing a NATS server never meet.
func forEachBus(t *testing.T, f func(t *testing.T, bus channel.Bus, prefix string)) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "tgtest." + hex.EncodeToString(b[:]) + "."
	t.Run("memory", func(t *testing.T) {
		bus := channel.NewMemoryBus()
		t.Cleanup(func() { _ = bus.Close() })
		f(t, bus, prefix)
	})
	t.Run("nats", func(t *testing.T) {
		nc, err := nats.Connect(natsURL(), nats.Timeout(2*time.Second))
		if err != nil {
			t.Skipf("NATS at %s unreachable (set TRACEGRAPH_TEST_NATS_URL): %v", natsURL(), err)
		}
		t.Cleanup(nc.Close)
		f(t, flushingBus{natsbus.New(nc), nc}, prefix)
	})
}

// flushingBus lets a test wait until the server has seen what the
// connection sent.
type flushingBus struct {
	*natsbus.Bus
	nc *nats.Conn
}

func (b flushingBus) Flush() error { return b.nc.Flush() }
