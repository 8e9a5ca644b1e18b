// Package staticgraph reads the declared topology of a system of services
// from its Go source: who publishes, subscribes, requests and serves which
// message type on which channel.
//
// The method (docs/design.md, "How the static analysis must work"): one
// packages.Load per Go module the patterns reach (package modules plans
// them), over the patterns and the module's packages they import (found
// first by a go list of names and imports only, skipped when the patterns
// cover the module), with syntax and types for those and export data for
// their dependencies; the main packages the patterns match
// are the services, and the module's packages they import are read
// wherever they live; SSA for the packages that can make, use or name a
// client; calls recognised through recognizer rules (config.Recognizer), the
// built-in pack for this project's channel package being data of the same
// form; channel names, services and clients followed back through
// variables, phis, struct fields, package-level variables, closures and
// function parameters, a parameter being resolved at each call site (a
// function summary, like the printf analyzer's wrapper facts) so that values
// that travel together stay together, and maps of clients, function
// values and pointer arguments besides; reachability from every main
// package by an RTA-style walk over the module's SSA, per main; a value
// stored or bound by code only some mains reach counts only for them.
// HTTP URLs and routes become "METHOD /path" channels, a request's host
// its peer (http.go, compose.go).
//
// A name that is not a constant becomes a pattern (orders.*) when part of it
// is constant, or an unresolved entry naming the file, line and expression;
// it is never dropped and never guessed. A name that may come from the
// environment or a flag (a setting rule) is unresolved with the constants
// it may also be as candidates; a field of a value a decoder filled is
// request data. A message type carried as bytes comes from what a payload
// rule (json.Marshal) made them from, else it is empty. Methods of a client
// type of generated code (gRPC) are reached only through calls of them, and
// a use inside generated code is reported at the user's call.
//
// The library packs (builtin/*.yaml) and their spec extensions are
// described in docs/recognizers.md; TestLibs checks each against a module
// written with the real library.
package staticgraph
