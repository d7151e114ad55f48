package device

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// The AWS IoT fleet provisioning MQTT API, client side: requests are
// published to a topic ending in the payload format, answers come back on
// that topic plus /accepted or /rejected, to the requesting connection only.

// Format is the payload encoding of the provisioning API and the last
// level of its topics.
type Format string

// The two formats AWS IoT accepts: the same keys, as a JSON object or a
// CBOR map.
const (
	JSON Format = "json"
	CBOR Format = "cbor"
)

// ParseFormat reads a --format flag.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case JSON, CBOR:
		return f, nil
	case "":
		return JSON, nil
	}
	return "", fmt.Errorf("format %q: want json or cbor", s)
}

// CBOR maps inside deviceConfiguration decode with string keys, as JSON
// objects do, so that both formats give the caller the same values.
var cborDec, _ = cbor.DecOptions{DefaultMapType: reflect.TypeOf(map[string]any(nil))}.DecMode()

func (f Format) marshal(v any) ([]byte, error) {
	if f == CBOR {
		return cbor.Marshal(v)
	}
	return json.Marshal(v)
}

func (f Format) unmarshal(b []byte, v any) error {
	if f == CBOR {
		return cborDec.Unmarshal(b, v)
	}
	return json.Unmarshal(b, v)
}

// Topics of the three requests, before the format.
const (
	topicCreate        = "$aws/certificates/create"
	topicCreateFromCSR = "$aws/certificates/create-from-csr"
)

func topicRegister(template string) string {
	return "$aws/provisioning-templates/" + template + "/provision"
}

// Rejection is a /rejected answer: AWS's status code, error code and
// message, as the cloud sent them.
type Rejection struct {
	StatusCode   int    `json:"statusCode" cbor:"statusCode"`
	ErrorCode    string `json:"errorCode" cbor:"errorCode"`
	ErrorMessage string `json:"errorMessage" cbor:"errorMessage"`
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("rejected: %s (%d): %s", r.ErrorCode, r.StatusCode, r.ErrorMessage)
}

// Request and answer payloads. Field names are AWS's.
type (
	createFromCSRRequest struct {
		CSR string `json:"certificateSigningRequest" cbor:"certificateSigningRequest"`
	}
	createAnswer struct {
		CertificateID             string `json:"certificateId" cbor:"certificateId"`
		CertificatePem            string `json:"certificatePem" cbor:"certificatePem"`
		PrivateKey                string `json:"privateKey" cbor:"privateKey"` // absent for a CSR
		CertificateOwnershipToken string `json:"certificateOwnershipToken" cbor:"certificateOwnershipToken"`
	}
	registerRequest struct {
		CertificateOwnershipToken string            `json:"certificateOwnershipToken" cbor:"certificateOwnershipToken"`
		Parameters                map[string]string `json:"parameters,omitempty" cbor:"parameters,omitempty"`
	}
	registerAnswer struct {
		DeviceConfiguration map[string]any `json:"deviceConfiguration" cbor:"deviceConfiguration"`
		ThingName           string         `json:"thingName" cbor:"thingName"`
	}
)

// answer is one message on an /accepted or /rejected topic.
type answer struct {
	topic   string
	payload []byte
}

// apiSession is a claim connection subscribed to the answers of the
// requests it will make.
type apiSession struct {
	conn    *Conn
	format  Format
	answers chan answer
}

// openAPI subscribes to the accepted and rejected topics of the given
// requests in one SUBSCRIBE, before any request is made, so that no
// answer can arrive unheard.
func openAPI(ctx context.Context, conn *Conn, f Format, requests ...string) (*apiSession, error) {
	s := &apiSession{conn: conn, format: f, answers: make(chan answer, 4)}
	var filters []string
	for _, r := range requests {
		t := r + "/" + string(f)
		filters = append(filters, t+"/accepted", t+"/rejected")
	}
	handle := func(topic string, payload []byte) {
		select {
		case s.answers <- answer{topic, payload}:
		default: // nobody asked for it: requests are one at a time
		}
	}
	if err := conn.Subscribe(ctx, handle, filters...); err != nil {
		return nil, err
	}
	return s, nil
}

// call publishes one request and decodes its answer into out, or returns
// the *Rejection.
func (s *apiSession) call(ctx context.Context, request string, in, out any) error {
	topic := request + "/" + string(s.format)
	payload, err := s.format.marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	if err := s.conn.Publish(ctx, topic, payload); err != nil {
		return err
	}
	for {
		select {
		case a := <-s.answers:
			switch a.topic {
			case topic + "/accepted":
				if err := s.format.unmarshal(a.payload, out); err != nil {
					return fmt.Errorf("decode %s: %w", a.topic, err)
				}
				return nil
			case topic + "/rejected":
				rej := &Rejection{}
				if err := s.format.unmarshal(a.payload, rej); err != nil {
					return fmt.Errorf("decode %s: %w", a.topic, err)
				}
				return rej
			}
			// A late answer to an earlier request: not ours.
		case <-s.conn.Lost():
			return fmt.Errorf("%w: %w", ErrConnectionLost, s.conn.Err())
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s/accepted or /rejected: %w", topic, ctxErr(ctx))
		}
	}
}

// ErrTimeout is a request that got no answer in time.
var ErrTimeout = errors.New("timed out")

// ErrConnectionLost is a connection that dropped while a request waited:
// a 3.1.1 broker closes the connection of a client that publishes where
// its policy does not allow.
var ErrConnectionLost = errors.New("connection lost")
