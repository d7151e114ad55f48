package sigv4

import (
	"strings"
	"testing"
)

// BenchmarkVerify guards the cost of authenticating one typical control-plane
// call (a signed POST with a JSON body, as the AWS CLI sends it): parsing,
// canonical request, payload hash and one HMAC with a cached signing key.
func BenchmarkVerify(b *testing.B) {
	body := `{"thingTypeName":"sensor","attributePayload":{"attributes":{"floor":"3","room":"12b"}}}`
	raw := signed{method: "POST", url: "http://roost.test:8080/things/sensor-0042?expectedVersion=3", body: body,
		header: [][2]string{{"Content-Type", "application/json"}}}.wire(b)
	r, payload := serverRequest(b, raw)
	v := testVerifier(signTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned guards the cost of authenticating one MQTT over
// WebSocket handshake.
func BenchmarkVerifyPresigned(b *testing.B) {
	r, _ := serverRequest(b, wssUpgrade(b, presigned{expires: "86400"}.sign(b)))
	v := testVerifier(signTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyPresigned(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyMismatch measures a failing request, the work an
// unauthenticated client can make the server do.
func BenchmarkVerifyMismatch(b *testing.B) {
	raw := signed{method: "GET", url: "http://roost.test:8080/things//a/./b?x=1"}.wire(b)
	r, payload := serverRequest(b, setSignature(raw, strings.Repeat("0", 64)))
	v := testVerifier(signTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, payload); err == nil {
			b.Fatal("verified")
		}
	}
}
