//go:build debugtap

// The debug tap: a build for a staging box (go build -tags debugtap)
// subscribes to sku.updated and logs every change the catalog announces,
// so whoever tries the API there sees what became of their request. The
// release build has no such code, and tracegraph reads the release build:
// the flow catalog -> merchant-api on sku.updated is observed in the spans
// of a debug build and declared nowhere, so a diff calls it undeclared.

package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/examples/otelshop/gen/catalogv1"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/natstrace"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/skus"
)

var tapNATS = flag.String("debug-tap-nats", nats.DefaultURL, "NATS server the debug tap subscribes on")

func init() { debugTap = startTap }

func startTap(context.Context) (stop func(), err error) {
	nc, err := nats.Connect(*tapNATS, nats.Name("merchant-api debug tap"))
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	_, err = nc.Subscribe(skus.Updated, func(m *nats.Msg) {
		_, span := natstrace.StartProcess(context.Background(), m.Subject, m.Header)
		var ev catalogv1.SkuUpdated
		err := proto.Unmarshal(m.Data, &ev)
		if err == nil {
			log.Printf("debug tap: %s %s/%s v%d", m.Subject, ev.GetMerchantId(), ev.GetSku(), ev.GetVersion())
		}
		natstrace.End(span, err)
	})
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	log.Printf("debug tap: subscribed to %s", skus.Updated)
	return func() { _ = nc.Drain() }, nil
}
