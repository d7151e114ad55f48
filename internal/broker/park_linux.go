package broker

import (
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// A parked connection has no goroutine at all: its socket is registered,
// one-shot, with an epoll instance of the gateway's own, and a goroutine is
// started for it again when the socket becomes readable or its keep-alive
// deadline passes. This is what a fleet of quiet devices costs least with:
// the 2 KB stack (and the scheduler's work) of a goroutine waiting per
// connection is gone. Go's netpoller keeps its own registration of the
// socket and is simply not waited on meanwhile.

// parker is the process's epoll instance and its waiting connections.
// p.mu is a leaf lock: nothing else is locked and no caller code runs under
// it.
type parker struct {
	epfd   int
	file   *os.File        // epfd, in Go's poller (and kept from its finalizer)
	raw    syscall.RawConn // waits on epfd in Go's poller
	mu     sync.Mutex
	next   uint64                 // last token handed out; mu held
	parked map[uint64]*idleWaiter // by token; mu held
}

var (
	parkerOnce sync.Once
	theParker  *parker
)

// getParker returns the process's parker, started on first use; nil when
// epoll is unavailable (the connection then waits in its goroutine).
func getParker() *parker {
	parkerOnce.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		// A non-blocking descriptor handed to os.NewFile joins Go's poller.
		if err := syscall.SetNonblock(fd, true); err != nil {
			syscall.Close(fd)
			return
		}
		file := os.NewFile(uintptr(fd), "parker-epoll")
		raw, err := file.SyscallConn()
		if err != nil {
			file.Close()
			return
		}
		theParker = &parker{epfd: fd, file: file, raw: raw, parked: map[uint64]*idleWaiter{}}
		go theParker.run()
	})
	return theParker
}

// run wakes the connections whose sockets became readable (data, end of
// stream or an error: the read loop then reads and finds out which).
//
// It waits for the parker's epoll instance to become readable in Go's own
// poller, like any socket, then takes the events without blocking. A
// blocking epoll_wait would hold a thread in the kernel: each wake-up would
// return on that thread, and the read loop it starts would wait for
// another thread to be woken to run it, a handoff between cores on the
// path of every message to a parked connection. This way the thread that
// Go's poller wakes runs the parker and then, as soon as it waits again,
// the read loop it started.
func (p *parker) run() {
	events := make([]syscall.EpollEvent, 256)
	var n int
	var werr syscall.Errno
	take := func(fd uintptr) bool {
		for {
			if n, werr = epollWaitNow(fd, events); werr != syscall.EINTR {
				return n > 0 || werr != 0 // nothing ready: wait in the poller
			}
		}
	}
	for {
		if err := p.raw.Read(take); err != nil {
			panic("broker: waiting on the parker's epoll: " + err.Error()) // never closed: a bug
		}
		if werr != 0 {
			panic("broker: epoll_wait on the parker: " + werr.Error()) // only EBADF/EFAULT/EINVAL: a bug
		}
		for _, ev := range events[:n] {
			p.wake(uint64(uint32(ev.Fd))|uint64(uint32(ev.Pad))<<32, false)
		}
	}
}

// epollWaitNow takes the events that are ready, without waiting (and, as
// it cannot block, without entersyscall; see rawio_linux.go).
func epollWaitNow(epfd uintptr, events []syscall.EpollEvent) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, epfd, uintptr(unsafe.Pointer(&events[0])),
		uintptr(len(events)), 0, 0, 0)
	return int(n), errno
}

// park registers w's socket and deadline (zero: none) and reports true;
// w.resume is then called exactly once, from another goroutine, unless
// take comes first. False means it could not (the socket is closed): the
// caller goes on waiting itself. All of it happens under p.mu, so that a
// wake sees everything park wrote.
func (p *parker) park(w *idleWaiter, deadline time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	tok := p.next
	w.token, w.deadline = tok, deadline
	// Level-triggered and one-shot: data that came before this call is
	// reported at once, and the registration is disarmed after one event
	// until the next park re-arms it.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd: int32(uint32(tok)), Pad: int32(uint32(tok >> 32))}
	var ctlErr error
	err := w.rec.raw.Control(func(fd uintptr) {
		op := syscall.EPOLL_CTL_MOD
		if !w.registered {
			op = syscall.EPOLL_CTL_ADD
		}
		if ctlErr = syscall.EpollCtl(p.epfd, op, int(fd), &ev); ctlErr == nil {
			w.registered = true
		}
	})
	if err != nil || ctlErr != nil {
		return false
	}
	p.parked[tok] = w
	w.gauge.Add(1)
	if !deadline.IsZero() {
		if w.timer == nil {
			w.timer = time.AfterFunc(time.Until(deadline), w.expire)
		} else {
			w.timer.Reset(time.Until(deadline))
		}
	}
	return true
}

// wake resumes the connection parked under tok, if it still is.
func (p *parker) wake(tok uint64, timedOut bool) {
	p.mu.Lock()
	w := p.parked[tok]
	t := p.removeLocked(tok)
	p.mu.Unlock()
	if w == nil {
		return // woken by its timer, or closed, meanwhile
	}
	if !timedOut && t != nil {
		t.Stop()
	}
	w.resume(timedOut)
}

// removeLocked takes the connection parked under tok, if any, out of the
// set and returns its timer (nil if none). p.mu held.
func (p *parker) removeLocked(tok uint64) *time.Timer {
	w := p.parked[tok]
	if w == nil {
		return nil
	}
	delete(p.parked, tok)
	w.gauge.Add(-1)
	return w.timer
}

// take removes w's registration, if it is parked, so that it is never
// resumed: for a connection closed meanwhile.
func (p *parker) take(w *idleWaiter) {
	p.mu.Lock()
	var t *time.Timer
	if p.parked[w.token] == w {
		t = p.removeLocked(w.token)
	}
	p.mu.Unlock()
	if t != nil {
		t.Stop()
	}
}

// expire is w's timer: its keep-alive deadline passed while parked. A
// timer from an earlier park that fired late finds a later deadline and
// does nothing.
func (w *idleWaiter) expire() {
	p := w.parker
	p.mu.Lock()
	tok, deadline := w.token, w.deadline
	p.mu.Unlock()
	if time.Now().Before(deadline) {
		return
	}
	p.wake(tok, true)
}
