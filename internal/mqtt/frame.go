package mqtt

import (
	"bufio"
	"io"
	"slices"
	"strconv"
)

// bigChunk bounds how much ReadFrame allocates ahead of the bytes that have
// actually arrived for a packet larger than the reader's buffer, so a peer
// that announces a large packet and sends it slowly cannot make the server
// hold the whole maximum per connection before sending it.
const bigChunk = 64 << 10

// ReadFrame reads one packet from br: its fixed header and its body.
//
// maxSize bounds the whole packet, fixed header included, as 5.0's Maximum
// Packet Size does (§3.1.2.11.4); it is checked as soon as the Remaining
// Length is read, before any of the body is read or allocated, and a larger
// packet is an *Error with Code PacketTooLarge. maxSize <= 0 means
// MaxPacketSize: a server should always give its own limit.
//
// The body aliases br's buffer when the packet fits in it (no copy, no
// allocation) and is then valid only until the next read from br. A larger
// packet is read into a new slice. io.EOF means br ended cleanly between
// packets, io.ErrUnexpectedEOF inside one.
func ReadFrame(br *bufio.Reader, maxSize int) (Header, []byte, error) {
	b0, err := br.ReadByte()
	if err != nil {
		return Header{}, nil, err
	}
	h := Header{Type: PacketType(b0 >> 4), Flags: b0 & 0x0f}
	rem, n, err := readVBI(br)
	if err != nil {
		return h, nil, err
	}
	if err := checkSize(h, rem, n, maxSize); err != nil {
		return h, nil, err
	}
	body, err := readBody(br, rem)
	return h, body, err
}

// ParseFrame splits the first packet off b, with the same checks as
// ReadFrame. It returns io.ErrUnexpectedEOF when b holds only the start of
// a packet, and n, the number of bytes the packet takes. body aliases b.
func ParseFrame(b []byte, maxSize int) (h Header, body []byte, n int, err error) {
	if len(b) == 0 {
		return h, nil, 0, io.ErrUnexpectedEOF
	}
	h = Header{Type: PacketType(b[0] >> 4), Flags: b[0] & 0x0f}
	rem, k, err := parseVBI(b[1:])
	if err != nil {
		return h, nil, 0, err
	}
	if err := checkSize(h, rem, k, maxSize); err != nil {
		return h, nil, 0, err
	}
	n = 1 + k + rem
	if len(b) < n {
		return h, nil, 0, io.ErrUnexpectedEOF
	}
	return h, b[1+k : n : n], n, nil
}

func checkSize(h Header, rem, vbiBytes, maxSize int) error {
	if maxSize <= 0 || maxSize > MaxPacketSize {
		maxSize = MaxPacketSize
	}
	if size := 1 + vbiBytes + rem; size > maxSize {
		return &Error{Code: PacketTooLarge, Packet: h.Type, Rule: "MQTT-3.2.2-15",
			Msg: "packet of " + strconv.Itoa(size) + " bytes exceeds the maximum of " +
				strconv.Itoa(maxSize)}
	}
	return nil
}

func readBody(br *bufio.Reader, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if n <= br.Size() {
		b, err := br.Peek(n)
		if err != nil {
			return nil, unexpected(err)
		}
		_, _ = br.Discard(n) // cannot fail: Peek returned n bytes
		return b[:n:n], nil
	}
	buf := make([]byte, 0, min(n, bigChunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), len(buf)))
		}
		end := min(n, cap(buf))
		if _, err := io.ReadFull(br, buf[len(buf):end]); err != nil {
			return nil, unexpected(err)
		}
		buf = buf[:end]
	}
	return buf, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// vbiTooLong reports a Variable Byte Integer of more than four bytes
// (§2.2.3 of 3.1.1, §1.5.5 of 5.0).
func vbiTooLong(t PacketType) *Error {
	return malformed(t, "§1.5.5", "variable byte integer longer than four bytes")
}

// readVBI reads the Remaining Length. Non-minimal encodings are accepted
// [MQTT-1.5.5-1] binds the sender, and some small clients reserve four
// bytes for it; they decode to the same value.
func readVBI(br *bufio.Reader) (v, n int, err error) {
	for shift := 0; shift < 28; shift += 7 {
		c, err := br.ReadByte()
		if err != nil {
			return 0, 0, unexpected(err)
		}
		n++
		v |= int(c&0x7f) << shift
		if c < 0x80 {
			return v, n, nil
		}
	}
	return 0, 0, vbiTooLong(0)
}

func parseVBI(b []byte) (v, n int, err error) {
	for shift := 0; shift < 28; shift += 7 {
		if n == len(b) {
			return 0, 0, io.ErrUnexpectedEOF
		}
		c := b[n]
		n++
		v |= int(c&0x7f) << shift
		if c < 0x80 {
			return v, n, nil
		}
	}
	return 0, 0, vbiTooLong(0)
}

func vbiLen(v int) int {
	switch {
	case v < 1<<7:
		return 1
	case v < 1<<14:
		return 2
	case v < 1<<21:
		return 3
	}
	return 4
}

func appendVBI(dst []byte, v int) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// packetSize is the size on the wire of a packet whose body is rem bytes.
func packetSize(rem int) int { return 1 + vbiLen(rem) + rem }
