package natsbus

import (
	"reflect"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/tracegraph/tracegraph/channel"
)

// FuzzFromNATS: whatever a NATS client puts in the header, reading it never
// fails, and a header this package wrote reads back as it was.
func FuzzFromNATS(f *testing.F) {
	f.Add(`{"header_version":1,"message_id":"m-1","producer_id":"catalog","trace_id":"t-1","ptags":{"merchant_id":"4c5d6e7"}}`, []byte(`{"N":1}`))
	f.Add(`{"header_version":"one"}`, []byte{})
	f.Add(`not json`, []byte{0xff})
	f.Fuzz(func(t *testing.T, header string, data []byte) {
		m := nats.NewMsg("s")
		m.Header.Set(HeaderKey, header)
		m.Data = data
		got := fromNATS(m)
		if string(got.Data) != string(data) {
			t.Fatalf("payload changed: %q -> %q", data, got.Data)
		}
		again, err := toNATS("s", got)
		if err != nil {
			t.Fatal(err)
		}
		if back := fromNATS(again); !reflect.DeepEqual(back.Header, got.Header) {
			t.Fatalf("header did not survive the wire: %+v -> %+v", got.Header, back.Header)
		}
	})
}

func TestWireRoundTrip(t *testing.T) {
	h := channel.Header{HeaderVersion: 1, CorrelationIDs: []string{"c-1"}, MessageID: "m-2", ParentIDs: []string{"m-1"},
		ProducerID: "catalog", PayloadSchemaURI: "example.com/shop.SkuUpdated", TicksFromEpoch: 1795514400000000,
		MTags: map[string]string{"sku": "s-1"}, PTags: map[string]string{"merchant_id": "4c5d6e7"}, TraceID: "t-1"}
	m, err := toNATS("sku.updated", channel.Message{Header: h, Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := fromNATS(m); !reflect.DeepEqual(got.Header, h) || string(got.Data) != `{}` {
		t.Errorf("round trip: %+v", got)
	}
}
