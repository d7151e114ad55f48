//go:build !linux && !windows

package broker

import (
	"errors"
	"syscall"
)

// Elsewhere the socket calls go through package syscall (see
// rawio_linux.go for why Linux does not).

const waitsOnDescriptor = true

func rawRead(fd uintptr, p []byte) (int, error)  { return retryEINTR(syscall.Read, fd, p) }
func rawWrite(fd uintptr, p []byte) (int, error) { return retryEINTR(syscall.Write, fd, p) }

func retryEINTR(op func(int, []byte) (int, error), fd uintptr, p []byte) (int, error) {
	for {
		n, err := op(int(fd), p)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

func rawPeekEmpty(fd uintptr, b *[1]byte) bool {
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return errors.Is(err, syscall.EAGAIN)
}
