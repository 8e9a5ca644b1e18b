// Package natsbus carries channel messages over NATS: it is a channel.Bus
// on a *nats.Conn.
//
// A channel is a NATS subject and a consumer group is a NATS queue group,
// so each message goes to one member of each group. Requests use NATS
// request/reply. The channel.Header travels in the NATS message headers as
// one JSON value under "Tracegraph-Header" and the payload is the Codec's
// bytes untouched. One JSON value keeps the mapping lossless (tag maps,
// id lists) and versioned by HeaderVersion, and it keeps the payload what
// any other NATS client expects; a message from a client that sends no
// header is delivered with an empty Header, and the channel library starts
// a trace for it.
//
// A server's reply carries the server's header, so the requester learns
// who answered; a handler error travels as "Tracegraph-Error" beside it. A
// request's deadline travels as "Tracegraph-Deadline", and the server's
// handler ctx ends with it. NATS answers a request to a subject nobody
// serves at once; that answer is channel.ErrNoResponders.
//
// Handlers of one subscription run one at a time, in order, on the
// goroutine nats.go gives each subscription. Slow consumers are NATS's
// business: a subscription whose pending messages exceed nats.go's limits
// (500,000 messages or 64 MB by default) loses messages, and nats.go
// reports that to the connection's error handler. Publishers never wait.
// The deadline carried to a server assumes the two hosts' clocks roughly
// agree.
package natsbus
