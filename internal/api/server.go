// Package api serves Roost's AWS-compatible HTTP APIs: the control plane
// (botocore service "iot", rest-json, SigV4 signing name "iot") and the data
// plane ("iot-data", signing name "iotdata") on one port. Requests are routed
// by the service name in their SigV4 credential scope, then by method and
// path as the botocore models write them.
//
// It owns request decoding, response shapes, SigV4 enforcement and the one
// table that maps domain errors to AWS exception names (errors.go). It owns
// no state: the registry (and later shadow, broker, rules) do the work.
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/roost-iot/roost/internal/broker"
	"github.com/roost-iot/roost/internal/provisioning"
	"github.com/roost-iot/roost/internal/registry"
)

// MaxBodyBytes bounds a request body; the largest documented input (a
// policy document of 404,600 characters in the model) fits.
const MaxBodyBytes = 1 << 20

// Authenticator verifies a request's SigV4 signature and returns the
// signing service name from its credential scope. An *Error it returns
// reaches the client as is.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) (service string, err error)
}

// Options configure a Server.
type Options struct {
	Registry *registry.Service
	Auth     Authenticator
	// Gateway serves the iot-data message operations; nil answers 503.
	Gateway *broker.Broker
	// Claims issues CreateProvisioningClaim's certificates; nil answers 503.
	Claims ClaimIssuer
	// Endpoint is the device endpoint host DescribeEndpoint returns.
	Endpoint string
	Logger   *slog.Logger
}

// ClaimIssuer makes claim certificates for provisioning by trusted user.
type ClaimIssuer interface {
	CreateProvisioningClaim(ctx context.Context, template string) (provisioning.Claim, error)
}

// Server is the HTTP handler of the API port.
type Server struct {
	reg      *registry.Service
	gw       *broker.Broker
	claims   ClaimIssuer
	auth     Authenticator
	endpoint string
	log      *slog.Logger
	iot      *http.ServeMux // control plane, signing name "iot"
	data     *http.ServeMux // data plane, signing names "iotdata", "iotdevicegateway"
}

// New returns the API handler.
func New(o Options) *Server {
	s := &Server{reg: o.Registry, gw: o.Gateway, claims: o.Claims, auth: o.Auth, endpoint: o.Endpoint, log: o.Logger,
		iot: http.NewServeMux(), data: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.routeIoT()
	s.routeData()
	return s
}

// call is one API request in flight.
type call struct {
	r    *http.Request
	body []byte
	ctx  context.Context
}

// op is an operation handler: it returns the response body (nil for an
// empty one) or an error that errors.go maps to AWS's shape.
type op func(c *call) (any, error)

// route is one operation: a ServeMux pattern and its handler.
type route struct {
	pattern string
	h       op
}

func (s *Server) handleAll(mux *http.ServeMux, routes []route) {
	for _, r := range routes {
		s.handle(mux, r.pattern, r.h)
	}
}

type bodyKey struct{}

func (s *Server) handle(mux *http.ServeMux, pattern string, h op) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, body: r.Context().Value(bodyKey{}).([]byte), ctx: r.Context()}
		out, err := h(c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// ServeHTTP reads the bounded body, checks the signature and dispatches by
// signing service.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", uuid.NewString())
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, &Error{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("The request body exceeds %d bytes", MaxBodyBytes)})
			return
		}
		s.writeError(w, r, invalid("Could not read the request body"))
		return
	}
	service, err := s.auth.Authenticate(r, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	switch service {
	case "iot":
		s.iot.ServeHTTP(w, r)
	case "iotdata", "iotdevicegateway":
		s.data.ServeHTTP(w, r)
	default:
		s.writeError(w, r, &Error{Code: "InvalidSignatureException", Status: http.StatusForbidden,
			Message: fmt.Sprintf("Credential should be scoped to a valid service: 'iot' or 'iotdata', not '%s'.", service)})
	}
}
