package provisioning

import (
	"context"
	"time"

	"github.com/roost-iot/roost/internal/registry"
)

// Reap deletes certificates created over MQTT whose ownership token has
// expired without RegisterThing: still PENDING_ACTIVATION, older than
// TokenLifetime, attached to nothing (AWS fleet provisioning deletes them).
// It returns how many it deleted.
func (s *Service) Reap(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-TokenLifetime)
	var doomed []string
	pr := registry.PageRequest{Max: 250}
	for {
		certs, next, err := s.reg.ListCertificates(ctx, true, pr)
		if err != nil {
			return 0, err
		}
		for _, c := range certs {
			if c.Status == registry.StatusPendingActivation && c.CreatedAt.Before(cutoff) {
				doomed = append(doomed, c.ID)
			}
		}
		if next == "" {
			break
		}
		pr.Token = next
	}
	n := 0
	for _, id := range doomed {
		// A certificate someone attached meanwhile is refused here and kept.
		if err := s.reg.DeleteCertificate(ctx, id, false); err == nil {
			n++
		}
	}
	return n, nil
}

// RunReaper reaps every interval until ctx ends.
func (s *Service) RunReaper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Reap(ctx); err != nil {
				s.log.Warn("provisioning reaper", "err", err)
			} else if n > 0 {
				s.log.Info("deleted unregistered provisioning certificates", "count", n)
			}
		}
	}
}
