// Package topic owns MQTT topic syntax and matching: it validates topic
// names and filters (the MQTT 3.1.1/5 rules plus AWS IoT Core's limits),
// splits shared-subscription filters, matches names against filters, keeps
// an Index of filters for finding the subscribers (or rules) of a published
// topic, and maps topics to NATS subjects for cluster mode.
//
// Validation is configured by Limits (AWSLimits by default: 256 bytes and
// 8 levels, not counting a "$aws/rules/<ruleName>/" or "$share/<group>/"
// prefix). Errors are *Error values that match, with errors.Is, both a
// class (ErrInvalidName -> reason code TopicNameInvalid, ErrInvalidFilter
// -> TopicFilterInvalid) and a cause (ErrTooLong, ErrBadWildcard, ...).
//
// Matching follows AWS IoT Core by default (AWSMatching): "+" is one level,
// "#" is one or more levels, so "sensor/#" does not match "sensor".
// SpecMatching gives the MQTT behaviour where it does [MQTT-4.7.1-2]. In
// both, a filter starting with a wildcard never matches a name starting
// with "$" [MQTT-4.7.2-1].
//
// The package does not know sessions, QoS, retained messages or
// authorization: the broker stores what it needs in the Index's values and
// decides who may publish or subscribe where.
package topic
