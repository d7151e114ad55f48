//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user, system) this process has used so far.
func cpuTime() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// RaiseFileLimit raises the soft limit on open files to the hard limit and
// returns the new soft limit. Each idle connection takes one descriptor.
func RaiseFileLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	return rl.Cur, nil
}

// rusageCPU reads the CPU time of a finished child process.
func rusageCPU(sysUsage any) (user, sys time.Duration) {
	ru, ok := sysUsage.(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
