package template

// Error reports a template body that CreateProvisioningTemplate,
// CreateProvisioningTemplateVersion, UpdateProvisioningTemplate or a CA's
// registrationConfig must refuse. The API maps it to InvalidRequestException
// (HTTP 400) and sends Error() as the message.
//
// AWS's wording is reused where it is known: "Invalid registration template.
// Template format error: JSON not well-formed ..." (boto/boto3#2903) and
// "Invalid registration template. Neither policyName nor policyDocument is
// present in the Template." (aws-samples/aws-iot-device-management-workshop#1).
type Error struct {
	// Path says where in the body, e.g. "Resources.thing.Properties.ThingName";
	// empty for the body as a whole.
	Path string
	// Reason is what is wrong, for the client.
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "Invalid registration template. " + e.Reason
	}
	return "Invalid registration template. " + e.Path + ": " + e.Reason
}

// EvalError reports a template that parsed but cannot be evaluated against
// one device's parameters: a missing required parameter, a certificate
// attribute JITP cannot extract, an Fn::Select index out of bounds, a value of
// the wrong shape. Error() is meant for the errorMessage of a RegisterThing
// /rejected payload (statusCode 400); the errorCode is the caller's to choose.
type EvalError struct {
	// Path says where in the body evaluation failed, when it is known.
	Path string
	// Reason is what is wrong, for the device.
	Reason string
}

func (e *EvalError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

func parseErr(path, reason string) *Error { return &Error{Path: path, Reason: reason} }

func evalErr(reason string) *EvalError { return &EvalError{Reason: reason} }

// at sets the path of an evaluation error that has none yet.
func at(err error, path string) error {
	if e, ok := err.(*EvalError); ok && e.Path == "" {
		e.Path = path
	}
	return err
}
