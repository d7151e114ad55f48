package registry

import "fmt"

// Code classifies a registry failure. The api package maps each code to the
// AWS exception name and HTTP status in one table.
type Code int

// The failure classes, named after what went wrong in registry terms.
const (
	NotFound              Code = iota + 1 // the named resource does not exist
	AlreadyExists                         // a different resource has the name
	InvalidRequest                        // the input breaks a rule (name, size, state)
	VersionConflict                       // expectedVersion does not match
	DeleteConflict                        // still attached or still has versions
	CertificateState                      // the certificate's status forbids it
	MalformedPolicy                       // the policy document is invalid
	LimitExceeded                         // a count limit would be passed
	VersionsLimitExceeded                 // a policy has its maximum of versions
	CertificateValidation                 // the certificate PEM or chain is invalid
	CertificateConflict                   // the certificate is registered differently
	ResourceConflict                      // a provisioning template's resource exists and its OverrideSettings say FAIL
)

// Error is a registry failure with the message a client sees.
type Error struct {
	Code    Code
	Message string
	// ResourceID and ResourceARN name the existing resource for AlreadyExists.
	ResourceID  string
	ResourceARN string
}

func (e *Error) Error() string { return e.Message }

func errf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

func exists(id, arn, format string, a ...any) *Error {
	return &Error{Code: AlreadyExists, Message: fmt.Sprintf(format, a...), ResourceID: id, ResourceARN: arn}
}
