package provisioning

import (
	"context"
	"time"

	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store"
)

// Reap deletes certificates created over MQTT whose ownership token has
// expired without RegisterThing: still PENDING_ACTIVATION, older than
// TokenLifetime, attached to nothing (AWS fleet provisioning deletes them);
// and claim certificates that have expired (TLS already refuses them). It
// returns how many it deleted.
func (s *Service) Reap(ctx context.Context) (int, error) {
	now := s.now()
	cutoff := now.Add(-TokenLifetime)
	unregistered, err := s.certificates(ctx, store.OriginFleetProvisioning, func(c registry.Certificate) bool {
		return c.Status == registry.StatusPendingActivation && c.CreatedAt.Before(cutoff)
	})
	if err != nil {
		return 0, err
	}
	claims, err := s.certificates(ctx, store.OriginClaim, func(c registry.Certificate) bool { return c.NotAfter.Before(now) })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range unregistered {
		// A certificate someone attached meanwhile is refused here and kept.
		if err := s.reg.DeleteCertificate(ctx, id, false); err == nil {
			n++
		}
	}
	for _, id := range claims {
		err := s.reg.UpdateCertificate(ctx, id, registry.StatusInactive)
		if err == nil {
			err = s.reg.DeleteCertificate(ctx, id, true)
		}
		if err == nil {
			n++
		}
	}
	return n, nil
}

// certificates lists the ids of one origin's certificates that match.
func (s *Service) certificates(ctx context.Context, origin string, match func(registry.Certificate) bool) ([]string, error) {
	var ids []string
	pr := registry.PageRequest{Max: 250}
	for {
		certs, next, err := s.reg.ListCertificatesByOrigin(ctx, origin, pr)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			if match(c) {
				ids = append(ids, c.ID)
			}
		}
		if next == "" {
			return ids, nil
		}
		pr.Token = next
	}
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
