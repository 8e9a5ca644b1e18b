// Package inner is a nested module under the main module's path, replaced
// into it: mod/... matches it, so its code is read with syntax.
package inner

import "example.com/nest/sdk"

// Placed is the event an order placement sends.
type Placed struct{ ID string }

// Place announces an order.
func Place(id string) error { return sdk.Send("orders.placed", Placed{ID: id}) }
