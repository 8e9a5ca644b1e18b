package spans

import (
	"math"
	"reflect"
	"testing"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// The protobuf walk must give exactly what proto.Unmarshal and otlpSpan
// give, or decline: FuzzOTLPWireDiff checks it on any input, and the table
// below that it takes what exporters write (else the fuzz target would pass
// with a walk that always declines) and declines the odd shapes.

// otlpProtoElems are the ResourceSpans of otlpElems and of the JSON
// variants the fast JSON decoder takes, as protobuf.
func otlpProtoElems(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(js []byte) {
		var rs tracepb.ResourceSpans
		if err := protojson.Unmarshal(js, &rs); err != nil {
			t.Fatalf("%v: %.100s", err, js)
		}
		if err := FixJSONIDs([]*tracepb.ResourceSpans{&rs}); err != nil {
			t.Fatal(err)
		}
		b, err := proto.Marshal(&rs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, e := range otlpElems(t) {
		add(e)
	}
	for _, v := range otlpVariants {
		if v.fast {
			add([]byte(v.json))
		}
	}
	return out
}

// wireSpan is a span with the given extra fields, in a ResourceSpans.
func wireSpan(extra ...[]byte) []byte {
	var sp []byte
	sp = protowire.AppendTag(sp, 1, protowire.BytesType)
	sp = protowire.AppendBytes(sp, make([]byte, 16))
	sp = protowire.AppendTag(sp, 2, protowire.BytesType)
	sp = protowire.AppendBytes(sp, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	for _, e := range extra {
		sp = append(sp, e...)
	}
	var ss []byte
	ss = protowire.AppendTag(ss, 2, protowire.BytesType)
	ss = protowire.AppendBytes(ss, sp)
	var rs []byte
	rs = protowire.AppendTag(rs, 2, protowire.BytesType)
	return protowire.AppendBytes(rs, ss)
}

func field(num protowire.Number, typ protowire.Type, v any) []byte {
	b := protowire.AppendTag(nil, num, typ)
	switch x := v.(type) {
	case uint64:
		switch typ {
		case protowire.Fixed64Type:
			return protowire.AppendFixed64(b, x)
		case protowire.Fixed32Type:
			return protowire.AppendFixed32(b, uint32(x))
		}
		return protowire.AppendVarint(b, x)
	case []byte:
		return protowire.AppendBytes(b, x)
	case string:
		return protowire.AppendString(b, x)
	}
	panic("field value")
}

// attr is a span attribute (field 9) whose AnyValue holds the given fields.
func attr(key string, value ...[]byte) []byte {
	var av []byte
	for _, v := range value {
		av = append(av, v...)
	}
	kv := append(field(1, protowire.BytesType, key), field(2, protowire.BytesType, av)...)
	return field(9, protowire.BytesType, kv)
}

var wireVariants = []struct {
	name string
	data []byte
	fast bool
}{
	{"plain", wireSpan(), true},
	{"every scalar field", wireSpan(
		field(3, protowire.BytesType, "k=v"), field(4, protowire.BytesType, make([]byte, 8)),
		field(5, protowire.BytesType, "réd"), field(6, protowire.VarintType, uint64(3)),
		field(7, protowire.Fixed64Type, uint64(10)), field(8, protowire.Fixed64Type, uint64(5)),
		field(10, protowire.VarintType, uint64(1)), field(12, protowire.VarintType, uint64(1)),
		field(14, protowire.VarintType, uint64(1)), field(16, protowire.Fixed32Type, uint64(1))), true},
	{"attribute values", wireSpan(
		attr("s", field(1, protowire.BytesType, "x")), attr("b", field(2, protowire.VarintType, uint64(2))),
		attr("i", field(3, protowire.VarintType, uint64(math.MaxUint64))),
		attr("d", field(4, protowire.Fixed64Type, math.Float64bits(0.25))),
		attr("y", field(7, protowire.BytesType, []byte{0, 1})), attr("none"),
		attr("a", field(5, protowire.BytesType, append(field(1, protowire.BytesType, field(7, protowire.BytesType, []byte{9})),
			field(1, protowire.BytesType, []byte{})...)))), true},
	{"negative kind", wireSpan(field(6, protowire.VarintType, uint64(math.MaxUint64))), true},
	{"kind over 32 bits", wireSpan(field(6, protowire.VarintType, uint64(1<<32|2))), true},
	{"unknown fields skipped", append(wireSpan(field(99, protowire.VarintType, uint64(1)), field(98, protowire.BytesType, "\xff")),
		field(77, protowire.Fixed32Type, uint64(1))...), true},
	{"error status", wireSpan(field(15, protowire.BytesType, append(field(3, protowire.VarintType, uint64(2)), field(2, protowire.BytesType, "boom")...))), true},
	{"link", wireSpan(field(13, protowire.BytesType, field(2, protowire.BytesType, make([]byte, 8)))), true},
	{"duplicate name", wireSpan(field(5, protowire.BytesType, "a"), field(5, protowire.BytesType, "b")), false},
	{"duplicate status", wireSpan(field(15, protowire.BytesType, []byte{}), field(15, protowire.BytesType, []byte{})), false},
	{"name as a varint", wireSpan(field(5, protowire.VarintType, uint64(1))), false},
	{"invalid UTF-8", wireSpan(field(5, protowire.BytesType, "\xff")), false},
	{"invalid UTF-8 in a skipped scope", append(wireSpan(), field(2, protowire.BytesType, field(1, protowire.BytesType, field(1, protowire.BytesType, "\xc3")))...), false},
	{"id of 12 bytes", wireSpan(field(4, protowire.BytesType, make([]byte, 12))), false},
	{"two oneof values", wireSpan(attr("x", field(1, protowire.BytesType, "a"), field(3, protowire.VarintType, uint64(1)))), false},
	{"strindex value", wireSpan(attr("x", field(8, protowire.VarintType, uint64(1)))), false},
	{"entity refs", field(1, protowire.BytesType, field(3, protowire.BytesType, []byte{})), false},
	{"group", append(wireSpan(), protowire.AppendTag(nil, 50, protowire.StartGroupType)...), false},
	{"field number too large", append(wireSpan(), protowire.AppendTag(nil, protowire.MaxValidNumber+1, protowire.VarintType)...), false},
	{"truncated", wireSpan()[:10], false},
}

func TestOTLPWireDecodesCommonShapes(t *testing.T) {
	for i, e := range otlpProtoElems(t) {
		if _, ok := wireResourceSpansTo(nil, e, new(strCache)); !ok {
			t.Errorf("element %d: the walk declines a common shape", i)
		}
		checkOTLPWire(t, e)
	}
	for _, tc := range wireVariants {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := wireResourceSpansTo(nil, tc.data, new(strCache)); ok != tc.fast {
				t.Errorf("the walk takes it: %v, want %v", ok, tc.fast)
			}
			checkOTLPWire(t, tc.data)
		})
	}
}

// checkOTLPWire fails when the walk takes data and gives other spans than
// proto.Unmarshal and otlpSpan, or takes what they reject.
func checkOTLPWire(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := wireResourceSpansTo(nil, data, new(strCache))
	if !ok {
		return
	}
	var rs tracepb.ResourceSpans
	if err := proto.Unmarshal(data, &rs); err != nil {
		t.Fatalf("the walk takes what proto rejects (%v): %q", err, data)
	}
	slow, err := resourceSpans(&rs, false, func() string { return "diff" })
	if err != nil {
		t.Fatalf("the walk takes what otlpSpan rejects (%v): %q", err, data)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("the walk and proto differ on %q:\nwalk  %s\nproto %s", data, dumpSpans(fast), dumpSpans(slow))
	}
}

func FuzzOTLPWireDiff(f *testing.F) {
	for _, e := range otlpProtoElems(f) {
		f.Add(e)
	}
	for _, v := range wireVariants {
		f.Add(v.data)
	}
	f.Fuzz(checkOTLPWire)
}

// TestConvertProto checks a whole request: the walk's spans, rejections
// and reasons are Convert's on what proto decodes, and a request the walk
// declines (an id of the wrong length) still converts, through proto.
func TestConvertProto(t *testing.T) {
	p := NewPairer(Options{}, nil)
	good := otlpProtoElems(t)
	req := func(rss ...[]byte) []byte {
		var b []byte
		for _, rs := range rss {
			b = append(b, field(1, protowire.BytesType, rs)...)
		}
		return b
	}
	noID := field(2, protowire.BytesType, field(2, protowire.BytesType, field(5, protowire.BytesType, "nameless")))
	badID := wireSpan(field(4, protowire.BytesType, make([]byte, 3)))
	for _, tc := range []struct {
		name     string
		body     []byte
		rejected int64
	}{
		{"all", req(good...), 0},
		{"a span without ids", req(good[0], noID, good[1]), 1},
		{"an id of the wrong length", req(good[0], badID, noID), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.ConvertProto(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			var td tracepb.TracesData
			if err := proto.Unmarshal(tc.body, &td); err != nil {
				t.Fatal(err)
			}
			want := p.Convert(td.GetResourceSpans())
			if got.Rejected != tc.rejected || got.Len() == 0 {
				t.Errorf("%d spans, %d rejected (%s); want some spans, %d rejected", got.Len(), got.Rejected, got.Reason, tc.rejected)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ConvertProto and Convert differ:\n%s %d %q\n%s %d %q", dumpSpans(got.spans), got.Rejected, got.Reason,
					dumpSpans(want.spans), want.Rejected, want.Reason)
			}
			if n := CountProto(tc.body); n != got.Len()+int(got.Rejected) {
				t.Errorf("CountProto = %d, want %d", n, got.Len()+int(got.Rejected))
			}
		})
	}
	if _, err := p.ConvertProto([]byte{0x0a, 0x05, 1}); err == nil {
		t.Error("a truncated request converts")
	}
	if n := CountProto([]byte{0x0a, 0x05, 1}); n != 0 {
		t.Errorf("CountProto of a truncated request = %d", n)
	}
}
