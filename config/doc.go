// Package config loads tracegraph.yaml, the optional file that tells
// tracegraph what the code alone cannot: which packages are which services
// (with their runtime aliases and teams), which in-house channel APIs to
// recognise, which differences are accepted (the baseline) and which flows
// are forbidden, required or allowed, and the questions the web explorer
// offers (presets).
//
// Unknown keys are errors naming the key and its line, so a typo never
// silently turns a rule off.
package config
