// Package loadgen is Roost's MQTT load generator, the engine of `roost
// bench`: it drives any MQTT 3.1.1 broker over mutual TLS with four
// scenarios and measures what the broker delivers.
//
//   - FanIn: N publishers send to one wildcard subscriber as fast as the
//     broker takes it (QoS 0, or QoS 1 with a window of unacknowledged
//     PUBLISHes per publisher); delivered and sent messages per second and
//     the loss (sent but never delivered).
//   - Latency: publishers at a fixed total rate stamp each payload with its
//     send time; the subscriber gives publish-to-deliver p50/p90/p99/max.
//   - Idle: K connections opened (from several 127.0.0.x source addresses,
//     in several processes if asked) and held; with the broker's pid, the
//     growth of its VmRSS per connection.
//   - Connect: C connectors doing full mTLS handshake + CONNECT/CONNACK +
//     DISCONNECT for T seconds; connects per second.
//
// Every result carries the generator's own CPU time (getrusage) over the
// measured window, so a reader can tell whether the generator or the broker
// was the bottleneck, and prints as a table and as one JSON line. Report
// turns the JSON lines of several brokers into one side-by-side table.
//
// The hot path is lean: each publisher encodes its PUBLISH once with the
// codec (package mqtt) and patches the packet identifier, sequence number
// and timestamp in place; PUBLISHes and PUBACKs are batched into one write;
// read buffers are reused and the subscriber parses PUBLISH frames without
// allocating.
//
// Payload layout (at least PayloadMin bytes): sequence number (uint64),
// send time in nanoseconds since the run's start (int64), publisher index
// (uint32), all big-endian, then zeros.
//
// This package does not start brokers or create certificates: bench/run.sh
// does, and the broker is only ever addressed over the network.
package loadgen
