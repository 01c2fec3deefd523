package idp

import (
	"context"
	"net/netip"

	"github.com/ninshou/ninshou/internal/store"
)

// Threat protection's always-block list: with the pool's threat protection
// in full-function mode (ENFORCED), a sign-in from an address in the
// effective risk configuration's BlockedIPRangeList (the client's own, else
// the pool's) is refused before any password is checked: "Overrides the
// risk decision and always blocks authentication requests"
// (API_RiskExceptionConfigurationType); audit mode blocks nothing. Cognito
// answers NotAuthorizedException "Request not allowed due to security
// reasons." (seen when an IP address was blocked: public code handling
// Cognito's answers quotes it). Ninshou assesses no risk otherwise, so
// SkippedIPRangeList changes nothing.

var errBlockedRequest = Errorf(NotAuthorizedException, "Request not allowed due to security reasons.")

// SourceAddress is where a request comes from: the peer's address, and the
// end user's as the caller states it (AdminInitiateAuth's ContextData, or
// InitiateAuth's UserContextData, which counts only for a client that
// propagates additional user context data).
type SourceAddress struct {
	Peer, Stated string
}

type sourceKey struct{}

// WithSourceAddress tells the domain where a sign-in request comes from.
func WithSourceAddress(ctx context.Context, a SourceAddress) context.Context {
	return context.WithValue(ctx, sourceKey{}, a)
}

// sourceAddress is the end user's address for c: the stated one where the
// caller may state it (admin requests, or a client that propagates user
// context data), else the peer's.
func sourceAddress(ctx context.Context, c *Client, admin bool) (netip.Addr, bool) {
	a, _ := ctx.Value(sourceKey{}).(SourceAddress)
	if a.Stated != "" && (admin || c.EnablePropagateContextData) {
		if ip, err := netip.ParseAddr(a.Stated); err == nil {
			return ip.Unmap(), true
		}
	}
	if ap, err := netip.ParseAddrPort(a.Peer); err == nil {
		return ap.Addr().Unmap(), true
	}
	if ip, err := netip.ParseAddr(a.Peer); err == nil {
		return ip.Unmap(), true
	}
	return netip.Addr{}, false
}

// blockedRanges reads the always-block list in force for c, when the
// pool's threat protection enforces (none otherwise, without a read).
func blockedRanges(tx store.Tx, p *Pool, c *Client) ([]netip.Prefix, error) {
	if p.AdvancedSecurityMode != "ENFORCED" {
		return nil, nil
	}
	rc, err := effectiveRisk(tx, p.ID, c.ID)
	if err != nil || rc == nil || rc.Exceptions == nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, r := range rc.Exceptions.Blocked {
		if pfx, err := netip.ParsePrefix(r); err == nil { // checked when set
			out = append(out, pfx)
		}
	}
	return out, nil
}

// checkBlocked refuses a sign-in from an always-blocked address.
func checkBlocked(ctx context.Context, c *Client, admin bool, blocked []netip.Prefix) error {
	if len(blocked) == 0 {
		return nil
	}
	ip, ok := sourceAddress(ctx, c, admin)
	if !ok {
		return nil
	}
	for _, pfx := range blocked {
		if pfx.Contains(ip) {
			return errBlockedRequest
		}
	}
	return nil
}

// refuseBlocked is checkBlocked for the sign-in page, which has read the
// pool and the client without the risk configuration: read only when the
// pool enforces.
func (s *Service) refuseBlocked(ctx context.Context, p *Pool, c *Client) error {
	if p.AdvancedSecurityMode != "ENFORCED" {
		return nil
	}
	var blocked []netip.Prefix
	if err := s.view(ctx, func(tx store.Tx) (err error) { blocked, err = blockedRanges(tx, p, c); return err }); err != nil {
		return err
	}
	return checkBlocked(ctx, c, false, blocked)
}
