package provisioning

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHookAllowProvisioningForms: the hook's allowProvisioning allows as
// JSON true, "true" in any case, or a non-zero number, as AWS accepts from
// Lambdas; everything else denies, and an answer that is not JSON fails.
func TestHookAllowProvisioningForms(t *testing.T) {
	for _, tc := range []struct {
		body  string
		allow bool
		fails bool
	}{
		{`{"allowProvisioning": true}`, true, false},
		{`{"allowProvisioning": "true"}`, true, false},
		{`{"allowProvisioning": "True"}`, true, false},
		{`{"allowProvisioning": 1}`, true, false},
		{`{"allowProvisioning": false}`, false, false},
		{`{"allowProvisioning": "false"}`, false, false},
		{`{"allowProvisioning": "yes"}`, false, false},
		{`{"allowProvisioning": 0}`, false, false},
		{`{"allowProvisioning": null}`, false, false},
		{`{"allowProvisioning": {"a": 1}}`, false, false},
		{`{}`, false, false},
		{`allow`, false, true},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(tc.body))
		}))
		out, err := newHookClient().call(context.Background(), srv.URL, hookEvent{})
		srv.Close()
		if (err != nil) != tc.fails || bool(out.AllowProvisioning) != tc.allow {
			t.Errorf("answer %s: allow %v, err %v; want allow %v, failure %v", tc.body, out.AllowProvisioning, err, tc.allow, tc.fails)
		}
	}
}
