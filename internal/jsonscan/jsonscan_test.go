package jsonscan

import "testing"

// eachPair calls test with every pair of bytes at every place of a plain
// text of 48 bytes (past the four words Plain takes a turn), in the text
// whole, cut after the pair and cut before it.
func eachPair(test func(in []byte)) {
	const text = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
	for a := range 256 {
		for b := range 256 {
			for p := range len(text) - 1 {
				buf := []byte(text)
				buf[p], buf[p+1] = byte(a), byte(b)
				for _, in := range [][]byte{buf, buf[:p+2], buf[p:]} {
					test(in)
				}
			}
		}
	}
}

// TestPlainRun checks PlainRun's word-at-a-time test against the byte rule,
// for every pair of bytes at every place in the first six words.
func TestPlainRun(t *testing.T) {
	naive := func(b []byte) int {
		for i, c := range b {
			if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
				return i
			}
		}
		return len(b)
	}
	eachPair(func(in []byte) {
		if got, want := PlainRun(in), naive(in); got != want {
			t.Fatalf("PlainRun(%q) = %d, want %d", in, got, want)
		}
	})
}

// TestPlain checks Plain's word-at-a-time test against the byte rule, for
// every pair of bytes at every place in the first six words, and that a
// Plain scanner reads the strings of plain input as PlainString does.
func TestPlain(t *testing.T) {
	naive := func(b []byte) bool {
		for _, c := range b {
			if c < 0x20 || c >= 0x80 || c == '\\' {
				return false
			}
		}
		return true
	}
	eachPair(func(in []byte) {
		if got, want := Plain(in), naive(in); got != want {
			t.Fatalf("Plain(%q) = %v, want %v", in, got, want)
		}
	})
	for _, in := range []string{`"abc","d"`, `""`, `"abc`, `"a b c" , "x"`} {
		s, p := Scanner{B: []byte(in)}, Scanner{B: []byte(in), Plain: true}
		for {
			v1, ok1 := s.PlainString()
			v2, ok2 := p.PlainString()
			if string(v1) != string(v2) || ok1 != ok2 || ok1 && s.I != p.I {
				t.Fatalf("%q: PlainString %q %v at %d, Plain one %q %v at %d", in, v1, ok1, s.I, v2, ok2, p.I)
			}
			if !ok1 || !s.Tok(',') || !p.Tok(',') {
				break
			}
			s.WS()
			p.WS()
		}
	}
}
