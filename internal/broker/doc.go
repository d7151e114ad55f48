// Package broker is Roost's device gateway: the MQTT 3.1.1/5 broker with
// AWS IoT Core's semantics woven into each step. It owns listeners,
// sessions, subscriptions, retained messages, in-flight state, the
// identity taken from the client certificate, and the authorization points
// (Connect, Publish, RetainPublish, Subscribe, Receive), each a plain call
// on a per-connection Grant compiled from the registry's policies.
//
// It does not own the wire format (mqtt), topic syntax and matching
// (topic), policy evaluation (policy) or the registry; reserved topics are
// handed to the services that own them.
package broker
