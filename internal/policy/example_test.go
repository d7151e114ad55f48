package policy_test

import (
	"fmt"

	"github.com/roost-iot/roost/internal/policy"
)

// A broker compiles a connection's policies once, at CONNECT, and asks the
// compiled set at every authorization point.
func Example() {
	doc, err := policy.Parse([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Effect": "Allow", "Action": "iot:Connect",
	     "Resource": "arn:aws:iot:us-west-2:123456789012:client/${iot:Connection.Thing.ThingName}"},
	    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
	     "Resource": "arn:aws:iot:us-west-2:123456789012:topic/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.ThingName}"}
	  ]}`))
	if err != nil {
		panic(err)
	}
	doc.Name = "device"

	vars := policy.Vars{} // in Roost: policy.CertificateVars(cert) from the TLS handshake
	vars.Set(policy.VarClientID, "sensor_abc")
	vars.SetThing("sensor_abc", "", map[string]string{"BuildingName": "home417"})
	c, err := policy.Compile([]*policy.Document{doc}, vars)
	if err != nil {
		panic(err)
	}

	arn := func(kind, name string) string { return policy.ResourceARN("us-west-2", "123456789012", kind, name) }
	fmt.Println(c.EvaluateRequest(policy.Connect, arn(policy.KindClient, "sensor_abc"), policy.ConnectKeys(false, false)))
	fmt.Println(c.Evaluate(policy.Publish, arn(policy.KindTopic, "temperature/home417/sensor_abc")))
	fmt.Println(c.Evaluate(policy.Publish, arn(policy.KindTopic, "temperature/home417/sensor_xyz")))
	// Output:
	// Allow (policy "device", statement 0)
	// Allow (policy "device", statement 1)
	// ImplicitDeny
}
