package api_test

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func bigOne() *big.Int { return big.NewInt(1) }

func now() time.Time { return time.Now() }

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fileMode(t *testing.T, dir, name string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
