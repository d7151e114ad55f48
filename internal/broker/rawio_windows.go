package broker

import "syscall"

// On Windows a socket is not read through readiness (Go uses overlapped
// I/O), so recordConn does not wait on the descriptor: waitsOnDescriptor is
// false and these are never called.
const waitsOnDescriptor = false

func rawRead(fd uintptr, p []byte) (int, error)  { return 0, syscall.EWINDOWS }
func rawWrite(fd uintptr, p []byte) (int, error) { return 0, syscall.EWINDOWS }
func rawPeekEmpty(fd uintptr, b *[1]byte) bool   { return false }
