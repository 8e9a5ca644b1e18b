// Case: an in-house API recognised by a user's recognizer (see
// TestUserRecognizer): the channel from an argument, the message type from
// an argument's type, several channels from a variadic argument.
package main

import (
	"example.com/corpus/inhouse"
	"example.com/corpus/msgs"
)

const prefix = "inhouse."

func main() {
	c := inhouse.Dial()
	_ = c.Emit(prefix+"orders", msgs.Order{}) // ev:inhouse-emit
	_ = c.Listen(prefix+"a", prefix+"b")      // ev:inhouse-listen

	own := &inhouse.Poster{}
	_ = own.Post(inhouse.Msg{Topic: prefix + "posted"}) // ev:inhouse-own
	fixed := &inhouse.Poster{Default: prefix + "default"}
	_ = fixed.Post(inhouse.Msg{}) // ev:inhouse-default
}
