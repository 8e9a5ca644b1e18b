// Package fx is the foreign-exchange service: it answers rate requests from
// a rate source.
package fx
