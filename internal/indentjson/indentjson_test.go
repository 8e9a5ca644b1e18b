package indentjson

import "testing"

func TestMarshal(t *testing.T) {
	got, err := Marshal(map[string]any{"b": []int{1}, "a": "<x & y>"})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": \"<x & y>\",\n  \"b\": [\n    1\n  ]\n}\n"
	if string(got) != want {
		t.Errorf("Marshal = %q, want %q", got, want)
	}
	if _, err := Marshal(func() {}); err == nil {
		t.Error("a func encoded without error")
	}
}
