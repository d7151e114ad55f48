//go:build !linux

package broker

import "time"

// parker is Linux only (epoll); elsewhere a quiet connection waits in its
// goroutine.
type parker struct{}

func getParker() *parker                                      { return nil }
func (p *parker) park(w *idleWaiter, deadline time.Time) bool { return false }
func (p *parker) take(w *idleWaiter)                          {}
