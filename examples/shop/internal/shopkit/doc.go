// Package shopkit holds the small pieces several shop services share: a
// typed subscription helper, a set of subscriptions closed together, and the
// marketplace's currencies.
package shopkit
