package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Risk configuration: how threat protection answers compromised
// credentials and risky sign-ins, for a pool and, overriding it, for an
// app client (Set/DescribeRiskConfiguration). Ninshou keeps and shows it
// as Cognito does; it assesses no risk, so no sign-in is blocked or
// challenged for risk; only the always-block list is enforced (riskblock.go).
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-threat-protection.html

// RiskConfiguration is a pool's (ClientID "") or a client's configuration.
type RiskConfiguration struct {
	PoolID                 string                      `json:"-"`
	ClientID               string                      `json:"-"`
	CompromisedCredentials *CompromisedCredentialsRisk `json:"compromised,omitempty"`
	AccountTakeover        *AccountTakeoverRisk        `json:"takeover,omitempty"`
	Exceptions             *RiskExceptions             `json:"exceptions,omitempty"`
	UpdatedAt              time.Time                   `json:"-"`
}

// CompromisedCredentialsRisk is CompromisedCredentialsRiskConfigurationType.
type CompromisedCredentialsRisk struct {
	EventFilter []string `json:"events,omitempty"` // SIGN_IN, PASSWORD_CHANGE, SIGN_UP
	EventAction string   `json:"action"`           // BLOCK or NO_ACTION
}

// AccountTakeoverRisk is AccountTakeoverRiskConfigurationType.
type AccountTakeoverRisk struct {
	Notify *RiskNotify     `json:"notify,omitempty"`
	Low    *TakeoverAction `json:"low,omitempty"`
	Medium *TakeoverAction `json:"medium,omitempty"`
	High   *TakeoverAction `json:"high,omitempty"`
}

// TakeoverAction is the answer to one risk level.
type TakeoverAction struct {
	Notify      bool   `json:"notify"`
	EventAction string `json:"action"` // BLOCK, MFA_IF_CONFIGURED, MFA_REQUIRED, NO_ACTION
}

// RiskNotify is NotifyConfigurationType: who sends the notices, and their
// templates.
type RiskNotify struct {
	From      string       `json:"from,omitempty"`
	ReplyTo   string       `json:"replyTo,omitempty"`
	SourceArn string       `json:"sourceArn"`
	Block     *NotifyEmail `json:"block,omitempty"`
	NoAction  *NotifyEmail `json:"noAction,omitempty"`
	MFA       *NotifyEmail `json:"mfa,omitempty"`
}

// NotifyEmail is one notice's template.
type NotifyEmail struct {
	Subject  string `json:"subject"`
	HTMLBody string `json:"html,omitempty"`
	TextBody string `json:"text,omitempty"`
}

// RiskExceptions are the always-block and always-allow address ranges.
type RiskExceptions struct {
	Blocked []string `json:"blocked,omitempty"`
	Skipped []string `json:"skipped,omitempty"`
}

const kindRiskConfiguration = "risk-configuration"

// poolLevel keys the pool's own configuration among its clients'.
const poolLevel = "ALL"

// check refuses what Cognito would: a notice asked for with no sender, and
// address ranges that are not CIDR blocks.
func (rc *RiskConfiguration) check() error {
	if at := rc.AccountTakeover; at != nil && at.Notify == nil {
		for _, a := range []*TakeoverAction{at.Low, at.Medium, at.High} {
			if a != nil && a.Notify {
				return Errorf(InvalidParameterException, "NotifyConfiguration is required when an action notifies the user.")
			}
		}
	}
	if ex := rc.Exceptions; ex != nil {
		for _, r := range append(append([]string{}, ex.Blocked...), ex.Skipped...) {
			if _, err := netip.ParsePrefix(r); err != nil {
				return Errorf(InvalidParameterException, "%s is not an IP address range in CIDR notation.", r)
			}
		}
	}
	return nil
}

func (rc *RiskConfiguration) empty() bool {
	return rc.CompromisedCredentials == nil && rc.AccountTakeover == nil && rc.Exceptions == nil
}

// riskPool reads the pool and refuses one whose threat protection is off:
// the configuration belongs to the add-on.
func riskPool(tx store.Tx, poolID, clientID string) error {
	p, err := getPool(tx, poolID)
	if err != nil {
		return err
	}
	if !p.recordsEvents() {
		return errAddOnNotEnabled()
	}
	if clientID == "" {
		return nil
	}
	_, err = poolClient(tx, poolID, clientID)
	return err
}

func riskKey(clientID string) string {
	if clientID == "" {
		return poolLevel
	}
	return clientID
}

func riskFrom(o *store.PoolObject, clientID string) (*RiskConfiguration, error) {
	rc := &RiskConfiguration{}
	if err := json.Unmarshal(o.Body, rc); err != nil {
		return nil, fmt.Errorf("idp: risk configuration %s of %s: %w", o.Key, o.PoolID, err)
	}
	rc.PoolID, rc.ClientID, rc.UpdatedAt = o.PoolID, clientID, o.UpdatedAt
	return rc, nil
}

// SetRiskConfiguration replaces the pool's or a client's configuration. A
// request with none of the three parts resets it: the pool's to the
// defaults, a client's to inheriting the pool's.
func (s *Service) SetRiskConfiguration(ctx context.Context, in RiskConfiguration) (*RiskConfiguration, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(&in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := in
	out.UpdatedAt = now
	err = s.update(ctx, func(tx store.Tx) error {
		if err := riskPool(tx, in.PoolID, in.ClientID); err != nil {
			return err
		}
		key := riskKey(in.ClientID)
		if in.empty() {
			if err := tx.PoolObjects().Delete(in.PoolID, kindRiskConfiguration, key); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil
		}
		_, err := putPoolObject(tx, in.PoolID, kindRiskConfiguration, key, body, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DescribeRiskConfiguration returns a client's configuration, or the
// pool's when the client has none of its own (then without ClientID, as
// Cognito marks a configuration that applies to every client).
func (s *Service) DescribeRiskConfiguration(ctx context.Context, poolID, clientID string) (*RiskConfiguration, error) {
	out := &RiskConfiguration{PoolID: poolID}
	err := s.view(ctx, func(tx store.Tx) error {
		if err := riskPool(tx, poolID, clientID); err != nil {
			return err
		}
		rc, err := effectiveRisk(tx, poolID, clientID)
		if rc != nil {
			out = rc
		}
		return err
	})
	return out, err
}

// effectiveRisk is the configuration in force for clientID ("" for the
// pool): the client's own, else the pool's; nil when neither is set.
func effectiveRisk(tx store.Tx, poolID, clientID string) (*RiskConfiguration, error) {
	keys := []string{poolLevel}
	if clientID != "" {
		keys = []string{clientID, poolLevel}
	}
	for _, key := range keys {
		o, err := tx.PoolObjects().Get(poolID, kindRiskConfiguration, key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		owner := ""
		if key != poolLevel {
			owner = key
		}
		return riskFrom(o, owner)
	}
	return nil, nil
}
