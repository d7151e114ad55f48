package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/roost-iot/roost/internal/roosttest"
)

// rawCall sends a SigV4-signed request built by hand, so that tests can send
// what the SDKs never would.
func rawCall(t *testing.T, srv *roosttest.Instance, method, path string, body []byte, sign bool) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sign {
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: roosttest.AccessKeyID, SecretAccessKey: roosttest.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iot", roosttest.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), out
}

func TestBadInputGetsAWSErrors(t *testing.T) {
	srv := roosttest.StartServer(t)
	if status, _, body := rawCall(t, srv, "POST", "/policies/p", []byte(policyBody(10)), true); status != 200 {
		t.Fatalf("create policy p: %d %v", status, body)
	}
	long := strings.Repeat("a", 129)
	cases := []struct {
		name, method, path, body string
		sign                     bool
		status                   int
		code                     string
	}{
		{"fail/unsigned", "GET", "/things", "", false, 403, "MissingAuthenticationTokenException"},
		{"fail/bad-json", "POST", "/policies/p", `{"policyDocument": `, true, 400, "InvalidRequestException"},
		{"fail/json-wrong-type", "POST", "/things/t", `{"attributePayload": "x"}`, true, 400, "InvalidRequestException"},
		{"fail/name-too-long", "POST", "/things/" + long, `{}`, true, 400, "InvalidRequestException"},
		{"fail/bad-pem", "POST", "/certificate/register-no-ca", `{"certificatePem": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"}`, true, 400, "CertificateValidationException"},
		{"fail/bad-csr", "POST", "/certificates", `{"certificateSigningRequest": "garbage"}`, true, 400, "InvalidRequestException"},
		{"fail/bad-cert-id", "GET", "/certificates/xyz", "", true, 400, "InvalidRequestException"},
		{"fail/bad-status", "PUT", "/certificates/" + strings.Repeat("ab", 32) + "?newStatus=BOGUS", "", true, 400, "InvalidRequestException"},
		{"fail/bad-bool", "POST", "/keys-and-certificate?setAsActive=maybe", "", true, 400, "InvalidRequestException"},
		{"fail/bad-max", "GET", "/things?maxResults=0", "", true, 400, "InvalidRequestException"},
		{"fail/foreign-arn", "PUT", "/target-policies/p", `{"target": "arn:aws:iot:eu-west-1:999999999999:cert/abc"}`, true, 400, "InvalidRequestException"},
		{"fail/unknown-route", "GET", "/no-such-thing", "", true, 404, "UnknownOperationException"},
		{"fail/policy-too-large", "POST", "/policies/big", policyBody(3000), true, 400, "MalformedPolicyException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code, body := rawCall(t, srv, tc.method, tc.path, []byte(tc.body), tc.sign)
			if status != tc.status || code != tc.code {
				t.Fatalf("got %d %s %v, want %d %s", status, code, body, tc.status, tc.code)
			}
			if body["message"] == nil || body["__type"] != tc.code {
				t.Fatalf("body must carry message and __type: %v", body)
			}
		})
	}
	// A body over the limit is refused before any work.
	status, code, _ := rawCall(t, srv, "POST", "/policies/huge", bytes.Repeat([]byte("x"), 2<<20), true)
	if status != http.StatusRequestEntityTooLarge || code != "RequestEntityTooLargeException" {
		t.Fatalf("oversize body: %d %s", status, code)
	}
}

// policyBody is a CreatePolicy body whose document has n non-space characters or more.
func policyBody(n int) string {
	res := `"arn:aws:iot:us-east-1:123456789012:topic/` + strings.Repeat("x", n) + `"`
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":` + res + `}]}`
	b, _ := json.Marshal(map[string]string{"policyDocument": doc})
	return string(b)
}

func TestTamperedTokenIsInvalidRequest(t *testing.T) {
	srv := roosttest.StartServer(t)
	// Valid base64 of a cursor the store cannot read.
	status, code, _ := rawCall(t, srv, "GET", "/certificates?marker=bm90LWEtY3Vyc29y", nil, true)
	if status != 400 || code != "InvalidRequestException" {
		t.Fatalf("tampered token: %d %s", status, code)
	}
}
