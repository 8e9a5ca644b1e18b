package pgstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

func TestAppendTags(t *testing.T) {
	for _, tags := range []map[string]string{
		{"merchant_id": "4c5d6e7"},
		{"b": "2", "a": "1", "": ""},
		{`q"uote`: `back\slash`, "ctl\x01\n\t": "ünïcødé ✓ \u2028", "html": "<a&b>"},
	} {
		b, _ := appendTags(nil, nil, tags)
		var got map[string]string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, tags) {
			t.Errorf("%s decodes to %v, want %v", b, got, tags)
		}
	}
	b, _ := appendTags(nil, nil, map[string]string{"b": "1", "a": "2"})
	if string(b) != `{"a":"2","b":"1"}` {
		t.Errorf("keys not sorted: %s", b)
	}
}

func TestCheckUTF8(t *testing.T) {
	for _, e := range []telemetry.Event{
		{EventID: "e", Service: "s\xff"},
		{EventID: "e", Tags: map[string]string{"k": "v\xc3"}},
	} {
		if err := Check(&e); err == nil {
			t.Errorf("Check(%+v) accepted invalid UTF-8", e)
		}
	}
}
