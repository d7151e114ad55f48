package sigv4

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzVerify feeds raw HTTP requests to both entry points. Neither may
// panic, and every failure must be an *Error the API layer can write.
func FuzzVerify(f *testing.F) {
	for _, fx := range botocoreFixtures {
		if fx.raw != "" {
			f.Add([]byte(fx.raw))
		} else {
			f.Add([]byte(wssUpgrade(f, fx.url)))
		}
	}
	f.Add([]byte(signed{method: "POST", url: "http://roost.test/topics/%24aws%2Fx?qos=1", body: `{"a":1}`,
		header: [][2]string{{"X-Roost-Note", " a  b "}, {"X-Amz-Content-Sha256", sha256Hex(`{"a":1}`)}}}.wire(f)))
	f.Add([]byte(wssUpgrade(f, presigned{expires: "60"}.sign(f))))
	f.Add([]byte("GET //a/../b/./c?x=%zz&&=&+=+ HTTP/1.1\r\nHost: h\r\nAuthorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;;x, Signature=00\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\n\r\n"))

	v := testVerifier(signTime)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		id, err := v.Verify(r, body)
		checkResult(t, id, err)
		id, err = v.VerifyPresigned(r)
		checkResult(t, id, err)
	})
}

// FuzzAuthorizationHeader varies the Authorization header of a valid
// request.
func FuzzAuthorizationHeader(f *testing.F) {
	raw := signed{method: "GET", url: "http://roost.test/things"}.wire(f)
	r0, _ := serverRequest(f, raw)
	f.Add(r0.Header.Get("Authorization"))
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iot/aws4_request,SignedHeaders=host;x-amz-date,Signature=zz")
	f.Add("AWS4-HMAC-SHA256 ,,, = == Credential=/////, SignedHeaders=;, Signature=")
	f.Add("AWS4-X")
	f.Add("Bearer x")
	f.Add("")

	good := r0.Header.Get("Authorization")
	sig := good[len(good)-64:]
	v := testVerifier(signTime)
	f.Fuzz(func(t *testing.T, authz string) {
		r, body := serverRequest(t, raw)
		r.Header.Set("Authorization", authz)
		id, err := v.Verify(r, body)
		checkResult(t, id, err)
		// The signature is hex: Verify decodes it, so upper-case digits of
		// the right MAC are the same signature, not a forgery.
		if err == nil && !strings.Contains(strings.ToLower(authz), sig) {
			t.Fatalf("accepted an Authorization without the signature: %q", authz)
		}
	})
}

func checkResult(t *testing.T, id *Identity, err error) {
	t.Helper()
	if err == nil {
		if id == nil {
			t.Fatal("nil identity without error")
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code == "" || e.Status < 400 || e.Message == "" {
		t.Fatalf("error %#v is not a complete *Error", err)
	}
}
