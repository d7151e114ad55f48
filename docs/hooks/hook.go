//go:build ignore

// A Roost pre-provisioning hook: allow listed serial numbers, deny the rest.
// Run with: go run docs/hooks/hook.go
package main

import (
	"encoding/json"
	"net/http"
)

var allowed = map[string]bool{"0001": true, "0002": true}

func main() {
	http.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Parameters map[string]string }
		if json.NewDecoder(r.Body).Decode(&ev) != nil {
			http.Error(w, "bad event", http.StatusBadRequest) // Roost denies on any non-2xx
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"allowProvisioning": allowed[ev.Parameters["SerialNumber"]]})
	})
	http.ListenAndServe("127.0.0.1:8088", nil)
}
