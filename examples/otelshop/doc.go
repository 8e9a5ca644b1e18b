// Package otelshop is the shop's story, a merchant updates a SKU, on the
// libraries most services use, instrumented with OpenTelemetry: five
// services (merchant-api, catalog, inventory, pricing, fx) under cmd/,
// talking over gRPC, NATS (core and JetStream) and net/http, each
// exporting its spans over OTLP. Its test runs them against tracegraph
// collect and checks that tracegraph diff finds every declared flow in
// the spans, under the same names, with no configuration, plus the one
// flow left undeclared on purpose. README.md tells the story.
package otelshop
