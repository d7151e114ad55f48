package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testToken  = "FQoGZXIvYXdzE+token/with=="
	testRegion = "us-east-1"
)

var (
	signTime  = time.Date(2026, 11, 22, 12, 34, 56, 0, time.UTC)
	testCreds = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
)

func testVerifier(now time.Time) *Verifier {
	secrets := map[string]string{testKeyID: testSecret, "AKIDOTHER": "other-secret"}
	return &Verifier{
		Secret: func(id string) (string, bool) { s, ok := secrets[id]; return s, ok },
		Now:    func() time.Time { return now },
	}
}

// signed describes a request to sign with the AWS SDK for Go v2's signer.
type signed struct {
	method, url, body string
	header            [][2]string // added before signing, so signed
	service           string      // default "iot"
	creds             *aws.Credentials
	payloadHash       string // default: hex SHA-256 of body
	at                time.Time
}

// wire signs s and returns the bytes the Go HTTP client sends for it.
func (s signed) wire(t testing.TB) string {
	t.Helper()
	req, err := http.NewRequest(s.method, s.url, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range s.header {
		req.Header.Add(h[0], h[1])
	}
	if s.payloadHash == "" {
		sum := sha256.Sum256([]byte(s.body))
		s.payloadHash = hex.EncodeToString(sum[:])
	}
	if s.service == "" {
		s.service = "iot"
	}
	if s.creds == nil {
		s.creds = &testCreds
	}
	if s.at.IsZero() {
		s.at = signTime
	}
	err = v4.NewSigner().SignHTTP(context.Background(), *s.creds, req, s.payloadHash, s.service, testRegion, s.at)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := req.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// serverRequest parses raw bytes as net/http's server does, so RequestURI,
// Host and the header map are what a handler sees in production.
func serverRequest(t testing.TB, raw string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, raw)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

func replace(old, new string) func(string) string {
	return func(raw string) string {
		if !strings.Contains(raw, old) {
			panic("test mutation does not apply: " + old)
		}
		return strings.Replace(raw, old, new, 1)
	}
}

// wantError checks that err is an *Error with the given code, status and
// message prefix.
func wantError(t *testing.T, err error, code string, status int, msgPrefix string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %s", err, err, code)
	}
	if e.Code != code || e.Status != status || !strings.HasPrefix(e.Message, msgPrefix) {
		t.Fatalf("error = %s %d %q\nwant    %s %d %q...", e.Code, e.Status, e.Message, code, status, msgPrefix)
	}
}

const sigMismatch = "The request signature we calculated does not match the signature you provided."

func TestVerify(t *testing.T) {
	const api = "http://roost.test:8080"
	shadowBody := `{"state":{"reported":{"on":true}}}`
	jsonHeader := [][2]string{{"Content-Type", "application/json"}}
	spaced := [][2]string{{"X-Roost-Note", "  a   b    c  "}, {"X-Roost-Note", "d  e"}, {"Content-Type", "application/json"}}

	tests := []struct {
		name    string
		req     signed
		mutate  func(raw string) string
		setup   func(v *Verifier)
		wantErr string // error code; "" for success
		status  int
		msg     string // message prefix
		service string // expected Identity.Service
	}{
		{name: "ok/iot/describe-thing", req: signed{method: "GET", url: api + "/things/my-thing"}, service: "iot"},
		{name: "ok/iot/attached-policies-encoded-arn", req: signed{method: "POST",
			url: api + "/attached-policies/arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2Fabc?recursive=true&pageSize=10"}, service: "iot"},
		{name: "ok/iotdata/publish-dollar-topic", req: signed{method: "POST", service: "iotdata",
			url: api + "/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate?qos=1", body: shadowBody, header: jsonHeader}, service: "iotdata"},
		{name: "ok/iotdata/retained-message-slash", req: signed{method: "GET", service: "iotdata", url: api + "/retainedMessage/a%2Fb"}, service: "iotdata"},
		{name: "ok/iot/query-repeated-keys-spaces-plus", req: signed{method: "GET",
			url: api + "/things?maxResults=5&b=2&a=2&a=1&attributeValue=dark%20blue%2Bgreen%2Fx&empty=&nextToken=a%2Bb%3D%3D"}, service: "iot"},
		{name: "ok/query-raw-plus-is-space", req: signed{method: "GET", url: api + "/things?attributeValue=dark%20blue"},
			mutate: replace("dark%20blue", "dark+blue"), service: "iot"},
		{name: "ok/query-reordered-on-wire", req: signed{method: "GET", url: api + "/things?a=1&b=2"},
			mutate: replace("?a=1&b=2", "?b=2&a=1"), service: "iot"},
		{name: "ok/body-json", req: signed{method: "PATCH", url: api + "/things/t1", body: `{"attributePayload":{"attributes":{"k":"v"}}}`, header: jsonHeader}, service: "iot"},
		{name: "ok/body-with-content-sha256", req: signed{method: "PUT", url: api + "/things/t2", body: `{"x":1}`,
			header: [][2]string{{"X-Amz-Content-Sha256", sha256Hex(`{"x":1}`)}}}, service: "iot"},
		{name: "ok/unsigned-payload", req: signed{method: "POST", url: api + "/topics/a?qos=0", body: "anything", service: "iotdata",
			header: [][2]string{{"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}}, payloadHash: "UNSIGNED-PAYLOAD"}, service: "iotdata"},
		{name: "ok/header-extra-whitespace", req: signed{method: "POST", url: api + "/things/t3", body: "{}", header: spaced}, service: "iot"},
		{name: "ok/header-whitespace-collapsed-on-wire", req: signed{method: "POST", url: api + "/things/t3", body: "{}", header: spaced},
			mutate: replace("a   b    c", "a b c"), service: "iot"},
		{name: "ok/session-token", req: signed{method: "GET", url: api + "/things",
			creds: &aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken}}, service: "iot"},
		{name: "ok/host-default-port", req: signed{method: "GET", url: "http://roost.test/things"}, service: "iot"},
		{name: "ok/dot-segments-signed-as-sent", req: signed{method: "GET", url: api + "/things/./a/../b"}, service: "iot"},
		{name: "ok/double-slash-signed-normalized-like-botocore", req: signed{method: "GET", url: api + "/things/b"},
			mutate: replace("GET /things/b ", "GET //things//b "), service: "iot"},
		{name: "ok/skew-just-inside", req: signed{method: "GET", url: api + "/things", at: signTime.Add(-15 * time.Minute)}, service: "iot"},
		{name: "ok/services-listed", req: signed{method: "GET", url: api + "/things", service: "iotdata"},
			setup: func(v *Verifier) { v.Services = []string{"iot", "iotdata"}; v.Regions = []string{testRegion} }, service: "iotdata"},

		{name: "fail/missing-authorization", req: signed{method: "GET", url: api + "/things"},
			mutate:  func(raw string) string { return dropHeader(raw, "Authorization") },
			wantErr: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{name: "fail/wrong-secret", req: signed{method: "GET", url: api + "/things",
			creds: &aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "not-the-secret"}},
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/unknown-key", req: signed{method: "GET", url: api + "/things",
			creds: &aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: testSecret}},
			wantErr: CodeUnrecognizedClient, status: 403, msg: "The security token included in the request is invalid."},
		{name: "fail/tampered-path", req: signed{method: "GET", url: api + "/things/my-thing"},
			mutate: replace("/things/my-thing", "/things/my-thinG"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/encoded-slash-decoded-on-wire", req: signed{method: "GET", service: "iotdata", url: api + "/retainedMessage/a%2Fb"},
			mutate: replace("/retainedMessage/a%2Fb", "/retainedMessage/a/b"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/encoded-dollar-decoded-on-wire", req: signed{method: "POST", service: "iotdata", url: api + "/topics/%24aws%2Fx?qos=1"},
			mutate: replace("/topics/%24aws", "/topics/$aws"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/tampered-query", req: signed{method: "POST", service: "iotdata", url: api + "/topics/a?qos=1"},
			mutate: replace("qos=1", "qos=0"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/added-query-param", req: signed{method: "POST", service: "iotdata", url: api + "/topics/a?qos=1"},
			mutate: replace("qos=1", "qos=1&retain=true"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/encoded-plus-turned-raw", req: signed{method: "GET", url: api + "/things?nextToken=a%2Bb"},
			mutate: replace("a%2Bb", "a+b"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/tampered-body", req: signed{method: "POST", service: "iotdata", url: api + "/topics/a?qos=1", body: shadowBody},
			mutate: replace(`"on":true`, `"on":null`), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/body-does-not-match-content-sha256", req: signed{method: "PUT", url: api + "/things/t2", body: `{"x":1}`,
			header: [][2]string{{"X-Amz-Content-Sha256", sha256Hex(`{"x":1}`)}}},
			mutate: replace(`{"x":1}`, `{"x":2}`), wantErr: CodeInvalidSignature, status: 403, msg: "The provided 'x-amz-content-sha256' header"},
		{name: "fail/bad-content-sha256", req: signed{method: "PUT", url: api + "/things/t2", body: `{}`,
			header: [][2]string{{"X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}}, payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
			wantErr: CodeIncompleteSignature, status: 400, msg: "x-amz-content-sha256 must be"},
		{name: "fail/tampered-signed-header", req: signed{method: "POST", url: api + "/things/t3", body: "{}", header: spaced},
			mutate: replace("a   b    c", "a   b    C"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/tampered-host", req: signed{method: "GET", url: api + "/things"},
			mutate: replace("Host: roost.test:8080", "Host: evil.test:8080"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/tampered-method", req: signed{method: "GET", url: api + "/things/t"},
			mutate: replace("GET /things/t", "DELETE /things/t"), wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/skew-past", req: signed{method: "GET", url: api + "/things", at: signTime.Add(-16 * time.Minute)},
			wantErr: CodeInvalidSignature, status: 403, msg: "Signature expired: 20261122T121856Z is now earlier than 20261122T121956Z (20261122T123456Z - 15 min.)"},
		{name: "fail/skew-future", req: signed{method: "GET", url: api + "/things", at: signTime.Add(16 * time.Minute)},
			wantErr: CodeInvalidSignature, status: 403, msg: "Signature not yet current: 20261122T125056Z is still later than 20261122T124956Z (20261122T123456Z + 15 min.)"},
		{name: "fail/host-not-signed", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "fail/date-not-signed", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("SignedHeaders=host;x-amz-date", "SignedHeaders=host"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "'x-amz-date' must be a 'SignedHeader'"},
		{name: "fail/scope-date-mismatch", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("X-Amz-Date: 20261122T123456Z", "X-Amz-Date: 20261123T000000Z"),
			wantErr: CodeInvalidSignature, status: 403, msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123'"},
		{name: "fail/bad-date", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("X-Amz-Date: 20261122T123456Z", "X-Amz-Date: 2026-11-22T12:34:56Z"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "Date must be in ISO-8601 'basic format'. Got '2026-11-22T12:34:56Z'."},
		{name: "fail/wrong-service", req: signed{method: "GET", url: api + "/things", service: "iotdata"},
			setup:   func(v *Verifier) { v.Services = []string{"iot"} },
			wantErr: CodeInvalidSignature, status: 403, msg: "Credential should be scoped to correct service: 'iot'."},
		{name: "fail/wrong-region", req: signed{method: "GET", url: api + "/things"},
			setup:   func(v *Verifier) { v.Regions = []string{"eu-west-1"} },
			wantErr: CodeInvalidSignature, status: 403, msg: "Credential should be scoped to a valid region, not 'us-east-1'."},
		{name: "fail/bad-terminator", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("/iot/aws4_request", "/iot/aws5_request"),
			wantErr: CodeInvalidSignature, status: 403, msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "fail/malformed-credential", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request", "Credential=AKIDEXAMPLE/20261122/iot/aws4_request"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "Credential must have exactly 5 slash-delimited elements"},
		{name: "fail/malformed-missing-equal-sign", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("Credential=AKIDEXAMPLE/", "Credential=AKIDEXAMPLE /"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "'/20261122/us-east-1/iot/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /"},
		{name: "fail/malformed-missing-signature", req: signed{method: "GET", url: api + "/things"},
			mutate:  func(raw string) string { return cutAfter(raw, ", Signature=") },
			wantErr: CodeIncompleteSignature, status: 400, msg: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential="},
		{name: "fail/malformed-unsupported-algorithm", req: signed{method: "GET", url: api + "/things"},
			mutate:  replace("AWS4-HMAC-SHA256 Credential", "AWS4-ECDSA-P256-SHA256 Credential"),
			wantErr: CodeIncompleteSignature, status: 400, msg: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'"},
		{name: "fail/malformed-bearer-token", req: signed{method: "GET", url: api + "/things"},
			mutate: func(raw string) string {
				return setHeader(dropHeader(raw, "X-Amz-Date"), "Authorization", "Bearer eyJhbGciOi.x.y")
			},
			wantErr: CodeIncompleteSignature, status: 400, msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer eyJhbGciOi.x.y"},
		{name: "fail/malformed-signature-not-hex", req: signed{method: "GET", url: api + "/things"},
			mutate:  func(raw string) string { return setSignature(raw, strings.Repeat("zz", 32)) },
			wantErr: CodeInvalidSignature, status: 403, msg: sigMismatch},
		{name: "fail/session-token-not-signed", req: signed{method: "GET", url: api + "/things"},
			mutate:  func(raw string) string { return setHeader(raw, "X-Amz-Security-Token", testToken) },
			wantErr: CodeIncompleteSignature, status: 400, msg: "'x-amz-security-token' must be a 'SignedHeader'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.req.wire(t)
			if tt.mutate != nil {
				raw = tt.mutate(raw)
			}
			r, body := serverRequest(t, raw)
			v := testVerifier(signTime)
			if tt.setup != nil {
				tt.setup(v)
			}
			id, err := v.Verify(r, body)
			if tt.wantErr != "" {
				wantError(t, err, tt.wantErr, tt.status, tt.msg)
				return
			}
			if err != nil {
				var e *Error
				if errors.As(err, &e) && e.CanonicalRequest != "" {
					t.Logf("canonical request:\n%s\nstring to sign:\n%s", e.CanonicalRequest, e.StringToSign)
				}
				t.Fatalf("Verify: %v\n%s", err, raw)
			}
			creds := tt.req.creds
			if creds == nil {
				creds = &testCreds
			}
			at := tt.req.at
			if at.IsZero() {
				at = signTime
			}
			want := Identity{AccessKeyID: testKeyID, Region: testRegion, Service: tt.service, Date: at, SessionToken: creds.SessionToken}
			if *id != want {
				t.Fatalf("identity = %+v\nwant       %+v", *id, want)
			}
		})
	}
}

// TestVerifyCanonicalPath pins the double encoding of the canonical URI
// against the SDK's own canonical request, for the paths where it matters.
func TestVerifyCanonicalPath(t *testing.T) {
	for _, tt := range []struct{ wirePath, canonical string }{
		{"/things/my-thing", "/things/my-thing"},
		{"/attached-policies/arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2Fabc",
			"/attached-policies/arn%253Aaws%253Aiot%253Aus-east-1%253A123456789012%253Acert%252Fabc"},
		{"/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate", "/topics/%2524aws%252Fthings%252Fx%252Fshadow%252Fupdate"},
		{"/retainedMessage/a%2Fb", "/retainedMessage/a%252Fb"},
		{"/things/a~b_c.d-e", "/things/a~b_c.d-e"},
	} {
		raw := signed{method: "GET", url: "http://roost.test" + tt.wirePath}.wire(t)
		r, body := serverRequest(t, setSignature(raw, strings.Repeat("0", 64)))
		_, err := testVerifier(signTime).Verify(r, body)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %v", tt.wirePath, err)
		}
		if got := strings.Split(e.CanonicalRequest, "\n")[1]; got != tt.canonical {
			t.Errorf("canonical URI of %s = %s, want %s", tt.wirePath, got, tt.canonical)
		}
	}
}

// TestVerifyHTTPServer goes through a real listener and the Go HTTP client,
// the way the API server will see requests.
func TestVerifyHTTPServer(t *testing.T) {
	v := testVerifier(signTime)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, err := v.Verify(r, body)
		if err != nil {
			var e *Error
			errors.As(err, &e)
			http.Error(w, err.Error()+"\n"+e.CanonicalRequest, e.Status)
			return
		}
		io.WriteString(w, id.Service)
	}))
	defer srv.Close()

	for _, path := range []string{
		"/things/my-thing",
		"/attached-policies/arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2Fabc?recursive=true",
		"/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate?qos=1",
		"/retainedMessage/a%2Fb",
		"/things?a=1&a=0&q=x%20y%2Bz",
	} {
		req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(`{"k":"v"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256([]byte(`{"k":"v"}`))
		if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, hex.EncodeToString(sum[:]), "iotdata", testRegion, signTime); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != "iotdata" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, got)
		}
	}
}

func TestVerifyDoesNotModifyRequest(t *testing.T) {
	r, body := serverRequest(t, signed{method: "POST", url: "http://roost.test/topics/a%2Fb?qos=1", body: "x"}.wire(t))
	before := r.Header.Clone()
	uri, host := r.RequestURI, r.Host
	if _, err := testVerifier(signTime).Verify(r, body); err != nil {
		t.Fatal(err)
	}
	if r.RequestURI != uri || r.Host != host || len(r.Header) != len(before) {
		t.Fatal("request modified")
	}
}

func TestVerifyConcurrentKeyCache(t *testing.T) {
	v := testVerifier(signTime)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			service := []string{"iot", "iotdata"}[i%2]
			r, body := serverRequest(t, signed{method: "GET", url: "http://roost.test/things", service: service}.wire(t))
			for range 50 {
				if _, err := v.Verify(r, body); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := v.keys.len(); n != 2 {
		t.Fatalf("cached keys = %d, want 2", n)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	for i := range keyCacheSize + 10 {
		c.signingKey("secret", "20261122", "region-"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "iot")
	}
	if n := c.len(); n != keyCacheSize {
		t.Fatalf("cache size = %d, want %d", n, keyCacheSize)
	}
	// A rotated secret gets its own derivation.
	if c.signingKey("a", "20261122", "r", "iot") == c.signingKey("b", "20261122", "r", "iot") {
		t.Fatal("same key for different secrets")
	}
}

func TestRemoveDotSegments(t *testing.T) {
	for in, want := range map[string]string{
		"":             "/",
		"/":            "/",
		"/a/b":         "/a/b",
		"/a/b/":        "/a/b/",
		"//a//b":       "/a/b",
		"/a/./b":       "/a/b",
		"/a/../b":      "/b",
		"/../a":        "/a",
		"/a/b/..":      "/a",
		"/a/%2E%2E/b":  "/a/%2E%2E/b",
		"/a/.hidden/b": "/a/.hidden/b",
	} {
		if got := removeDotSegments(in); got != want {
			t.Errorf("removeDotSegments(%q) = %q, want %q", in, got, want)
		}
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// dropHeader removes a header line from a raw HTTP/1.1 request.
func dropHeader(raw, name string) string {
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	var out []string
	for line := range strings.SplitSeq(head, "\r\n") {
		if !strings.HasPrefix(strings.ToLower(line), strings.ToLower(name)+":") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\r\n") + "\r\n\r\n" + body
}

// setHeader replaces (or adds) a header line in a raw HTTP/1.1 request.
func setHeader(raw, name, value string) string {
	raw = dropHeader(raw, name)
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	return head + "\r\n" + name + ": " + value + "\r\n\r\n" + body
}

// cutAfter removes marker and the rest of its line.
func cutAfter(raw, marker string) string {
	i := strings.Index(raw, marker)
	j := strings.Index(raw[i:], "\r\n")
	return raw[:i] + raw[i+j:]
}

func setSignature(raw, sig string) string {
	i := strings.Index(raw, "Signature=") + len("Signature=")
	return raw[:i] + sig + raw[i+64:]
}
