package broker

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// chunkConn returns its data in reads of at most chunk bytes.
type chunkConn struct {
	net.Conn
	data  []byte
	chunk int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.chunk)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// recordConn returns the stream unchanged and never a byte past the record
// being read, whatever the record lengths, the arrival chunks and the sizes
// asked for (the network sends anything).
func FuzzRecordConn(f *testing.F) {
	f.Add([]byte{23, 3, 3, 0, 2, 'a', 'b', 23, 3, 3, 0, 0, 21, 3, 3, 0, 1, 'z'}, uint8(3), uint8(4))
	f.Add([]byte{22, 3, 1, 0xff, 0xff, 1, 2, 3}, uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, chunk, ask uint8) {
		var ends []int // where each record (header and body) ends
		for off := 0; off+recordHeaderLen <= len(stream); {
			off += recordHeaderLen + (int(stream[off+3])<<8 | int(stream[off+4]))
			ends = append(ends, off)
		}
		c := newRecordConn(&chunkConn{data: stream, chunk: int(chunk) + 1})
		var got []byte
		for {
			buf := make([]byte, int(ask)%64+1)
			n, err := c.Read(buf)
			for _, e := range ends {
				if len(got) < e && e < len(got)+n {
					t.Fatalf("a read of [%d,%d) crosses the end of a record at %d", len(got), len(got)+n, e)
				}
			}
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		if !bytes.Equal(got, stream) {
			t.Fatalf("read % x, sent % x", got, stream)
		}
	})
}

// A connection that stops reading with a record still buffered beneath TLS
// (a client's close_notify read along with its DISCONNECT) gives the buffer
// back when it ends.
func TestIdleWaiterDoneReleasesUnreadInput(t *testing.T) {
	disconnect := []byte{23, 3, 3, 0, 2, 0xe0, 0x00}
	closeNotify := []byte{21, 3, 3, 0, 2, 1, 0}
	rec := newRecordConn(&chunkConn{data: append(disconnect, closeNotify...), chunk: 64})
	got := make([]byte, 64)
	for n := 0; n < len(disconnect); {
		m, err := rec.Read(got[n:])
		if err != nil {
			t.Fatalf("reading the first record: %v", err)
		}
		n += m
	}
	if rec.buf == nil {
		t.Fatal("the second record should still be buffered")
	}
	w := &idleWaiter{rec: rec}
	w.done()
	if rec.buf != nil || rec.r != 0 || rec.w != 0 {
		t.Fatalf("done left the buffer: buf=%v r=%d w=%d", rec.buf != nil, rec.r, rec.w)
	}
	(*idleWaiter)(nil).done() // connections without an idle waiter
}

// A record that has arrived whole is handed over in one read, header and
// body: tls.Conn then reads each record once (each of its reads
// allocates).
func TestRecordConnHandsRecordWhole(t *testing.T) {
	first := []byte{23, 3, 3, 0, 3, 'a', 'b', 'c'}
	second := []byte{23, 3, 3, 0, 1, 'z'}
	rec := newRecordConn(&chunkConn{data: append(append([]byte{}, first...), second...), chunk: 64})
	for _, want := range [][]byte{first, second} {
		got := make([]byte, 512)
		n, err := rec.Read(got)
		if err != nil || !bytes.Equal(got[:n], want) {
			t.Fatalf("read % x, %v; want % x", got[:n], err, want)
		}
	}
}

// Reading and writing a socket through recordConn allocates nothing: the
// calls it hands to syscall.RawConn are made once per connection.
func TestRecordConnRawIODoesNotAllocate(t *testing.T) {
	nc, client := tcpPair(t, nil)
	rec := newRecordConn(nc)
	msg := []byte{23, 3, 3, 0, 3, 'a', 'b', 'c'}
	buf := make([]byte, 64)
	echo := func() {
		if _, err := client.Write(msg); err != nil {
			t.Fatal(err)
		}
		if n, err := rec.read(buf); err != nil || n != len(msg) {
			t.Fatalf("read %d, %v", n, err)
		}
		if n, err := rec.writeNow(msg); err != nil || n != len(msg) {
			t.Fatalf("writeNow %d, %v", n, err)
		}
		if _, err := io.ReadFull(client, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
	}
	echo()
	if allocs := testing.AllocsPerRun(100, echo); allocs > 0 {
		t.Errorf("%v allocations per read and write, want 0", allocs)
	}
}
