// Package serve is the read-only web explorer behind `tracegraph serve`: a
// JSON API under /api/ (graph, diff, events, trace) over a Backend of
// stored events, and the embedded browser pages that draw it (topology,
// trace and events).
//
// The pages are built from web/ by esbuild and committed under assets/, so
// the binary carries them and installing it needs no Node. Everything the
// pages show from the data goes into the DOM as text, never as markup.
package serve
