package shadow

import (
	"fmt"
	"strconv"
)

// AWS's messages (device-shadow-error-messages), word for word.
const (
	msgInvalidJSON    = "Invalid JSON"
	msgMissingState   = "Missing required node: state"
	msgStateObject    = "State node must be an object"
	msgDesiredObject  = "Desired node must be an object"
	msgReportedObject = "Reported node must be an object"
	msgVersion        = "Invalid version"
	msgClientToken    = "Invalid clientToken"
	msgTooDeep        = "JSON contains too many levels of nesting; maximum is 6"
	msgThingNotFound  = "Thing not found"
	msgConflict       = "Version conflict"
	msgTooLarge       = "The payload exceeds the maximum size allowed"
	msgEncoding       = "Unsupported documented encoding; supported encoding is UTF-8"
	msgInternal       = "Internal service failure"
)

// Error is a rejected shadow request: the HTTP status AWS uses as its code
// (400, 404, 409, 413, 415, 500), the message a client sees, and the
// clientToken of the request when it had a valid one. The transports
// publish Document on the /rejected topic (MQTT) or map Code to an AWS
// exception (REST). Err is the internal cause of a 500; it is for logs and
// never reaches a client.
type Error struct {
	Code        int
	Message     string
	ClientToken string
	Timestamp   int64 // epoch seconds of the rejection
	Err         error
}

func newError(code int, msg string) *Error { return &Error{Code: code, Message: msg} }

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("shadow: %d %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("shadow: %d %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Document is AWS's error response document:
// {"code":N,"message":"...","timestamp":T,"clientToken":"..."}, the
// clientToken only when the request carried one.
func (e *Error) Document() []byte {
	b := make([]byte, 0, 64+len(e.Message)+len(e.ClientToken))
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, e.Timestamp, 10)
	b = appendToken(b, e.ClientToken)
	return append(b, '}')
}

func appendToken(b []byte, token string) []byte {
	if token == "" {
		return b
	}
	b = append(b, `,"clientToken":`...)
	return appendString(b, token)
}

// noShadow is the 404 of a shadow that does not exist. AWS names the
// classic shadow by its thing: No shadow exists with name: 'lamp'.
func noShadow(thing, name string) *Error {
	if name == "" {
		name = thing
	}
	return newError(404, "No shadow exists with name: '"+name+"'")
}

func internal(err error) *Error {
	return &Error{Code: 500, Message: msgInternal, Err: err}
}
