// Package channel is the library services use to talk to each other over
// typed channels, so that every message they exchange can be traced.
//
// A Service has a name and a Bus. Clients built from it publish, subscribe,
// request and serve typed messages:
//
//	svc := channel.NewService("catalog", bus, channel.WithRecorder(rec))
//	pub := channel.NewPubClient[SkuUpdated](svc, "sku.updated")
//	err := pub.Publish(ctx, SkuUpdated{...})
//
// Every message carries a Header: who produced it, its id, the ids of the
// messages it was produced in response to, the trace it belongs to and the
// trace's tags. A handler's ctx carries the inbound Header, and a publish or
// request made with that ctx propagates it (ParentIDs = the inbound
// MessageID; CorrelationIDs, PTags and TraceID kept; a new MessageID). With
// no inbound header the message starts an origin header, inside the trace
// that StartTrace put in ctx if there is one, else in a new trace.
//
// The library records a telemetry.Event for every publish, consume, request,
// serve, start and complete, timing each one itself, so that a service
// author never measures anything. Every event carries the trace's tags, so
// any event can be found by them. A message that cannot be decoded and a
// handler panic are recorded as events of type "error".
//
// The message type recorded in PayloadSchemaURI and in events is
// MessageTypeOf: the package path and type name exactly as go/types prints
// the type, so that names found by static analysis and names seen at run
// time agree without configuration.
//
// MemoryBus is the embedded Bus; package natsbus adapts NATS.
package channel
