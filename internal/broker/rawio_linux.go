package broker

import (
	"syscall"
	"unsafe"
)

// The device gateway's sockets are non-blocking (Go's poller sets
// O_NONBLOCK), so a read(2), write(2) or peek on one returns at once, with
// EAGAIN when it would block; recordConn then waits in the poller. These
// make those calls without runtime.entersyscall, which exists for calls
// that may block: when the runtime's monitor thread (sysmon) is asleep,
// as it is on a server between messages, entersyscall wakes it with a
// futex so that it can take the processor back should the call block.
// Measured at 100 msgs/s, that was 1.5 cross-thread wake-ups and 3 sleeps
// of sysmon per message, on the path of every delivery. A call that
// cannot block needs no such care.

// waitsOnDescriptor: recordConn waits for readiness on the socket (see
// idle.go) and reads and writes it with these.
const waitsOnDescriptor = true

func rawRead(fd uintptr, p []byte) (int, error) {
	return rawIO(syscall.SYS_READ, fd, p)
}

func rawWrite(fd uintptr, p []byte) (int, error) {
	return rawIO(syscall.SYS_WRITE, fd, p)
}

func rawIO(trap, fd uintptr, p []byte) (int, error) {
	for {
		// The conversion is in the call, so p is kept alive through it
		// (unsafe.Pointer rule 4).
		n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		switch errno {
		case 0:
			return int(n), nil
		case syscall.EINTR:
			continue
		}
		return 0, errno
	}
}

// rawPeekEmpty says whether the socket has nothing to read yet: a 1-byte
// MSG_PEEK that would block. Data, end of stream and errors are all "not
// empty": the read that follows reports them.
func rawPeekEmpty(fd uintptr, b *[1]byte) bool {
	for {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		if errno != syscall.EINTR {
			return errno == syscall.EAGAIN
		}
	}
}
