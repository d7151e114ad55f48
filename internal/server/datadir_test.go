package server

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/roost-iot/roost/internal/store/sqlite"
)

// TestAccountIDIsRecorded: an account id given once stays the
// installation's when a later start does not give it (policies name it in
// their ARNs); a generated one is stable too.
func TestAccountIDIsRecorded(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, first := range []string{"123456789012", ""} {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roost.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		a, err := accountID(ctx, db, first, log)
		if err != nil || len(a) != 12 || (first != "" && a != first) {
			t.Fatalf("first start with %q: %q %v", first, a, err)
		}
		if b, err := accountID(ctx, db, "", log); err != nil || b != a {
			t.Fatalf("restart without the flag: %q %v, want %q", b, err, a)
		}
		if c, err := accountID(ctx, db, "210987654321", log); err != nil || c != "210987654321" {
			t.Fatalf("an explicit new id: %q %v", c, err)
		}
		if d, _ := accountID(ctx, db, "", log); d != "210987654321" {
			t.Fatalf("after an explicit change: %q", d)
		}
	}
}
