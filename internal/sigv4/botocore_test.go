package sigv4

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// botocoreFixtures are requests exactly as botocore 1.43.11 (the signer of
// boto3 and AWS CLI v1) sent them, with its clock frozen at signTime and the
// test credentials; testdata/botocore_capture.py regenerates them. Presigned
// URLs are as botocore's SigV4QueryAuth builds them, the last one with the
// session token appended after signing as the AWS IoT Device SDKs do.
var botocoreFixtures = []struct {
	name string
	raw  string // a header-signed request on the wire
	url  string // or a presigned URL
}{
	{name: "describe-thing", raw: "GET /things/my-thing HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Accept-Encoding: identity\r\n" +
		"User-Agent: Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v769 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=5560b835445c84a3dfa9aee84302dce1d2d8bda4b179da23876ef45897b7c211\r\n" +
		"amz-sdk-invocation-id: 42f183e8-b7db-40ed-a8cf-a8cf9675260a\r\n" +
		"amz-sdk-request: attempt=1\r\n" +
		"\r\n"},
	{name: "list-attached-policies", raw: "POST /attached-policies/arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2Fabc?recursive=true&pageSize=10 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Accept-Encoding: identity\r\n" +
		"User-Agent: Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v769 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=3dde969dd8f3c3f1ce2aa5c48d9528b6a7a5242f93e3d1e7983daa3ec03c269a\r\n" +
		"amz-sdk-invocation-id: 580c5bc6-555d-4b07-a407-1bbef4020372\r\n" +
		"amz-sdk-request: attempt=1\r\n" +
		"Content-Length: 0\r\n" +
		"\r\n"},
	{name: "publish-shadow-update", raw: "POST /topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate?qos=1 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Accept-Encoding: identity\r\n" +
		"User-Agent: Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v769 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iotdata/aws4_request, SignedHeaders=host;x-amz-date, Signature=3e6e818b8e332f0ac22eaca5bd2f9ebf2751b48c8c1dd7758f4cbb38b7933c8f\r\n" +
		"amz-sdk-invocation-id: 8f41d795-1203-4519-90aa-853de2aa35df\r\n" +
		"amz-sdk-request: attempt=1\r\n" +
		"Content-Length: 34\r\n" +
		"\r\n" +
		"{\"state\":{\"reported\":{\"on\":true}}}"},
	{name: "get-retained-message", raw: "GET /retainedMessage/a%2Fb HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Accept-Encoding: identity\r\n" +
		"User-Agent: Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v769 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iotdata/aws4_request, SignedHeaders=host;x-amz-date, Signature=af4029483cc24e9257d177113cf6cc3b8a3085b3a24dad15e5b923fde6b62934\r\n" +
		"amz-sdk-invocation-id: 20f6aa5d-f0cb-46ff-b7bb-4121704259f0\r\n" +
		"amz-sdk-request: attempt=1\r\n" +
		"\r\n"},
	{name: "list-things-query", raw: "GET /things?attributeName=colour&attributeValue=dark%20blue%2Bgreen%2Fx&maxResults=5 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Accept-Encoding: identity\r\n" +
		"User-Agent: Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v769 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=24106beb7d33af92bc015a83b7045e5a3ac9bffef658d09f39cbc0e75f3a2f5f\r\n" +
		"amz-sdk-invocation-id: 0901c9ce-b8c5-469f-a953-b8e18b7e58b7\r\n" +
		"amz-sdk-request: attempt=1\r\n" +
		"\r\n"},
	{name: "session-token", raw: "GET /things HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Accept-Encoding: identity\r\n" +
		"User-Agent: Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v769 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"X-Amz-Security-Token: FQoGZXIvYXdzE+token/with==\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=d6c49600eda5978d76f9d67e37dda759c254f0aeec598f6cf620e4bdc1894d1e\r\n" +
		"amz-sdk-invocation-id: 4ab0030e-54da-4d03-9bf7-9e3bb2295104\r\n" +
		"amz-sdk-request: attempt=1\r\n" +
		"\r\n"},
	{name: "presign-wss", url: "https://roost.example.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20261122T123456Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=f0abf6efc8ec6e4a2d257da3a093894aecf2ef4a50c9078077f0c9170e60dd8f"},
	{name: "presign-wss-signed-token", url: "https://roost.example.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20261122T123456Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FQoGZXIvYXdzE%2Btoken%2Fwith%3D%3D&X-Amz-Signature=71890027b5f79ee56d70ec79743d67377479c6a808534486ac4843395781cb45"},
	{name: "path-normalized", raw: "GET /things//x/./y HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Content-Type: application/json\r\n" +
		"X-Amz-Date: 20261122T123456Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=f703f033b6b6e45958c04548581c8478f69904d3c37ca825d399f9145ffe52ea\r\n" +
		"\r\n"},
	{name: "date-header", raw: "PATCH /things/t1 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:55273\r\n" +
		"Content-Type: application/json\r\n" +
		"X-Roost-Note: a   b  c\r\n" +
		"Date: Sun, 22 Nov 2026 12:34:56 -0000\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request, SignedHeaders=content-type;date;host;x-roost-note, Signature=6ee88fa2c216a1efe2d2ddbeae68eeec97a334cf98f3a35c067db8f05a5f5724\r\n" +
		"Content-Length: 8\r\n" +
		"\r\n" +
		"{\"a\": 1}"},
	{name: "presign-wss-token-appended", url: "https://roost.example.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20261122T123456Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=f0abf6efc8ec6e4a2d257da3a093894aecf2ef4a50c9078077f0c9170e60dd8f&X-Amz-Security-Token=FQoGZXIvYXdzE%2Btoken%2Fwith%3D%3D"},
}

func TestVerifyBotocore(t *testing.T) {
	want := map[string]struct{ service, token string }{
		"describe-thing":             {"iot", ""},
		"list-attached-policies":     {"iot", ""},
		"publish-shadow-update":      {"iotdata", ""},
		"get-retained-message":       {"iotdata", ""},
		"list-things-query":          {"iot", ""},
		"session-token":              {"iot", testToken},
		"path-normalized":            {"iot", ""},
		"date-header":                {"iot", ""},
		"presign-wss":                {"iotdevicegateway", ""},
		"presign-wss-signed-token":   {"iotdevicegateway", testToken},
		"presign-wss-token-appended": {"iotdevicegateway", testToken},
	}
	for _, fx := range botocoreFixtures {
		t.Run("ok/"+fx.name, func(t *testing.T) {
			v := testVerifier(signTime)
			var (
				id  *Identity
				err error
			)
			if fx.raw != "" {
				r, body := serverRequest(t, fx.raw)
				id, err = v.Verify(r, body)
			} else {
				r, _ := serverRequest(t, wssUpgrade(t, fx.url))
				id, err = v.VerifyPresigned(r)
			}
			if err != nil {
				t.Fatalf("%v\n%s%s", err, fx.raw, fx.url)
			}
			w := want[fx.name]
			if id.AccessKeyID != testKeyID || id.Service != w.service || id.SessionToken != w.token || !id.Date.Equal(signTime) {
				t.Fatalf("identity = %+v, want service %s token %q", *id, w.service, w.token)
			}
		})
	}
	for _, fx := range botocoreFixtures {
		if fx.raw == "" {
			continue
		}
		t.Run("fail/"+fx.name+"/an-hour-later", func(t *testing.T) {
			r, body := serverRequest(t, fx.raw)
			_, err := testVerifier(signTime.Add(time.Hour)).Verify(r, body)
			wantError(t, err, CodeInvalidSignature, 403, "Signature expired: 20261122T123456Z is now earlier than 20261122T131956Z")
		})
		t.Run("fail/"+fx.name+"/path-changed", func(t *testing.T) {
			raw := strings.Replace(fx.raw, " HTTP/1.1", "x HTTP/1.1", 1)
			if strings.Contains(fx.raw, "?") {
				raw = strings.Replace(fx.raw, "?", "x?", 1)
			}
			r, body := serverRequest(t, raw)
			_, err := testVerifier(signTime).Verify(r, body)
			wantError(t, err, CodeInvalidSignature, 403, sigMismatch)
		})
	}
}

// wssUpgrade returns the WebSocket upgrade request a device sends for a
// presigned URL.
func wssUpgrade(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return "GET " + u.RequestURI() + " HTTP/1.1\r\n" +
		"Host: " + u.Host + "\r\n" +
		"Connection: Upgrade\r\n" +
		"Upgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Protocol: mqtt\r\n" +
		"\r\n"
}
