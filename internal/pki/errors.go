package pki

import "errors"

// InvalidCSRError reports a certificate signing request that cannot be used:
// unparseable, badly signed, or with a key AWS IoT would refuse. The API
// layer maps it to InvalidRequestException.
type InvalidCSRError struct {
	// Message is safe to show to the client.
	Message string
	// Err is the internal cause, if any; it stays in the log.
	Err error
}

func (e *InvalidCSRError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *InvalidCSRError) Unwrap() error { return e.Err }

// InvalidCertificateError reports a certificate that cannot be used:
// unparseable, not signed by the claimed issuer, an issuer that is not a CA,
// or a refused key. The API layer maps it to CertificateValidationException.
type InvalidCertificateError struct {
	// Message is safe to show to the client.
	Message string
	// Err is the internal cause, if any; it stays in the log.
	Err error
}

func (e *InvalidCertificateError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *InvalidCertificateError) Unwrap() error { return e.Err }

// ErrRegistrationCode is returned by VerifyRegistrationProof when the
// verification certificate's common name is not the registration code. The
// API layer maps it to RegistrationCodeValidationException.
var ErrRegistrationCode = errors.New("the verification certificate's common name is not the registration code")

func csrError(msg string, err error) error  { return &InvalidCSRError{Message: msg, Err: err} }
func certError(msg string, err error) error { return &InvalidCertificateError{Message: msg, Err: err} }
