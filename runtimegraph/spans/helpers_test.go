package spans

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

// readAll reads a file and returns its events and stats.
func readAll(t testing.TB, path string, format Format, opts Options) ([]telemetry.Event, Stats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []telemetry.Event
	st, err := Read(context.Background(), f, filepath.Base(path), format, opts, func(e telemetry.Event) error {
		events = append(events, e)
		return nil
	})
	if err != nil {
		t.Fatalf("Read %s: %v", path, err)
	}
	return events, st
}

// flows groups consume and serve events by (peer, service, channel, type)
// the way the observed graph does, as sorted lines:
// "pubsub frontend -> backend channel=backend system=rabbitmq type= n=1 errors=0".
// A virtual end is suffixed with "*".
func flows(events []telemetry.Event) []string {
	count := map[string]int{}
	errs := map[string]int{}
	for _, e := range events {
		var kind string
		switch e.EventType {
		case telemetry.TypeConsume:
			kind = "pubsub"
		case telemetry.TypeServe:
			kind = "reqrep"
		default:
			continue
		}
		from, to := e.PeerService, e.Service
		if e.PeerVirtual {
			from += "*"
		}
		if e.ServiceVirtual {
			to += "*"
		}
		k := fmt.Sprintf("%s %s -> %s channel=%s system=%s type=%s", kind, from, to, e.Channel, e.System, e.MessageType)
		count[k]++
		if e.Status == telemetry.StatusError {
			errs[k]++
		}
	}
	out := make([]string, 0, len(count))
	for k, n := range count {
		out = append(out, fmt.Sprintf("%s n=%d errors=%d", k, n, errs[k]))
	}
	sort.Strings(out)
	return out
}

// corpus resolves a file of the real exports kept in testdata/corpora
// (their provenance and licence are beside them).
func corpus(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("testdata", "corpora", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("corpus %s: %v", rel, err)
	}
	return p
}

func eventLines(events []telemetry.Event) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s %s %s peer=%s virt=%v ch=%q sys=%s op=%q status=%s\n", e.EventType, e.MessageID, e.Service, e.PeerService, e.PeerVirtual, e.Channel, e.System, e.Operation, e.Status)
	}
	return b.String()
}
