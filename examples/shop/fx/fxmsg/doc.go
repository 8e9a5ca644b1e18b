// Package fxmsg is the fx service's public contract: the exchange-rate
// request it serves.
package fxmsg
