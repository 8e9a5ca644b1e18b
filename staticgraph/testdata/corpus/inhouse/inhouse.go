// Package inhouse stands for an in-house messaging API that the analysis
// knows nothing about until a recognizer in tracegraph.yaml describes it.
package inhouse

type Conn struct{ sent int }

func Dial() *Conn { return &Conn{} }

// Emit publishes payload on topic.
func (c *Conn) Emit(topic string, payload any) error {
	c.sent++
	return nil
}

// Listen subscribes to every topic given.
func (c *Conn) Listen(topics ...string) error { return nil }

// Msg is a message that may name its own topic.
type Msg struct{ Topic string }

// Poster posts to its Default topic, or to each message's own.
type Poster struct{ Default string }

func (p *Poster) Post(m Msg) error { return nil }
