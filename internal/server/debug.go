package server

import (
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves Go's runtime profiles on cfg.DebugAddr (loopback only,
// checked by config), so that an operator can see where memory and CPU
// go: `go tool pprof http://127.0.0.1:6060/debug/pprof/heap`. The handlers
// are mounted on their own mux: nothing else is reachable there.
func (s *Server) startDebug() error {
	if s.cfg.DebugAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.DebugAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s.debugSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.debugSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("debug listener stopped", "err", err)
		}
	}()
	s.log.Info("debug profiles served", "addr", ln.Addr().String())
	return nil
}
