package jsonscan

import "testing"

// TestPlainRun checks PlainRun's word-at-a-time test against the byte rule,
// for every pair of bytes at every place in the first two words.
func TestPlainRun(t *testing.T) {
	naive := func(b []byte) int {
		for i, c := range b {
			if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
				return i
			}
		}
		return len(b)
	}
	for a := range 256 {
		for b := range 256 {
			for p := range 16 {
				buf := []byte("abcdefghijklmnopqrstuvwx")
				buf[p], buf[p+1] = byte(a), byte(b)
				for _, in := range [][]byte{buf, buf[:p+2], buf[p:]} {
					if got, want := PlainRun(in), naive(in); got != want {
						t.Fatalf("PlainRun(%q) = %d, want %d", in, got, want)
					}
				}
			}
		}
	}
}
