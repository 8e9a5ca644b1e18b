// Case: a channel name from the environment is unresolved, never guessed.
package main

import (
	"context"
	"os"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("env", channel.NewMemoryBus())
	topic := os.Getenv("ORDERS_TOPIC")                  // ev:env-getenv
	pub := channel.NewPubClient[msgs.Order](svc, topic) // ev:env-client
	_ = pub.Publish(context.Background(), msgs.Order{})
}
