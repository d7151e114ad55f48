// Package mqtt is the wire codec of Roost's device gateway: the packets,
// properties and reason codes of MQTT 3.1.1 (OASIS 2014, protocol level 4)
// and MQTT 5.0 (OASIS 2019, protocol level 5), decoded strictly and encoded
// into caller-owned buffers.
//
// # Reading
//
// ReadFrame reads one packet's fixed header and body from a *bufio.Reader
// and enforces a maximum packet size from the Remaining Length, before it
// reads or allocates the body (ParseFrame does the same over a byte slice).
// The body is then decoded into a packet value the caller owns and reuses:
//
//	h, body, err := mqtt.ReadFrame(br, maxSize)
//	...
//	switch h.Type {
//	case mqtt.TypePublish:
//		err = pub.Decode(h, body, version)
//	case mqtt.TypePuback:
//		err = ack.Decode(h, body, version)
//	...
//	}
//
// Decode and Publish.AppendTo allocate nothing for a PUBLISH without
// properties: the topic string is kept when it equals the one the reused
// value already holds (a device publishing again to the same topic).
// Decode (the function) and ReadPacket allocate the packet instead, for
// code off the hot path.
//
// Buffer lifetimes: a body from ReadFrame aliases the bufio.Reader's buffer
// when the packet fits in it, and is valid only until the next read from
// that reader; a larger packet gets a new slice. Decoding copies every
// string and []byte field except Publish.Payload and
// Publish.CorrelationData, which alias the body: Publish.Clone before the
// next read keeps them.
//
// CONNECT decides the protocol version: Connect.Decode reads it from the
// packet, and every other Decode, AppendTo and Size takes it as an
// argument (0 before CONNECT, which every packet but CONNECT refuses
// [MQTT-3.1.0-1]).
//
// # Errors
//
// Every violation found while decoding is an *Error whose Code is the
// reason code that answers it and whose Rule names the conformance
// statement of the specification ("MQTT-3.1.2-3") or its section
// ("§3.8.3.1") where the statement has no number. See Error for what the
// broker does with each code. I/O errors pass through: io.EOF between
// packets, io.ErrUnexpectedEOF inside one.
//
// # Writing
//
// Every packet has AppendTo(dst, version), which appends the encoded packet
// to dst without other allocation, and Size(version), its exact length, so
// a connection can batch packets into one write buffer and drop a packet
// larger than the peer's Maximum Packet Size before encoding it
// [MQTT-3.1.2-24] (AppendPacket does both). Publish.AppendHeader writes all
// but the payload, for writev-style sends of one shared payload. AppendTo
// refuses (with an *Error, dst unchanged) a packet the peer would have to
// refuse. Encoding for 3.1.1 leaves out what only 5.0 carries (properties,
// reason codes, subscription options) and maps reason codes to 3.1.1
// return codes, so one packet value serves subscribers of both versions.
// Properties are written in ascending identifier order, User Properties in
// their order, and every packet in its shortest form.
//
// Package mqtttest holds the wire fixtures (captured from mosquitto, MQTT.js
// and the AWS IoT Device SDK, and from the specifications' examples) and the
// malformed packets that the codec's, the broker's and end-to-end tests
// share.
//
// # What this package does not do
//
// It keeps no session state: packet identifiers in flight, topic alias
// mappings and their maximum, receive maximum quotas, keep alive, and which
// packet may come when (a second CONNECT [MQTT-3.1.0-2], a CONNACK from a
// client, a Subscription Identifier on a client's PUBLISH [MQTT-3.3.4-6],
// No Local on a shared subscription [MQTT-3.8.3-4]) belong to the broker.
// Topic names and filters are checked here only as UTF-8 strings: wildcard
// rules [MQTT-3.3.2-2] [MQTT-4.7.1-1] and shared subscription syntax belong
// to package topic, authorization to the broker. It imports only the
// standard library.
package mqtt
