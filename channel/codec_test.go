package channel_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

// gobCodec is a second Codec, to show the library does not assume JSON.
type gobCodec struct{}

func (gobCodec) Name() string { return "gob" }

func (gobCodec) Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func (gobCodec) Unmarshal(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

// TestCodec: services sharing a Codec talk; a message the receiver's Codec
// cannot decode is an error event, and the handler never sees it.
func TestCodec(t *testing.T) {
	tests := []struct {
		name        string
		pub, sub    channel.Codec
		wantDecoded bool
	}{
		{name: "json", pub: channel.JSON{}, sub: channel.JSON{}, wantDecoded: true},
		{name: "gob", pub: gobCodec{}, sub: gobCodec{}, wantDecoded: true},
		{name: "json-to-gob", pub: channel.JSON{}, sub: gobCodec{}},
	}
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				ch := prefix + "codec." + tt.name
				rec := newRecorder()
				got := make(chan Ping, 1)
				sub, err := channel.NewSubClient[Ping](channel.NewService("receiver", bus, channel.WithRecorder(rec), channel.WithCodec(tt.sub)), ch).
					Subscribe(ctx, func(ctx context.Context, env channel.Envelope[Ping]) error {
						got <- env.Payload
						return nil
					})
				if err != nil {
					t.Fatal(err)
				}
				defer sub.Close()
				flush(t, bus)
				pub := channel.NewPubClient[Ping](channel.NewService("sender", bus, channel.WithCodec(tt.pub)), ch)
				if err := pub.Publish(ctx, Ping{N: 42}); err != nil {
					t.Fatal(err)
				}
				if !tt.wantDecoded {
					ev := rec.waitFor(t, "receiver", telemetry.TypeError, 1)[0]
					if ev.Status != telemetry.StatusError || !strings.Contains(ev.Error, "decode with gob") ||
						ev.PeerService != "sender" || ev.Channel != ch {
						t.Errorf("error event %+v", ev)
					}
					if n := len(rec.find("receiver", telemetry.TypeConsume)); n != 0 || len(got) != 0 {
						t.Errorf("undecodable message was handled (%d consume events)", n)
					}
					return
				}
				if p := <-got; p.N != 42 {
					t.Errorf("received %+v", p)
				}
			})
		}
	})
}
