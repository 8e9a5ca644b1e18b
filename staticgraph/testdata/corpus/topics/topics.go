// Package topics computes channel names. It does not import the channel
// package, so the analysis builds it only because it returns strings.
package topics

const base = "regional."

// For returns the channel of a region.
func For(region string) string { return base + region }
