package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// presigned describes a WSS URL to presign with the AWS SDK for Go v2.
type presigned struct {
	url         string // default https://roost.test/mqtt
	expires     string // X-Amz-Expires set before signing; "" for none
	service     string // default iotdevicegateway
	creds       *aws.Credentials
	omitToken   bool // sign without the token, then append it (AWS IoT style)
	payloadHash string
	at          time.Time
}

func (p presigned) sign(t testing.TB) string {
	t.Helper()
	if p.url == "" {
		p.url = "https://roost.test/mqtt"
	}
	if p.service == "" {
		p.service = "iotdevicegateway"
	}
	if p.creds == nil {
		p.creds = &testCreds
	}
	if p.payloadHash == "" {
		p.payloadHash = emptySHA256
	}
	if p.at.IsZero() {
		p.at = signTime
	}
	req, err := http.NewRequest("GET", p.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.expires != "" {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", p.expires)
		req.URL.RawQuery = q.Encode()
	}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), *p.creds, req, p.payloadHash, p.service, testRegion, p.at,
		func(o *v4.SignerOptions) { o.DisableSessionToken = p.omitToken })
	if err != nil {
		t.Fatal(err)
	}
	if p.omitToken && p.creds.SessionToken != "" {
		signed += "&X-Amz-Security-Token=" + url.QueryEscape(p.creds.SessionToken)
	}
	return signed
}

func TestVerifyPresigned(t *testing.T) {
	tokenCreds := &aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken}
	tests := []struct {
		name    string
		p       presigned
		mutate  func(u string) string
		now     time.Time // default signTime
		setup   func(v *Verifier)
		wantErr string
		status  int
		msg     string
	}{
		{name: "ok/iotdevicegateway-expires", p: presigned{expires: "86400"}},
		{name: "ok/iotdevicegateway-used-late-within-expiry", p: presigned{expires: "86400"}, now: signTime.Add(23 * time.Hour)},
		{name: "ok/iotdata", p: presigned{service: "iotdata", expires: "3600"},
			setup: func(v *Verifier) { v.Services = []string{"iotdevicegateway", "iotdata"} }},
		{name: "ok/no-expires-within-skew", p: presigned{}, now: signTime.Add(10 * time.Minute)},
		{name: "ok/token-appended-after-signing", p: presigned{expires: "86400", creds: tokenCreds, omitToken: true}},
		{name: "ok/token-signed", p: presigned{expires: "86400", creds: tokenCreds}},
		{name: "ok/unsigned-payload", p: presigned{expires: "60", payloadHash: "UNSIGNED-PAYLOAD"}},
		{name: "ok/host-with-port", p: presigned{url: "https://roost.test:8443/mqtt", expires: "60"}},
		{name: "ok/params-reordered", p: presigned{expires: "60"}, mutate: func(u string) string {
			base, q, _ := strings.Cut(u, "?")
			parts := strings.Split(q, "&")
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
			return base + "?" + strings.Join(parts, "&")
		}},

		{name: "fail/no-signature-params", p: presigned{}, mutate: func(u string) string { return "https://roost.test/mqtt" },
			wantErr: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{name: "fail/expired", p: presigned{expires: "3600"}, now: signTime.Add(time.Hour + time.Second),
			wantErr: CodeInvalidSignature, status: 403, msg: "Signature expired: 20261122T123456Z is now earlier than"},
		{name: "fail/no-expires-too-old", p: presigned{}, now: signTime.Add(16 * time.Minute),
			wantErr: CodeInvalidSignature, status: 403, msg: "Signature expired:"},
		{name: "fail/not-yet-current", p: presigned{expires: "3600"}, now: signTime.Add(-16 * time.Minute),
			wantErr: CodeInvalidSignature, status: 403, msg: "Signature not yet current:"},
		{name: "fail/expires-too-long", p: presigned{expires: "604801"},
			wantErr: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires must be less than a week"},
		{name: "fail/expires-not-a-number", p: presigned{expires: "1h"},
			wantErr: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires should be a number"},
		{name: "fail/expires-raised", p: presigned{expires: "60"}, mutate: replace("X-Amz-Expires=60", "X-Amz-Expires=86400"),
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/wrong-secret", p: presigned{expires: "60", creds: &aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "nope"}},
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/unknown-key", p: presigned{expires: "60", creds: &aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}},
			wantErr: CodeUnrecognizedClient, status: 403, msg: "The security token included in the request is invalid."},
		{name: "fail/tampered-signature", p: presigned{expires: "60"}, mutate: func(u string) string {
			i := strings.Index(u, "X-Amz-Signature=") + len("X-Amz-Signature=")
			return u[:i] + "0" + u[i+1:]
		}, wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/tampered-path", p: presigned{expires: "60"}, mutate: replace("/mqtt?", "/mqtt2?"),
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/tampered-host", p: presigned{expires: "60"}, mutate: replace("roost.test", "evil.test"),
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/added-param", p: presigned{expires: "60"}, mutate: func(u string) string { return u + "&x=1" },
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/missing-credential", p: presigned{expires: "60"}, mutate: func(u string) string { return dropParam(u, "X-Amz-Credential") },
			wantErr: CodeIncompleteSignature, status: 400, msg: "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters."},
		{name: "fail/missing-date", p: presigned{expires: "60"}, mutate: func(u string) string { return dropParam(u, "X-Amz-Date") },
			wantErr: CodeIncompleteSignature, status: 400, msg: "AWS query-string parameters must include 'X-Amz-Date'."},
		{name: "fail/host-not-signed", p: presigned{expires: "60"}, mutate: replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=upgrade"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "fail/unsupported-algorithm", p: presigned{expires: "60"}, mutate: replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'"},
		{name: "fail/wrong-service", p: presigned{expires: "60", service: "iot"},
			setup:   func(v *Verifier) { v.Services = []string{"iotdevicegateway", "iotdata"} },
			wantErr: CodeInvalidSignature, status: 403, msg: "Credential should be scoped to correct service: 'iotdevicegateway'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.p.sign(t)
			if tt.mutate != nil {
				u = tt.mutate(u)
			}
			r, _ := serverRequest(t, wssUpgrade(t, u))
			now := tt.now
			if now.IsZero() {
				now = signTime
			}
			v := testVerifier(now)
			if tt.setup != nil {
				tt.setup(v)
			}
			id, err := v.VerifyPresigned(r)
			if tt.wantErr != "" {
				wantError(t, err, tt.wantErr, tt.status, tt.msg)
				return
			}
			if err != nil {
				t.Fatalf("VerifyPresigned: %v\n%s", err, u)
			}
			service := tt.p.service
			if service == "" {
				service = "iotdevicegateway"
			}
			var token string
			if tt.p.creds != nil {
				token = tt.p.creds.SessionToken
			}
			if id.AccessKeyID != testKeyID || id.Region != testRegion || id.Service != service || id.SessionToken != token || !id.Date.Equal(signTime) {
				t.Fatalf("identity = %+v", *id)
			}
			wantExpires := signTime.Add(DefaultMaxSkew)
			if tt.p.expires != "" {
				d, _ := time.ParseDuration(tt.p.expires + "s")
				wantExpires = signTime.Add(d)
			}
			if !id.Expires.Equal(wantExpires) {
				t.Fatalf("expires = %v, want %v", id.Expires, wantExpires)
			}
		})
	}
}

// TestVerifyPresignedIgnoresHeaderAuth checks that the two entry points do
// not accept each other's form.
func TestVerifyPresignedIgnoresHeaderAuth(t *testing.T) {
	r, body := serverRequest(t, signed{method: "GET", url: "http://roost.test/mqtt"}.wire(t))
	_, err := testVerifier(signTime).VerifyPresigned(r)
	wantError(t, err, CodeMissingAuthenticationToken, 403, "Missing Authentication Token")

	r, body = serverRequest(t, wssUpgrade(t, presigned{expires: "60"}.sign(t)))
	_, err = testVerifier(signTime).Verify(r, body)
	wantError(t, err, CodeMissingAuthenticationToken, 403, "Missing Authentication Token")
}

func dropParam(u, name string) string {
	base, q, _ := strings.Cut(u, "?")
	var keep []string
	for p := range strings.SplitSeq(q, "&") {
		if !strings.HasPrefix(p, name+"=") {
			keep = append(keep, p)
		}
	}
	return base + "?" + strings.Join(keep, "&")
}
