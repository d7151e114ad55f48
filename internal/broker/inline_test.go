package broker

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// tcpPair is a loopback TCP connection; control, if set, configures both
// sockets before they connect.
func tcpPair(t *testing.T, control func(network, address string, rc syscall.RawConn) error) (server, client net.Conn) {
	t.Helper()
	ln, err := (&net.ListenConfig{Control: control}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = (&net.Dialer{Control: control}).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server, client
}

// socketPair is a tcpPair with small kernel buffers (no autotuning), so
// that a few hundred KB fill them, the server side under a recordConn.
func socketPair(t *testing.T) (server *recordConn, client net.Conn) {
	t.Helper()
	small := func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 8<<10)
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<10)
		})
	}
	nc, client := tcpPair(t, small)
	return newRecordConn(nc), client
}

// An inline write returns at once whatever the peer reads, leaves what the
// socket did not take to flush, and a later write waits behind it: the
// peer gets every byte in order.
func TestRecordConnInlineWriteNeverWaits(t *testing.T) {
	rc, peer := socketPair(t)
	first := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MB: far more than the buffers hold
	second := []byte("after the tail")

	wrote := make(chan error, 1)
	go func() {
		rc.ws.inline.Store(true)
		n, err := rc.Write(first)
		rc.ws.inline.Store(false)
		if err == nil && n != len(first) {
			err = io.ErrShortWrite
		}
		wrote <- err
	}()
	select { // the peer has read nothing yet: a waiting write would never return
	case err := <-wrote:
		if err != nil {
			t.Fatalf("inline write: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an inline write waited for a peer that does not read")
	}
	if !rc.flushPending() {
		t.Fatal("1 MB fitted in 8 KB buffers: nothing was left to flush, the test proves nothing")
	}
	behind := make(chan error, 1)
	go func() {
		_, err := rc.Write(second) // not inline: waits behind the tail
		behind <- err
	}()

	got := make([]byte, len(first)+len(second))
	peer.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatalf("peer read: %v", err)
	}
	if !bytes.Equal(got[:len(first)], first) || !bytes.Equal(got[len(first):], second) {
		t.Fatal("the peer did not get the bytes in the order written")
	}
	if err := <-behind; err != nil {
		t.Fatalf("the write behind the tail: %v", err)
	}
	if rc.flushPending() {
		t.Fatal("flush still pending after everything was read")
	}
}

// When the peer goes away with a tail left, flush fails, closes the
// socket, and every later write reports the error.
func TestRecordConnFlushErrorSticks(t *testing.T) {
	rc, peer := socketPair(t)
	rc.ws.inline.Store(true)
	if _, err := rc.Write(make([]byte, 1<<20)); err != nil {
		t.Fatalf("inline write: %v", err)
	}
	rc.ws.inline.Store(false)
	if !rc.flushPending() {
		t.Fatal("nothing was left to flush")
	}
	peer.(*net.TCPConn).SetLinger(0) // reset: the flush fails at once
	peer.Close()
	rc.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := rc.Write([]byte("x")); err == nil {
		t.Fatal("a write after a failed flush succeeded")
	}
	if _, err := rc.Write([]byte("y")); err == nil {
		t.Fatal("the flush error did not stick")
	}
}
