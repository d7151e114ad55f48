package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/roost-iot/roost/internal/broker"
	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/shadow"
)

// The iot-data operations of the device gateway (botocore iot-data
// 2015-05-28): Publish, GetRetainedMessage, ListRetainedMessages,
// DeleteConnection, and the shadow operations.

func (s *Server) routeData() {
	s.handleAll(s.data, []route{
		{"POST /topics/{topic}", s.publish},
		{"GET /retainedMessage/{topic}", s.getRetainedMessage},
		{"GET /retainedMessage", s.listRetainedMessages},
		{"GET /things/{thingName}/shadow", s.getThingShadow},
		{"POST /things/{thingName}/shadow", s.updateThingShadow},
		{"DELETE /things/{thingName}/shadow", s.deleteThingShadow},
		{"GET /api/things/shadow/ListNamedShadowsForThing/{thingName}", s.listNamedShadows},
		{"DELETE /connections/{clientId}", s.deleteConnection},
		{"/", notFoundRoute},
	})
}

func (s *Server) gateway() (*broker.Broker, error) {
	if s.gw == nil {
		return nil, &Error{Code: "ServiceUnavailableException", Status: http.StatusServiceUnavailable, Message: "The device gateway is not running"}
	}
	return s.gw, nil
}

func (s *Server) publish(c *call) (any, error) {
	gw, err := s.gateway()
	if err != nil {
		return nil, err
	}
	m, err := c.publishInput()
	if err != nil {
		return nil, err
	}
	if err := gw.Publish(m); err != nil {
		if errors.Is(err, broker.ErrBadMessage) {
			return nil, invalid("%s", err.Error())
		}
		return nil, err
	}
	return nil, nil
}

// publishInput reads Publish's query, headers and raw body.
func (c *call) publishInput() (broker.Message, error) {
	m := broker.Message{Topic: c.path("topic"), Payload: c.body, ContentType: c.query("contentType"), ResponseTopic: c.query("responseTopic")}
	qos, err := c.queryInt("qos")
	if err != nil || qos < 0 || qos > 1 {
		return m, invalid("qos must be 0 or 1")
	}
	m.QoS = mqtt.QoS(qos)
	if m.Retain, err = c.queryBool("retain"); err != nil {
		return m, err
	}
	if v := c.query("messageExpiry"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return m, invalid("messageExpiry must be a number of seconds")
		}
		exp := uint32(n)
		m.MessageExpiry = &exp
	}
	switch c.r.Header.Get("x-amz-mqtt5-payload-format-indicator") {
	case "", "UNSPECIFIED_BYTES":
	case "UTF8_DATA":
		m.PayloadFormat = 1
	default:
		return m, invalid("x-amz-mqtt5-payload-format-indicator must be UNSPECIFIED_BYTES or UTF8_DATA")
	}
	if v := c.r.Header.Get("x-amz-mqtt5-correlation-data"); v != "" {
		if m.CorrelationData, err = base64.StdEncoding.DecodeString(v); err != nil {
			return m, invalid("x-amz-mqtt5-correlation-data must be base64")
		}
	}
	m.UserProperties, err = userProperties(c.r.Header.Get("x-amz-mqtt5-user-properties"))
	return m, err
}

// userProperties decodes the header: base64 of a JSON array of one-pair
// objects, e.g. [{"deviceName":"alpha"},{"deviceCnt":"45"}] (iot-data Publish).
func userProperties(h string) ([]mqtt.UserProperty, error) {
	if h == "" {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		raw = []byte(h) // tolerate clients that send the JSON itself
	}
	var pairs []map[string]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, invalid("x-amz-mqtt5-user-properties must be a JSON array of objects")
	}
	var out []mqtt.UserProperty
	for _, p := range pairs {
		for k, v := range p {
			out = append(out, mqtt.UserProperty{Key: k, Value: v})
		}
	}
	return out, nil
}

// deleteConnection is DeleteConnection: DELETE
// /connections/{clientId}?cleanSession&preventWillMessage. The client id
// is 1 to 128 characters and does not start with "$" (the model's
// pattern ^[^$].*); a client that is not connected is
// ResourceNotFoundException.
func (s *Server) deleteConnection(c *call) (any, error) {
	gw, err := s.gateway()
	if err != nil {
		return nil, err
	}
	id := c.path("clientId")
	if id == "" || len(id) > 128 || id[0] == '$' {
		return nil, invalid("clientId must be 1 to 128 characters and must not start with $")
	}
	clean, err := c.queryBool("cleanSession")
	if err != nil {
		return nil, err
	}
	noWill, err := c.queryBool("preventWillMessage")
	if err != nil {
		return nil, err
	}
	if err := gw.Disconnect(id, clean, noWill); err != nil {
		if errors.Is(err, broker.ErrNotConnected) {
			return nil, resourceNotFound("No connection found for client id %s", id)
		}
		return nil, err
	}
	return nil, nil
}

func (s *Server) getRetainedMessage(c *call) (any, error) {
	gw, err := s.gateway()
	if err != nil {
		return nil, err
	}
	m, ok := gw.RetainedMessage(c.path("topic"))
	if !ok {
		return nil, resourceNotFound("No retained message found for topic %s", c.path("topic"))
	}
	out := map[string]any{"topic": m.Topic, "payload": m.Payload, "qos": m.QoS, "lastModifiedTime": m.UpdatedAt.UnixMilli()}
	if len(m.UserProperties) > 0 {
		pairs := make([]map[string]string, len(m.UserProperties))
		for i, p := range m.UserProperties {
			pairs[i] = map[string]string{p.Key: p.Value}
		}
		raw, _ := json.Marshal(pairs)
		out["userProperties"] = raw // a blob: base64 in JSON
	}
	return out, nil
}

func (s *Server) listRetainedMessages(c *call) (any, error) {
	gw, err := s.gateway()
	if err != nil {
		return nil, err
	}
	max, err := c.queryInt("maxResults")
	if err != nil || max < 0 || max > 200 {
		return nil, invalid("maxResults must be between 1 and 200")
	}
	if max == 0 {
		max = 200
	}
	after := ""
	if tok := c.query("nextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return nil, invalid("The pagination token is invalid")
		}
		after = string(b)
	}
	infos, last := gw.RetainedTopics(after, max)
	topics := make([]map[string]any, len(infos))
	for i, in := range infos {
		topics[i] = map[string]any{"topic": in.Topic, "payloadSize": in.PayloadSize, "qos": in.QoS,
			"lastModifiedTime": in.UpdatedAt.UnixMilli()}
	}
	out := map[string]any{"retainedTopics": topics}
	if last != "" {
		out["nextToken"] = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	return out, nil
}

// Shadows through iot-data: the raw documents are the response bodies.

// rawJSON is a response body written as is.
type rawJSON []byte

func (s *Server) shadowCall(c *call, fn func(gw *broker.Broker) ([]byte, error)) (any, error) {
	gw, err := s.gateway()
	if err != nil {
		return nil, err
	}
	if gw.Shadows() == nil {
		return nil, &Error{Code: "ServiceUnavailableException", Status: http.StatusServiceUnavailable, Message: "Shadows are not served"}
	}
	doc, err := fn(gw)
	var se *shadow.Error
	if errors.As(err, &se) {
		return nil, &Error{Code: shadowExceptions[se.Code], Status: se.Code, Message: se.Message}
	}
	if err != nil {
		return nil, err
	}
	return rawJSON(doc), nil
}

// shadowExceptions are the iot-data model's exceptions by HTTP status.
var shadowExceptions = map[int]string{
	400: "InvalidRequestException", 401: "UnauthorizedException", 403: "ForbiddenException",
	404: "ResourceNotFoundException", 405: "MethodNotAllowedException", 409: "ConflictException",
	413: "RequestEntityTooLargeException", 415: "UnsupportedDocumentEncodingException",
	429: "ThrottlingException", 500: "InternalFailureException", 503: "ServiceUnavailableException",
}

func (s *Server) getThingShadow(c *call) (any, error) {
	return s.shadowCall(c, func(gw *broker.Broker) ([]byte, error) {
		return gw.Shadows().Get(c.ctx, c.path("thingName"), c.query("name"), "")
	})
}

func (s *Server) updateThingShadow(c *call) (any, error) {
	return s.shadowCall(c, func(gw *broker.Broker) ([]byte, error) {
		return gw.ShadowUpdate(c.ctx, c.path("thingName"), c.query("name"), c.body)
	})
}

func (s *Server) deleteThingShadow(c *call) (any, error) {
	return s.shadowCall(c, func(gw *broker.Broker) ([]byte, error) {
		return gw.ShadowDelete(c.ctx, c.path("thingName"), c.query("name"), "")
	})
}

func (s *Server) listNamedShadows(c *call) (any, error) {
	size, err := c.queryInt("pageSize")
	if err != nil {
		return nil, err
	}
	return s.shadowCall(c, func(gw *broker.Broker) ([]byte, error) {
		return gw.Shadows().ListNamedShadows(c.ctx, c.path("thingName"), size, c.query("nextToken"))
	})
}
