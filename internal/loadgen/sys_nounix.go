//go:build !unix

package loadgen

import (
	"errors"
	"time"
)

func cpuTime() (user, sys time.Duration) { return 0, 0 }

// RaiseFileLimit is a no-op where there are no rlimits.
func RaiseFileLimit() (uint64, error) { return 0, errors.New("no file limit on this system") }

func rusageCPU(any) (user, sys time.Duration) { return 0, 0 }
