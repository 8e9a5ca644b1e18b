// Command audit sends on its own; a narrow pattern for orders must not
// read it.
package main

import "example.com/nest/sdk"

// Entry is an audit record.
type Entry struct{ What string }

func main() { _ = sdk.Send("audit.entries", Entry{What: "boot"}) }
