package mqtt_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/roost-iot/roost/internal/mqtt"
)

// headerOnly yields the given bytes and then fails: ReadFrame must decide
// on the size from the header alone.
type headerOnly struct{ b []byte }

func (r *headerOnly) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("the body was read")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// TestReadFrameSizeFirst: the maximum packet size is enforced from the
// Remaining Length, before the body is read or allocated.
func TestReadFrameSizeFirst(t *testing.T) {
	// A PUBLISH announcing 268,435,455 bytes.
	br := bufio.NewReader(&headerOnly{b: hx("30 ff ff ff 7f")})
	_, _, err := mqtt.ReadFrame(br, 128<<10)
	var e *mqtt.Error
	if !errors.As(err, &e) || e.Code != mqtt.PacketTooLarge {
		t.Fatalf("err = %v, want PacketTooLarge", err)
	}
	// Without a limit the spec's maximum applies, and the body is read.
	br = bufio.NewReader(&headerOnly{b: hx("30 ff ff ff 7f")})
	if _, _, err = mqtt.ReadFrame(br, 0); err == nil || err.Error() != "the body was read" {
		t.Fatalf("err = %v", err)
	}
}

func TestReadFrameEOF(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"ok/empty-stream-is-eof", "", io.EOF},
		{"fail/inside-remaining-length", "30 80", io.ErrUnexpectedEOF},
		{"fail/before-body", "30 05", io.ErrUnexpectedEOF},
		{"fail/inside-body", "30 05 00 03 61", io.ErrUnexpectedEOF},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := mqtt.ReadFrame(bufio.NewReader(bytes.NewReader(hx(c.raw))), 0)
			if err != c.want {
				t.Fatalf("ReadFrame: %v, want %v", err, c.want)
			}
			if c.raw == "" {
				return
			}
			if _, _, _, err := mqtt.ParseFrame(hx(c.raw), 0); err != io.ErrUnexpectedEOF {
				t.Fatalf("ParseFrame: %v", err)
			}
		})
	}
}

// TestReadFrameLarge reads packets larger than the bufio buffer, and
// larger than the 64 KiB chunk, from a reader that gives one byte at a time.
func TestReadFrameLarge(t *testing.T) {
	for _, n := range []int{5000, 70000, 300000} {
		p := &mqtt.Publish{Topic: "big", Payload: bytes.Repeat([]byte{0xa5}, n)}
		raw, err := p.AppendTo(nil, mqtt.V311)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, 0xc0, 0x00) // a PINGREQ after it
		br := bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(raw)), 4096)
		got, err := mqtt.ReadPacket(br, mqtt.V311, len(raw))
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		if q := got.(*mqtt.Publish); q.Topic != "big" || !bytes.Equal(q.Payload, p.Payload) {
			t.Fatalf("%d: payload differs", n)
		}
		if next, err := mqtt.ReadPacket(br, mqtt.V311, 0); err != nil || next.Type() != mqtt.TypePingreq {
			t.Fatalf("%d: next packet %v, %v", n, next, err)
		}
	}
}

// TestParseFrameStream splits packets off a buffer holding several.
func TestParseFrameStream(t *testing.T) {
	buf := hx("c0 00 30 05 00 03 61 2f 62 d0 00 30")
	var types []mqtt.PacketType
	for {
		h, _, n, err := mqtt.ParseFrame(buf, 0)
		if err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, h.Type)
		buf = buf[n:]
	}
	want := []mqtt.PacketType{mqtt.TypePingreq, mqtt.TypePublish, mqtt.TypePingresp}
	if len(types) != 3 || types[0] != want[0] || types[1] != want[1] || types[2] != want[2] || len(buf) != 1 {
		t.Fatalf("types %v, %d bytes left", types, len(buf))
	}
}
