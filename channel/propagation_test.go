package channel_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

type StockAdjusted struct {
	Sku   string
	Delta int
}

// shop is four small services: merchant-api -> catalog (request/reply) ->
// inventory (pub/sub) -> notifications (pub/sub). Each handler keeps the
// inbound header it saw.
type shop struct {
	rec                        *recorder
	merchant                   *channel.Service
	catalogSeen, inventorySeen chan channel.Header
	notificationsSeen          chan channel.Header
	published                  chan channel.Header // inventory's outbound header
	subs                       []channel.Subscription
}

const failingSku = "sku-broken"

func startShop(t *testing.T, ctx context.Context, bus channel.Bus, prefix string) *shop {
	t.Helper()
	rec := newRecorder()
	s := &shop{
		rec:               rec,
		merchant:          channel.NewService("merchant-api", bus, channel.WithRecorder(rec)),
		catalogSeen:       make(chan channel.Header, 10),
		inventorySeen:     make(chan channel.Header, 10),
		notificationsSeen: make(chan channel.Header, 10),
		published:         make(chan channel.Header, 10),
	}
	catalog := channel.NewService("catalog", bus, channel.WithRecorder(rec))
	inventory := channel.NewService("inventory", bus, channel.WithRecorder(rec))
	notifications := channel.NewService("notifications", bus, channel.WithRecorder(rec))

	skuUpdated := channel.NewPubClient[SkuUpdated](catalog, prefix+"sku.updated")
	srv := channel.NewReqRepServer[UpdateSku, UpdateSkuReply](catalog, prefix+"catalog.update-sku", channel.WithOperation("UpdateSku"))
	sub, err := srv.Serve(ctx, func(ctx context.Context, env channel.Envelope[UpdateSku]) (UpdateSkuReply, error) {
		h, _ := channel.HeaderFrom(ctx)
		s.catalogSeen <- h
		ctx = channel.ContextWithMessageTags(ctx, map[string]string{"sku": env.Payload.Sku})
		if err := skuUpdated.Publish(ctx, SkuUpdated{Sku: env.Payload.Sku}); err != nil {
			return UpdateSkuReply{}, err
		}
		return UpdateSkuReply{Version: 2}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.subs = append(s.subs, sub)

	adjusted := channel.NewPubClient[StockAdjusted](inventory, prefix+"stock.adjusted")
	sub, err = channel.NewSubClient[SkuUpdated](inventory, prefix+"sku.updated", channel.WithOperation("AdjustStock")).
		Subscribe(ctx, func(ctx context.Context, env channel.Envelope[SkuUpdated]) error {
			h, _ := channel.HeaderFrom(ctx)
			s.inventorySeen <- h
			if env.Payload.Sku == failingSku {
				return fmt.Errorf("no stock record for %s", env.Payload.Sku)
			}
			s.published <- inventory.NewHeader(ctx, channel.MessageTypeOf[StockAdjusted]())
			return adjusted.Publish(ctx, StockAdjusted{Sku: env.Payload.Sku, Delta: -1})
		})
	if err != nil {
		t.Fatal(err)
	}
	s.subs = append(s.subs, sub)

	sub, err = channel.NewSubClient[StockAdjusted](notifications, prefix+"stock.adjusted").
		Subscribe(ctx, func(ctx context.Context, env channel.Envelope[StockAdjusted]) error {
			h, _ := channel.HeaderFrom(ctx)
			s.notificationsSeen <- h
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	s.subs = append(s.subs, sub)
	t.Cleanup(func() {
		for _, sub := range s.subs {
			_ = sub.Close()
		}
	})
	return s
}

// testPropagation follows one trace through the shop and checks every hop.
func testPropagation(t *testing.T, bus channel.Bus, prefix string) {
	tests := []struct {
		name    string
		sku     string
		wantErr string // inventory's consume error; "" for success
	}{
		{name: "ok", sku: "sku-1"},
		{name: "inventory-fails", sku: failingSku, wantErr: "no stock record for " + failingSku},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := startShop(t, ctx, bus, prefix+tt.name+".")
			tags := map[string]string{"merchant_id": "4c5d6e7"}

			tctx, end := channel.StartTrace(ctx, s.merchant, "UpdateSku", tags)
			trace, ok := channel.TraceFrom(tctx)
			if !ok || trace.TraceID == "" || trace.Op != "UpdateSku" {
				t.Fatalf("TraceFrom after StartTrace = %+v, %v", trace, ok)
			}
			cli := channel.NewReqRepClient[UpdateSku, UpdateSkuReply](s.merchant, prefix+tt.name+".catalog.update-sku")
			rep, err := cli.Request(tctx, UpdateSku{MerchantID: "4c5d6e7", Sku: tt.sku})
			end(&err)
			if err != nil || rep.Version != 2 {
				t.Fatalf("Request = %+v, %v", rep, err)
			}

			// Hop 1: merchant-api -> catalog. The request is an origin
			// message in the trace StartTrace began.
			atCatalog := <-s.catalogSeen
			if atCatalog.TraceID != trace.TraceID || atCatalog.ProducerID != "merchant-api" ||
				len(atCatalog.ParentIDs) != 0 || !slices.Equal(atCatalog.CorrelationIDs, []string{atCatalog.MessageID}) ||
				atCatalog.PTags["merchant_id"] != "4c5d6e7" ||
				atCatalog.PayloadSchemaURI != "github.com/tracegraph/tracegraph/channel_test.UpdateSku" {
				t.Errorf("catalog saw header %+v", atCatalog)
			}
			// Hop 2: catalog -> inventory.
			atInventory := <-s.inventorySeen
			checkPropagated(t, "inventory", atInventory, atCatalog, "catalog")
			if len(atInventory.MTags) != 1 || atInventory.MTags["sku"] != tt.sku {
				t.Errorf("inventory saw MTags %v, want sku=%s", atInventory.MTags, tt.sku)
			}
			// Hop 3: inventory -> notifications.
			if tt.wantErr == "" {
				atNotifications := <-s.notificationsSeen
				checkPropagated(t, "notifications", atNotifications, atInventory, "inventory")
				if len(atNotifications.MTags) != 0 {
					t.Errorf("MTags crossed a hop: %v", atNotifications.MTags)
				}
				if h := <-s.published; h.ParentIDs[0] != atInventory.MessageID || h.MessageID == atNotifications.MessageID {
					t.Errorf("NewHeader in a handler = %+v; want parent %s and a fresh id", h, atInventory.MessageID)
				}
			}

			// The events.
			req := s.rec.waitFor(t, "merchant-api", telemetry.TypeRequest, 1)[0]
			serve := s.rec.waitFor(t, "catalog", telemetry.TypeServe, 1)[0]
			consume := s.rec.waitFor(t, "inventory", telemetry.TypeConsume, 1)[0]
			checkEvent(t, req, atCatalog.MessageID, nil, "catalog", "UpdateSku", "")
			if req.ReplyType != "github.com/tracegraph/tracegraph/channel_test.UpdateSkuReply" {
				t.Errorf("request reply_type = %q", req.ReplyType)
			}
			checkEvent(t, serve, atCatalog.MessageID, nil, "merchant-api", "UpdateSku", "")
			checkEvent(t, consume, atInventory.MessageID, []string{atCatalog.MessageID}, "catalog", "AdjustStock", tt.wantErr)
			if consume.Tags["sku"] != tt.sku {
				t.Errorf("consume event tags %v lack the message's sku", consume.Tags)
			}
			if tt.wantErr == "" {
				n := s.rec.waitFor(t, "notifications", telemetry.TypeConsume, 1)[0]
				checkEvent(t, n, "", []string{atInventory.MessageID}, "inventory", "", "")
				s.rec.waitFor(t, "inventory", telemetry.TypePublish, 1)
			}
			start := s.rec.waitFor(t, "merchant-api", telemetry.TypeStart, 1)[0]
			complete := s.rec.waitFor(t, "merchant-api", telemetry.TypeComplete, 1)[0]
			if start.Operation != "UpdateSku" || complete.Operation != "UpdateSku" || complete.Status != telemetry.StatusOK {
				t.Errorf("start %+v complete %+v", start, complete)
			}
			wantSystem := ""
			if sb, ok := bus.(interface{ System() string }); ok {
				wantSystem = sb.System()
			}
			for _, e := range s.rec.all() {
				if e.System != wantSystem {
					t.Errorf("event system %q, want %q", e.System, wantSystem)
				}
				if e.TraceID != trace.TraceID || e.Tags["merchant_id"] != "4c5d6e7" || e.EventID == "" || e.Timestamp.IsZero() {
					t.Errorf("event lacks the trace or its tags: %+v", e)
				}
				if e.EventType == telemetry.TypeError {
					t.Errorf("unexpected error event %+v", e)
				}
			}
		})
	}
}

// checkPropagated checks that got was propagated from parent by producer.
func checkPropagated(t *testing.T, at string, got, parent channel.Header, producer string) {
	t.Helper()
	if got.TraceID != parent.TraceID {
		t.Errorf("%s: trace id %s, want %s", at, got.TraceID, parent.TraceID)
	}
	if !slices.Equal(got.ParentIDs, []string{parent.MessageID}) {
		t.Errorf("%s: ParentIDs %v, want [%s]", at, got.ParentIDs, parent.MessageID)
	}
	if !slices.Equal(got.CorrelationIDs, parent.CorrelationIDs) {
		t.Errorf("%s: CorrelationIDs %v, want %v", at, got.CorrelationIDs, parent.CorrelationIDs)
	}
	if got.PTags["merchant_id"] != "4c5d6e7" || len(got.PTags) != 1 {
		t.Errorf("%s: PTags %v", at, got.PTags)
	}
	if got.ProducerID != producer || got.MessageID == "" || got.MessageID == parent.MessageID {
		t.Errorf("%s: producer %q message id %q (parent's %q)", at, got.ProducerID, got.MessageID, parent.MessageID)
	}
	if got.HeaderVersion != channel.HeaderVersion || got.TicksFromEpoch == 0 {
		t.Errorf("%s: header version %d ticks %d", at, got.HeaderVersion, got.TicksFromEpoch)
	}
}

func checkEvent(t *testing.T, e telemetry.Event, messageID string, parents []string, peer, op, wantErr string) {
	t.Helper()
	if messageID != "" && e.MessageID != messageID {
		t.Errorf("%s %s: message_id %s, want %s", e.Service, e.EventType, e.MessageID, messageID)
	}
	if !slices.Equal(e.ParentIDs, parents) {
		t.Errorf("%s %s: parent_ids %v, want %v", e.Service, e.EventType, e.ParentIDs, parents)
	}
	if e.PeerService != peer || e.Operation != op {
		t.Errorf("%s %s: peer %q op %q, want %q %q", e.Service, e.EventType, e.PeerService, e.Operation, peer, op)
	}
	wantStatus := telemetry.StatusOK
	if wantErr != "" {
		wantStatus = telemetry.StatusError
	}
	if e.Status != wantStatus || e.Error != wantErr {
		t.Errorf("%s %s: status %q error %q, want %q %q", e.Service, e.EventType, e.Status, e.Error, wantStatus, wantErr)
	}
	if e.DurationUS < 0 {
		t.Errorf("%s %s: negative duration %d", e.Service, e.EventType, e.DurationUS)
	}
}

func TestPropagation(t *testing.T) {
	forEachBus(t, testPropagation)
}
