package shop_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/examples/shop/sim"
	"github.com/tracegraph/tracegraph/telemetry"
)

var update = flag.Bool("update", false, "rewrite events.jsonl")

// The run events.jsonl holds; the go:generate line in doc.go says the same.
const (
	committedFile    = "events.jsonl"
	committedSeed    = 1
	committedUpdates = 200
)

func simulate(t *testing.T, seed uint64, updates int) []byte {
	t.Helper()
	start, err := time.Parse(time.RFC3339, sim.DefaultStart)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := telemetry.NewWriter(&buf)
	if err := sim.Run(context.Background(), sim.Config{Seed: seed, Updates: updates, Start: start, Recorder: w}); err != nil {
		t.Fatalf("sim.Run(seed %d, %d updates): %v", seed, updates, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSimulationIsDeterministic(t *testing.T) {
	for _, seed := range []uint64{1, 42} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			a, b := simulate(t, seed, 30), simulate(t, seed, 30)
			if len(a) == 0 {
				t.Fatal("no events")
			}
			if !bytes.Equal(a, b) {
				t.Errorf("two runs with seed %d differ first at line %d", seed, firstDiffLine(a, b))
			}
		})
	}
	if bytes.Equal(simulate(t, 1, 30), simulate(t, 2, 30)) {
		t.Error("seeds 1 and 2 gave the same events: the seed is not used")
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestCommittedEvents keeps events.jsonl in step with the code: it must be
// what the simulation writes now. -update rewrites it.
func TestCommittedEvents(t *testing.T) {
	got := simulate(t, committedSeed, committedUpdates)
	if *update {
		if err := os.WriteFile(committedFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(committedFile)
	if err != nil {
		t.Fatalf("%v (run go generate ./examples/shop)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: first difference at line %d; run go generate ./examples/shop", committedFile, firstDiffLine(got, want))
	}
}

func readCommitted(t *testing.T) []telemetry.Event {
	t.Helper()
	f, err := os.Open(committedFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := telemetry.NewReader(f, committedFile)
	var evs []telemetry.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
}

// hop is a flow as the observed graph sees it: a consume or serve event's
// service and peer.
type hop struct {
	eventType, from, to, channel string
}

func TestScenarioShape(t *testing.T) {
	evs := readCommitted(t)
	hops := map[hop]int{}
	for _, e := range evs {
		if e.EventType == telemetry.TypeConsume || e.EventType == telemetry.TypeServe {
			if e.PeerService == "" {
				t.Errorf("%s event %s of %s has no peer_service", e.EventType, e.EventID, e.Service)
			}
			hops[hop{e.EventType, e.PeerService, e.Service, e.Channel}]++
		}
	}

	t.Run("flows", func(t *testing.T) {
		for _, want := range []hop{
			{"serve", "merchant-api", "catalog", "catalog.update-sku"},
			{"consume", "catalog", "inventory", "sku.updated"},
			{"consume", "catalog", "pricing", "sku.updated"},
			{"consume", "catalog", "search-indexer", "sku.updated"},
			{"serve", "pricing", "fx", "fx.rates"},
			{"consume", "pricing", "search-indexer", "pricing.price-changed"},
			{"consume", "inventory", "notifications", "inventory.stock-adjusted"},
			{"consume", "inventory", "notifications", "inventory.stock-adjust-failed"},
			{"serve", "notifications", "merchant-api", "merchants.contact"},
			{"consume", "search-indexer", "catalog", "search.skus-indexed"},
			// The undeclared debug tap.
			{"consume", "inventory", "notifications", "debug.stockadjustfailed"},
		} {
			if hops[want] == 0 {
				t.Errorf("no %s events of %s -> %s on %s", want.eventType, want.from, want.to, want.channel)
			}
		}
		if len(hops) != 11 {
			t.Errorf("got %d distinct flows, want 11: %v", len(hops), hops)
		}
	})

	t.Run("unexercised deletion", func(t *testing.T) {
		for _, e := range evs {
			if e.Channel == "sku.deleted" || e.Channel == "catalog.delete-sku" || strings.HasSuffix(e.MessageType, ".SkuDeleted") {
				t.Errorf("event %s: %s by %s on %s, but the scenario never deletes a SKU", e.EventID, e.EventType, e.Service, e.Channel)
			}
		}
	})

	t.Run("inventory failures", func(t *testing.T) {
		total, failed := map[string]int{}, map[string]int{}
		for _, e := range evs {
			if e.Service != "inventory" || e.EventType != telemetry.TypeConsume {
				continue
			}
			m := e.Tags["merchant_id"]
			total[m]++
			if e.Status == telemetry.StatusError {
				failed[m]++
				if e.Error == "" {
					t.Errorf("failed event %s has no error text", e.EventID)
				}
			}
		}
		if failed[sim.FlakyMerchant] < 5 {
			t.Errorf("%d failed inventory updates for merchant %s, want at least 5", failed[sim.FlakyMerchant], sim.FlakyMerchant)
		}
		if len(total) < 4 {
			t.Errorf("inventory updates for %d merchants, want at least 4", len(total))
		}
		for m, n := range total {
			if rate := float64(failed[m]) / float64(n); m != sim.FlakyMerchant && rate > 0.2 {
				t.Errorf("merchant %s: %d of %d inventory updates failed, want mostly successes", m, failed[m], n)
			}
		}
	})

	t.Run("tap copies failures", func(t *testing.T) {
		// The tap's message is sent while handling a SKU update, so its
		// parent is that update, whose handling failed.
		failedUpdates := map[string]bool{}
		for _, e := range evs {
			if e.Service == "inventory" && e.EventType == telemetry.TypeConsume && e.Status == telemetry.StatusError {
				failedUpdates[e.MessageID] = true
			}
		}
		n := 0
		for _, e := range evs {
			if e.Channel != "debug.stockadjustfailed" {
				continue
			}
			n++
			if len(e.ParentIDs) != 1 || !failedUpdates[e.ParentIDs[0]] {
				t.Errorf("tap event %s: parents %v, want one failed SKU update", e.EventID, e.ParentIDs)
			}
		}
		if n != len(failedUpdates) {
			t.Errorf("%d tap events for %d failed adjustments", n, len(failedUpdates))
		}
	})

	t.Run("traces", func(t *testing.T) {
		starts := map[string]string{}
		for _, e := range evs {
			if e.EventType == telemetry.TypeStart {
				starts[e.TraceID] = e.Operation
			}
		}
		ops := map[string]int{}
		for _, op := range starts {
			ops[op]++
		}
		if ops["UpdateSku"] != committedUpdates || ops["IndexSkus"] == 0 {
			t.Errorf("traces by operation: %v, want %d UpdateSku and some IndexSkus", ops, committedUpdates)
		}
		for _, e := range evs {
			if _, ok := starts[e.TraceID]; !ok {
				t.Errorf("event %s: trace %q has no start event", e.EventID, e.TraceID)
			}
			if e.Service == "search-indexer" && e.Operation != "IndexSkus" {
				t.Errorf("search-indexer event %s: operation %q, want IndexSkus", e.EventID, e.Operation)
			}
		}
	})
}
