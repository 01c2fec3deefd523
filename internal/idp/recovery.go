package idp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Password recovery (ForgotPassword, ConfirmForgotPassword,
// AdminResetUserPassword), ChangePassword and password history.
//
//	stateDiagram-v2
//	    CONFIRMED --> RESET_REQUIRED: AdminResetUserPassword
//	    RESET_REQUIRED --> CONFIRMED: ConfirmForgotPassword
//	    CONFIRMED --> CONFIRMED: ForgotPassword + ConfirmForgotPassword, ChangePassword

var (
	errCannotReset = Errorf(NotAuthorizedException, "User password cannot be reset in the current state.")
	errNoRecovery  = Errorf(InvalidParameterException, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	errPwdReused   = Errorf(PasswordHistoryPolicyViolationException, "The password was used previously.")
)

// recoveryTarget is where a password-reset code goes, after the pool's
// AccountRecoverySetting by priority: a verified address that is not also
// the user's MFA factor (SMS MFA disqualifies the phone, email MFA the
// email). Without the setting, the legacy rule: a verified phone, else a
// verified email. adminOnly: the pool lets only administrators reset.
// https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html
func recoveryTarget(p *Pool, u *store.User) (t codeTarget, ok, adminOnly bool) {
	verified := func(attr string) bool {
		return u.Attributes[attr] != "" && u.Attributes[attr+"_verified"] == "true"
	}
	if len(p.AccountRecovery) == 0 {
		for _, attr := range []string{"phone_number", "email"} {
			if verified(attr) {
				return codeTarget{attr, u.Attributes[attr]}, true, false
			}
		}
		return codeTarget{}, false, false
	}
	opts := slices.Clone(p.AccountRecovery)
	slices.SortStableFunc(opts, func(a, b RecoveryOption) int { return a.Priority - b.Priority })
	for _, o := range opts {
		switch o.Name {
		case "admin_only":
			return codeTarget{}, false, true
		case "verified_email":
			if verified("email") && !slices.Contains(u.MFAEnabled, FactorEmail) {
				return codeTarget{"email", u.Attributes["email"]}, true, false
			}
		case "verified_phone_number":
			if verified("phone_number") && !slices.Contains(u.MFAEnabled, FactorSMS) {
				return codeTarget{"phone_number", u.Attributes["phone_number"]}, true, false
			}
		}
	}
	return codeTarget{}, false, false
}

// recoveryPrefersSMS says where a simulated reset code "goes" for a name
// that has no real target (PreventUserExistenceErrors ENABLED): where the
// pool's real users' codes go, so that the answer tells nothing. "The
// simulated delivery medium is determined by the input username format and
// verification settings of the user pool"
// (cognito-user-pool-managing-errors.html): the first recovery option, in the
// pool's order or the legacy one (a verified phone, then a verified email),
// whose attribute the pool verifies; without such an option, the one the pool
// ranks first, or email.
func recoveryPrefersSMS(p *Pool) bool {
	order := []string{"verified_phone_number", "verified_email"}
	if len(p.AccountRecovery) > 0 {
		opts := slices.Clone(p.AccountRecovery)
		slices.SortStableFunc(opts, func(a, b RecoveryOption) int { return a.Priority - b.Priority })
		order = order[:0]
		for _, o := range opts {
			order = append(order, o.Name)
		}
	}
	for _, o := range order {
		switch {
		case o == "verified_phone_number" && slices.Contains(p.AutoVerifiedAttributes, "phone_number"):
			return true
		case o == "verified_email" && slices.Contains(p.AutoVerifiedAttributes, "email"):
			return false
		}
	}
	return len(p.AccountRecovery) > 0 && order[0] == "verified_phone_number"
}

// ForgotPassword sends a password-reset code (valid one hour).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ForgotPassword.html
func (s *Service) ForgotPassword(ctx context.Context, clientID, secretHash, username string) (*CodeDelivery, error) {
	p, c, err := s.clientFor(ctx, false, "", clientID)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, []string{username}, secretHash); err != nil {
		return nil, err
	}
	prevent := c.PreventUserExistenceErrors == "ENABLED"
	if len(p.Lambda) > 0 {
		if err := s.migrateForReset(ctx, p, c, username); err != nil {
			return nil, err
		}
	}
	cm, err := s.customMessageOf(ctx, p, "CustomMessage_ForgotPassword", c.ID, username)
	if err != nil {
		return nil, err
	}
	var out *CodeDelivery
	err = s.update(ctx, func(tx store.Tx) error {
		u, err := findUser(tx, p, username)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var refusal error
		var t codeTarget
		switch {
		case u == nil:
			refusal = errNoClientUser()
		case !u.Enabled:
			refusal = errUserDisabled
		case u.Status == StatusForceChangePassword:
			refusal = errCannotReset
		default:
			var ok, adminOnly bool
			t, ok, adminOnly = recoveryTarget(p, u)
			switch {
			case adminOnly:
				refusal = errCannotReset
			case !ok:
				refusal = errNoRecovery
			}
		}
		if refusal != nil {
			if !prevent {
				return refusal
			}
			// ENABLED: the same answer and the same store work as a real
			// delivery, for unknown, disabled and unreachable users alike.
			out = simulatedDelivery(p, username, recoveryPrefersSMS(p))
			return s.decoyCode(tx, p, purposeForgot, username, forgotCodeTTL)
		}
		if err := s.countSend(u, sendKindForgot, sendsForgotPassword); err != nil {
			return err
		}
		code, err := s.issueCode(tx, u, purposeForgot, t, forgotCodeTTL)
		if err != nil {
			return err
		}
		if out, err = s.sendCode(tx, p, t, code, "forgot_password_code", cm); err != nil {
			return err
		}
		if err := s.recordEvent(tx, p, u.Sub, "", EventForgotPassword, EventPass); err != nil {
			return err
		}
		return saveUser(tx, p, u)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return out, nil
}

// ConfirmForgotPasswordInput is ConfirmForgotPassword's input.
type ConfirmForgotPasswordInput struct {
	ClientID   string
	SecretHash string
	Username   string
	Code       string
	Password   string
}

// ConfirmForgotPassword sets a new password with a reset code; a user that
// had to reset (RESET_REQUIRED) or was not confirmed yet is then CONFIRMED.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmForgotPassword.html
func (s *Service) ConfirmForgotPassword(ctx context.Context, in ConfirmForgotPasswordInput) error {
	p, c, err := s.clientFor(ctx, false, "", in.ClientID)
	if err != nil {
		return err
	}
	if err := checkSecretHash(c, []string{in.Username}, in.SecretHash); err != nil {
		return err
	}
	if err := s.policyError(p, in.Password); err != nil {
		return err
	}
	prevent := c.PreventUserExistenceErrors == "ENABLED"
	var u *store.User
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		u, err = findUser(tx, p, in.Username)
		if errors.Is(err, store.ErrNotFound) {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return err
	}
	// The password is derived for unknown users too: equal work, equal time.
	srpName := in.Username
	if u != nil {
		srpName = u.Username
	}
	rec, err := s.passwordRecord(p, srpName, in.Password)
	if err != nil {
		return err
	}
	switch {
	case u == nil && prevent, u != nil && !u.Enabled && prevent:
		return errVerifyMismatch
	case u == nil:
		return errNoClientUser()
	case !u.Enabled:
		return errUserDisabled
	}
	if err := s.checkHistory(p, u, in.Password); err != nil {
		return err
	}
	sub := u.Sub
	var failure error
	var changed *User
	err = s.update(ctx, func(tx store.Tx) error {
		failure = nil
		u, err := tx.Users().Get(p.ID, sub)
		if errors.Is(err, store.ErrNotFound) {
			return errVerifyMismatch
		}
		if err != nil {
			return err
		}
		_, f, err := s.checkCode(tx, u, purposeForgot, in.Code, contactTargets(u), maxForgotAttempts)
		if err != nil || f != nil {
			failure = f
			return err
		}
		now := s.now()
		if err := s.replacePassword(p, u, rec, now); err != nil {
			return err
		}
		if u.Status == StatusResetRequired || u.Status == StatusUnconfirmed {
			u.Status = StatusConfirmed
		}
		u.UpdatedAt = now
		if err := s.recordEvent(tx, p, u.Sub, "", EventPasswordChange, EventPass); err != nil {
			return err
		}
		changed = userView(u)
		return saveUser(tx, p, u)
	})
	if err != nil {
		return err
	}
	if failure != nil {
		return failure
	}
	return s.postConfirmation(ctx, p, "PostConfirmation_ConfirmForgotPassword", c.ID, changed)
}

// AdminResetUserPassword disables the user's password (RESET_REQUIRED:
// sign-in answers PasswordResetRequiredException) and, when the user has a
// verified address recovery may use, sends a reset code.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminResetUserPassword.html
func (s *Service) AdminResetUserPassword(ctx context.Context, poolID, username string) error {
	err := s.adminChangeUser(ctx, poolID, username, func(tx store.Tx, p *Pool, u *store.User) error {
		if !u.Enabled {
			return errUserDisabled
		}
		if u.Status == StatusForceChangePassword {
			return errCannotReset
		}
		u.Status = StatusResetRequired
		t, ok, _ := recoveryTarget(p, u)
		if !ok {
			return nil
		}
		code, err := s.issueCode(tx, u, purposeForgot, t, forgotCodeTTL)
		if err != nil {
			return err
		}
		_, err = s.sendCode(tx, p, t, code, "forgot_password_code", nil)
		return err
	})
	if err != nil {
		return err
	}
	s.kick()
	return nil
}

// ChangePassword changes the signed-in user's password.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ChangePassword.html
func (s *Service) ChangePassword(ctx context.Context, accessToken, previous, proposed string) error {
	var p *Pool
	var u *store.User
	// Each call counts toward the user's hourly quota, "Maximum number of
	// ChangePassword calls per user: 5 attempts per hour" (quotas.html).
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		if p, u, _, err = s.authorize(tx, accessToken); err != nil {
			return err
		}
		if err := s.countSend(u, sendKindChange, changesPerHour); err != nil {
			return err
		}
		return saveUser(tx, p, u)
	})
	if err != nil {
		return err
	}
	if err := s.policyError(p, proposed); err != nil {
		return err
	}
	if s.now().Before(u.LockedUntil) {
		return errAttemptLimit
	}
	// A user without a password (passwordless sign-up) sets a first one
	// with no PreviousPassword, as the API reference allows.
	ok := u.PasswordHash == "" && previous == ""
	if u.PasswordHash != "" {
		ok, err = s.Hasher.Verify(u.PasswordHash, previous)
		if err != nil {
			return internal(fmt.Errorf("verify password of %s: %w", u.Sub, err))
		}
	}
	if !ok {
		var locked bool
		err := s.update(ctx, func(tx store.Tx) error {
			var err error
			if locked, err = s.recordFailureTx(tx, p.ID, u.Sub); err != nil || locked {
				return err
			}
			return s.recordEvent(tx, p, u.Sub, "", EventPasswordChange, EventFail, challengePasswordFail)
		})
		if err != nil {
			return err
		}
		if locked {
			return errAttemptLimit
		}
		return errIncorrect
	}
	if err := s.checkHistory(p, u, proposed); err != nil {
		return err
	}
	rec, err := s.passwordRecord(p, u.Username, proposed)
	if err != nil {
		return err
	}
	oldHash := u.PasswordHash
	return s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		if u.PasswordHash != oldHash {
			return errConcurrentChange
		}
		now := s.now()
		if err := s.replacePassword(p, u, rec, now); err != nil {
			return err
		}
		u.UpdatedAt = now
		if err := s.recordEvent(tx, p, u.Sub, "", EventPasswordChange, EventPass, challengePasswordOK); err != nil {
			return err
		}
		return saveUser(tx, p, u)
	})
}

// replacePassword sets rec as u's password (not saved), keeping the old one
// in the history and clearing the lockout.
func (s *Service) replacePassword(p *Pool, u *store.User, rec *passwordRecord, now time.Time) error {
	rememberPassword(p, u)
	if err := s.setPassword(u, rec, now); err != nil {
		return err
	}
	u.FailedAttempts, u.LockedUntil = 0, time.Time{}
	return nil
}

// checkHistory refuses a password among the user's last PasswordHistorySize
// passwords, the current one included.
// https://docs.aws.amazon.com/cognito/latest/developerguide/managing-users-passwords.html
func (s *Service) checkHistory(p *Pool, u *store.User, pw string) error {
	n := p.PasswordPolicy.PasswordHistorySize
	if n <= 0 {
		return nil
	}
	hashes := append([]string{u.PasswordHash}, decodeExtra(u).PasswordHistory...)
	for _, h := range hashes[:min(n, len(hashes))] {
		if h == "" {
			continue
		}
		ok, err := s.Hasher.Verify(h, pw)
		if err != nil {
			return internal(fmt.Errorf("verify password history of %s: %w", u.Sub, err))
		}
		if ok {
			return errPwdReused
		}
	}
	return nil
}

// rememberPassword moves u's current hash into its history before a new
// password replaces it, keeping only what the pool's history size needs
// (nothing when history is off, so old hashes are not kept for no reason).
func rememberPassword(p *Pool, u *store.User) {
	x := decodeExtra(u)
	keep := p.PasswordPolicy.PasswordHistorySize - 1
	if keep <= 0 {
		x.PasswordHistory = nil
	} else {
		if u.PasswordHash != "" {
			x.PasswordHistory = append([]string{u.PasswordHash}, x.PasswordHistory...)
		}
		x.PasswordHistory = x.PasswordHistory[:min(keep, len(x.PasswordHistory))]
	}
	encodeExtra(u, x)
}
