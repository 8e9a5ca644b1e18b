package serve

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func serveLimited(t *testing.T, l Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := l.Server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	go hs.Serve(l.Listen(ln))
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// A body trickled slower than the read timeout is cut off, and an idle
// keep-alive connection is closed after the idle timeout.
func TestLimitsTimeouts(t *testing.T) {
	addr := serveLimited(t, Limits{ReadHeader: time.Second, Read: 300 * time.Millisecond, Write: time.Second, Idle: 300 * time.Millisecond})

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab")
	if !closedWithin(slow, 3*time.Second) {
		t.Error("a trickled body kept its connection open past the read timeout")
	}

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !closedWithin(idle, 3*time.Second) {
		t.Error("an idle keep-alive connection stayed open past the idle timeout")
	}
}

// Past MaxConns a new connection waits until one closes.
func TestLimitsMaxConns(t *testing.T) {
	addr := serveLimited(t, Limits{ReadHeader: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Idle: 5 * time.Second, MaxConns: 1})
	hold, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(hold, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(hold), nil); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a second connection was served while the first held the only slot: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	hold.Close()
	if err := <-got; err != nil {
		t.Errorf("the waiting connection after the slot freed: %v", err)
	}
}
