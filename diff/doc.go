// Package diff compares a declared graph (what the code says) with an
// observed graph (what the traces show) and returns one graph whose flows
// carry a status: converged (in both), undeclared (observed only),
// unobserved (declared only) or type-mismatch (same services and channel,
// different message type). This is the reflexion model of Murphy, Notkin
// and Sullivan applied to message flows.
//
// On top of the comparison it applies a baseline (differences a team has
// accepted) and architecture rules (forbidden, required and allowed flows),
// and says which findings should fail a build.
package diff
