package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/roost-iot/roost/internal/registry"
)

// Error is an API failure in AWS's terms: the exception name (sent in
// x-amzn-ErrorType and the body) and the HTTP status.
type Error struct {
	Code        string
	Status      int
	Message     string
	ResourceID  string
	ResourceARN string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func invalid(format string, a ...any) *Error {
	return &Error{Code: "InvalidRequestException", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, a...)}
}

func resourceNotFound(format string, a ...any) *Error {
	return &Error{Code: "ResourceNotFoundException", Status: http.StatusNotFound, Message: fmt.Sprintf(format, a...)}
}

// registryErrors maps registry codes to the iot model's exceptions and
// their HTTP statuses (botocore iot 2015-05-28).
var registryErrors = map[registry.Code]struct {
	name   string
	status int
}{
	registry.NotFound:              {"ResourceNotFoundException", 404},
	registry.AlreadyExists:         {"ResourceAlreadyExistsException", 409},
	registry.InvalidRequest:        {"InvalidRequestException", 400},
	registry.VersionConflict:       {"VersionConflictException", 409},
	registry.DeleteConflict:        {"DeleteConflictException", 409},
	registry.CertificateState:      {"CertificateStateException", 406},
	registry.MalformedPolicy:       {"MalformedPolicyException", 400},
	registry.LimitExceeded:         {"LimitExceededException", 410},
	registry.VersionsLimitExceeded: {"VersionsLimitExceededException", 409},
	registry.CertificateValidation: {"CertificateValidationException", 400},
	registry.CertificateConflict:   {"CertificateConflictException", 409},
	registry.ResourceConflict:      {"ResourceRegistrationFailureException", 400},
}

// toAPIError is the one place where a failure becomes what a client sees.
// Anything unexpected is an InternalFailureException whose id is logged
// with the cause; the cause itself never reaches the client.
func (s *Server) toAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var re *registry.Error
	if errors.As(err, &re) {
		m, ok := registryErrors[re.Code]
		if ok {
			return &Error{Code: m.name, Status: m.status, Message: re.Message, ResourceID: re.ResourceID, ResourceARN: re.ResourceARN}
		}
	}
	id := uuid.NewString()
	s.log.Error("api: internal failure", "id", id, "err", err)
	return &Error{Code: "InternalFailureException", Status: http.StatusInternalServerError,
		Message: "An internal failure occurred; reference id " + id}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.toAPIError(err)
	if e.Status < 500 {
		s.log.Debug("api: request refused", "method", r.Method, "path", r.URL.Path, "code", e.Code, "msg", e.Message)
	}
	w.Header().Set("x-amzn-ErrorType", e.Code)
	body := map[string]string{"message": e.Message, "__type": e.Code}
	if e.ResourceID != "" {
		body["resourceId"] = e.ResourceID
	}
	if e.ResourceARN != "" {
		body["resourceArn"] = e.ResourceARN
	}
	writeJSON(w, e.Status, body)
}

func notFoundRoute(c *call) (any, error) {
	return nil, &Error{Code: "UnknownOperationException", Status: http.StatusNotFound,
		Message: fmt.Sprintf("No operation matches %s %s", c.r.Method, c.r.URL.Path)}
}
