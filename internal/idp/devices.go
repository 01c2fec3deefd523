package idp

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/store"
)

// Device tracking ("remember me on this device").
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html
//
// A pool tracks devices when it has a DeviceConfiguration. A sign-in that
// presents no DEVICE_KEY ends with NewDeviceMetadata {DeviceKey,
// DeviceGroupKey} next to the tokens ("Amazon Cognito includes a device key
// in the response to any sign-in that doesn't already include device
// information"; the admin flows too, as the CLI's example of
// admin-respond-to-auth-challenge shows); the device is stored unconfirmed.
// The client then registers an SRP verifier of a random device password with
// ConfirmDevice: the device is remembered at once, or, with
// DeviceOnlyRememberedOnUserPrompt, when the user says so (UpdateDeviceStatus).
//
// A later sign-in that presents the DEVICE_KEY of a confirmed device proves
// the device with SRP once every factor passed:
//
//	first factor [-> NEW_PASSWORD_REQUIRED] [-> MFA] -> DEVICE_SRP_AUTH
//	    DEVICE_SRP_AUTH (USERNAME, DEVICE_KEY, SRP_A)
//	        -> DEVICE_PASSWORD_VERIFIER {SRP_B, SALT, SECRET_BLOCK, USERNAME, DEVICE_KEY}
//	    DEVICE_PASSWORD_VERIFIER (proof with DeviceGroupKey and DeviceKey as identities)
//	        -> tokens whose access token carries device_key
//
// When the pool sets ChallengeRequiredOnNewDevice and the device is
// remembered, device SRP replaces MFA ("a remembered device can sign in with
// device authentication instead of SMS and TOTP factors"). A DEVICE_KEY the
// pool does not know for this user is ResourceNotFoundException "Device does
// not exist.", the answer amazon-cognito-identity-js and Amplify recognise to
// forget their stored device and sign in again without it; after SRP's
// PASSWORD_VERIFIER that error leaves the challenge unused, because
// identity-js resends the same answer without DEVICE_KEY.

// Device challenge names.
const (
	ChallengeDeviceSRP              = "DEVICE_SRP_AUTH"
	ChallengeDevicePasswordVerifier = "DEVICE_PASSWORD_VERIFIER"
)

// Device remembered statuses (DeviceRememberedStatusType).
const (
	DeviceRemembered    = "remembered"
	DeviceNotRemembered = "not_remembered"
)

var errDeviceNotFound = Errorf(ResourceNotFoundException, "Device does not exist.")

// NewDeviceMetadata is AuthenticationResult.NewDeviceMetadata.
type NewDeviceMetadata struct {
	DeviceKey      string
	DeviceGroupKey string
}

// Device is DeviceType.
type Device struct {
	Key        string
	Attributes []Attribute
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastAuthAt time.Time
}

// adminFlowKey marks a context as serving AdminInitiateAuth or
// AdminRespondToAuthChallenge.
type adminFlowKey struct{}

func withAdminFlow(ctx context.Context, admin bool) context.Context {
	if !admin {
		return ctx
	}
	return context.WithValue(ctx, adminFlowKey{}, true)
}

func isAdminFlow(ctx context.Context) bool {
	admin, _ := ctx.Value(adminFlowKey{}).(bool)
	return admin
}

// tracksDevices reports whether the pool remembers devices.
func tracksDevices(p *Pool) bool { return p.Device != nil }

// confirmed reports whether a device has its SRP verifier (ConfirmDevice).
func confirmed(d *store.Device) bool { return len(d.Verifier) > 0 }

// signInDevice is the device a sign-in presents: a confirmed device of u,
// or errDeviceNotFound. An empty key, or a pool without tracking, is no
// device ("" and no error).
func signInDevice(tx store.Tx, p *Pool, u *store.User, key string) (*store.Device, error) {
	if key == "" || !tracksDevices(p) {
		return nil, nil
	}
	d, err := tx.Devices().Get(p.ID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDeviceNotFound
	}
	if err != nil {
		return nil, err
	}
	if d.Sub != u.Sub || !confirmed(d) {
		return nil, errDeviceNotFound
	}
	return d, nil
}

// deviceSkipsMFA reports whether the sign-in's device replaces MFA.
func deviceSkipsMFA(tx store.Tx, p *Pool, u *store.User, st sessionState) (bool, error) {
	if st.DeviceKey == "" || st.DeviceDone || !tracksDevices(p) || !p.Device.ChallengeRequiredOnNewDevice {
		return false, nil
	}
	d, err := signInDevice(tx, p, u, st.DeviceKey)
	if err != nil {
		return false, err
	}
	return d.Status == DeviceRemembered, nil
}

// deviceOrTokens ends a sign-in whose factors all passed: the device
// challenge when a device was presented, else the tokens.
func (s *Service) deviceOrTokens(tx store.Tx, p *Pool, c *Client, u *store.User, st sessionState) (*Step, *pendingTokens, error) {
	if st.DeviceKey != "" && !st.DeviceDone {
		step, err := s.deviceChallenge(tx, c, u, st)
		return step, nil, err
	}
	pt, err := s.grantTokens(tx, p, c, u, st)
	return nil, pt, err
}

// deviceChallenge asks the client to prove its device (DEVICE_SRP_AUTH).
func (s *Service) deviceChallenge(tx store.Tx, c *Client, u *store.User, st sessionState) (*Step, error) {
	session, err := s.newSession(tx, c, u, ChallengeDeviceSRP, st)
	if err != nil {
		return nil, err
	}
	return &Step{ChallengeName: ChallengeDeviceSRP, Session: session, Parameters: map[string]string{}}, nil
}

// grantDevice decides the device of a grant: the device that proved itself
// (its key goes into the access token), or for a sign-in without one on a
// tracking pool a new, unconfirmed device whose metadata the client
// receives (its key is the token's device_key too, as ConfirmDevice needs
// the token and the key together).
func (s *Service) grantDevice(tx store.Tx, p *Pool, u *store.User, st sessionState) (string, *NewDeviceMetadata, error) {
	switch {
	case st.DeviceKey != "" && st.DeviceDone:
		return st.DeviceKey, nil, nil
	// Device tracking is the SDKs' (their sign-in flows confirm the device
	// and send DEVICE_KEY on refresh): managed login and the token endpoint
	// track none, so their refresh tokens are bound to no device.
	case st.DeviceKey != "" || st.Hosted != nil || st.OAuth || !tracksDevices(p):
		return "", nil, nil
	}
	now := s.now()
	d := &store.Device{
		PoolID: p.ID, Sub: u.Sub, Key: s.Region + "_" + uuid.New().String(),
		GroupKey:  "-" + s.randomString(alnum+"-_", 8),
		CreatedAt: now, UpdatedAt: now, LastAuthAt: now,
	}
	if err := tx.Devices().Create(d); err != nil {
		return "", nil, err
	}
	return d.Key, &NewDeviceMetadata{DeviceKey: d.Key, DeviceGroupKey: d.GroupKey}, nil
}

// deviceVerifierOwner binds a device's sealed verifier to its owner and key.
func deviceVerifierOwner(d *store.Device) string { return d.Sub + "\x00" + d.Key }

func (s *Service) deviceVerifier(d *store.Device) (*big.Int, error) {
	raw, err := s.openSecret("device-verifier", d.PoolID, deviceVerifierOwner(d), d.Verifier)
	if err != nil {
		return nil, fmt.Errorf("open verifier of device %s: %w", d.Key, err)
	}
	return new(big.Int).SetBytes(raw), nil
}

// respondDevice answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER.
func (s *Service) respondDevice(ctx context.Context, p *Pool, c *Client, challenge, session string, r map[string]string) (*Step, error) {
	if session == "" {
		return nil, missing("Session")
	}
	key := r["DEVICE_KEY"]
	if key == "" {
		return nil, missing("DEVICE_KEY")
	}
	if challenge == ChallengeDeviceSRP {
		return s.deviceSRPStart(ctx, p, c, hashHandle(session), key, r)
	}
	return s.deviceSRPVerify(ctx, p, c, hashHandle(session), key, r)
}

// loadDeviceSession loads a device challenge's session, its state, user
// and device, checking that the answer names the session's device.
func (s *Service) loadDeviceSession(tx store.Tx, p *Pool, c *Client, hash []byte, challenge, username, key string) (*store.User, sessionState, *store.Device, error) {
	var st sessionState
	sess, u, err := s.loadSession(tx, p, c, hash, challenge, username)
	if err != nil {
		return nil, st, nil, err
	}
	if err := json.Unmarshal(sess.State, &st); err != nil {
		return nil, st, nil, fmt.Errorf("session state: %w", err)
	}
	if st.DeviceKey != key {
		return nil, st, nil, errSessionInvalid
	}
	d, err := signInDevice(tx, p, u, key)
	if err != nil {
		return nil, st, nil, err
	}
	return u, st, d, nil
}

// deviceSRPStart answers SRP_A with DEVICE_PASSWORD_VERIFIER.
func (s *Service) deviceSRPStart(ctx context.Context, p *Pool, c *Client, hash []byte, key string, r map[string]string) (*Step, error) {
	aHex := r["SRP_A"]
	if aHex == "" {
		return nil, missing("SRP_A")
	}
	A, err := srp.ParseA(aHex)
	if err != nil {
		return nil, errIncorrect
	}
	var d *store.Device
	err = s.view(ctx, func(tx store.Tx) (err error) {
		_, _, d, err = s.loadDeviceSession(tx, p, c, hash, ChallengeDeviceSRP, r["USERNAME"], key)
		return err
	})
	if err != nil {
		return nil, err
	}
	v, err := s.deviceVerifier(d)
	if err != nil {
		return nil, internal(err)
	}
	ch, err := srp.NewChallenge(v, s.rand())
	if err != nil {
		return nil, internal(err)
	}
	state, err := ch.MarshalBinary()
	if err != nil {
		return nil, internal(err)
	}
	handle, next := s.newHandle()
	block := base64.StdEncoding.EncodeToString(s.randomBytes(32))
	var username string
	err = s.update(ctx, func(tx store.Tx) error {
		u, st, _, err := s.loadDeviceSession(tx, p, c, hash, ChallengeDeviceSRP, r["USERNAME"], key)
		if err != nil {
			return err
		}
		if err := consume(tx, hash, s.now()); err != nil {
			return err
		}
		username = u.Username
		st.SRPA = srp.Hex(A)
		st.SRPState = s.sealSecret("srp-challenge", p.ID, hex.EncodeToString(next), state)
		st.SecretBlock = block
		return s.storeSession(tx, c, u, ChallengeDevicePasswordVerifier, st, next)
	})
	if err != nil {
		return nil, err
	}
	return &Step{ChallengeName: ChallengeDevicePasswordVerifier, Session: handle, Parameters: map[string]string{
		"SRP_B":        ch.BHex(),
		"SALT":         srp.SaltHex(d.Salt),
		"SECRET_BLOCK": block,
		"USERNAME":     username,
		"DEVICE_KEY":   key,
	}}, nil
}

// deviceSRPVerify checks the device's proof and grants the tokens.
func (s *Service) deviceSRPVerify(ctx context.Context, p *Pool, c *Client, hash []byte, key string, r map[string]string) (*Step, error) {
	block := r["PASSWORD_CLAIM_SECRET_BLOCK"]
	if block == "" {
		return nil, missing("PASSWORD_CLAIM_SECRET_BLOCK")
	}
	claim := r["PASSWORD_CLAIM_SIGNATURE"]
	if claim == "" {
		return nil, missing("PASSWORD_CLAIM_SIGNATURE")
	}
	timestamp := r["TIMESTAMP"]
	if timestamp == "" {
		return nil, missing("TIMESTAMP")
	}
	var d *store.Device
	var st sessionState
	err := s.view(ctx, func(tx store.Tx) (err error) {
		_, st, d, err = s.loadDeviceSession(tx, p, c, hash, ChallengeDevicePasswordVerifier, r["USERNAME"], key)
		return err
	})
	if err != nil {
		return nil, err
	}

	// The proof, outside any transaction.
	ok := block == st.SecretBlock
	raw, err := s.openSecret("srp-challenge", p.ID, hex.EncodeToString(hash), st.SRPState)
	if err != nil {
		return nil, internal(err)
	}
	ch, err := srp.UnmarshalChallenge(raw)
	if err != nil {
		return nil, internal(err)
	}
	A, err := srp.ParseA(st.SRPA)
	if err != nil {
		return nil, internal(err)
	}
	v, err := s.deviceVerifier(d)
	if err != nil {
		return nil, internal(err)
	}
	if K, err := ch.Key(A, v); err != nil {
		ok = false
	} else {
		blockBytes, _ := base64.StdEncoding.DecodeString(block)
		ok = ok && srp.VerifyClaim(K, d.GroupKey, d.Key, blockBytes, timestamp, claim)
	}
	if ts, err := srp.ParseTimestamp(timestamp); err != nil || s.now().Sub(ts).Abs() > timestampSkew {
		ok = false
	}

	var pending *pendingTokens
	err = s.updateGrant(ctx, p, c, &pending, func(tx store.Tx) error {
		u, st, d, err := s.loadDeviceSession(tx, p, c, hash, ChallengeDevicePasswordVerifier, r["USERNAME"], key)
		if err != nil {
			return err
		}
		// Used up whatever the outcome: one guess per SRP_B.
		if err := consume(tx, hash, s.now()); err != nil {
			return err
		}
		if !ok {
			return nil
		}
		d.LastAuthAt = s.now()
		if err := tx.Devices().Update(d); err != nil {
			return err
		}
		st.DeviceDone = true
		pending, err = s.grantTokens(tx, p, c, u, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errIncorrect
	}
	return s.finish(ctx, p, c, nil, pending)
}

// AccountID stands in for the AWS account in ARNs: Ninshou has no accounts,
// and 000000000000 is the placeholder local AWS emulators agree on.
const AccountID = "000000000000"

// lastIPUsed is the device attribute of the address a device last signed
// in from.
const lastIPUsed = "last_ip_used"

// noteDeviceAddress records, in a grant's transaction, the address the
// sign-in of the device key came from, when it changed.
func noteDeviceAddress(ctx context.Context, tx store.Tx, p *Pool, c *Client, key string, admin bool) error {
	ip, ok := sourceAddress(ctx, c, admin)
	if !ok {
		return nil
	}
	d, err := tx.Devices().Get(p.ID, key)
	if err != nil || d.Attributes[lastIPUsed] == ip.String() {
		return err
	}
	attrs := maps.Clone(d.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs[lastIPUsed] = ip.String()
	d.Attributes = attrs
	return tx.Devices().Update(d)
}

// deviceView is a device of u as DeviceType shows it, its attributes in the
// order of AWS's examples (awscli's admin-get-device and list-devices);
// dev:device_sdk, which names the SDK that signed in, is not known here.
func deviceView(p *Pool, u *store.User, d *store.Device) *Device {
	owner := u.Username + "." + p.ID
	attrs := []Attribute{{Name: "device_status", Value: "valid"}}
	if name := d.Attributes["device_name"]; name != "" {
		attrs = append(attrs, Attribute{Name: "device_name", Value: name})
	}
	attrs = append(attrs,
		Attribute{Name: "dev:device_arn", Value: "arn:aws:cognito-idp:" + PoolRegion(p.ID) + ":" + AccountID + ":owner/" + owner + "/device/" + d.Key},
		Attribute{Name: "dev:device_owner", Value: owner})
	if ip := d.Attributes[lastIPUsed]; ip != "" {
		attrs = append(attrs, Attribute{Name: lastIPUsed, Value: ip})
	}
	if d.Status != "" {
		attrs = append(attrs, Attribute{Name: "dev:device_remembered_status", Value: d.Status})
	}
	return &Device{Key: d.Key, Attributes: attrs, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, LastAuthAt: d.LastAuthAt}
}

// userDevice is a confirmed device of u, or errDeviceNotFound.
func userDevice(tx store.Tx, p *Pool, u *store.User, key string) (*store.Device, error) {
	d, err := tx.Devices().Get(p.ID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDeviceNotFound
	}
	if err != nil {
		return nil, err
	}
	if d.Sub != u.Sub || !confirmed(d) {
		return nil, errDeviceNotFound
	}
	return d, nil
}

// DeviceSecret is DeviceSecretVerifierConfig.
type DeviceSecret struct {
	PasswordVerifier string
	Salt             string
}

// ConfirmDevice registers the SRP verifier of a device that a sign-in
// announced in NewDeviceMetadata. It returns UserConfirmationNecessary:
// true when the pool remembers devices only when the user says so.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmDevice.html
func (s *Service) ConfirmDevice(ctx context.Context, accessToken, key string, secret *DeviceSecret, name string) (bool, error) {
	if secret == nil {
		return false, missing("DeviceSecretVerifierConfig")
	}
	salt, v, err := srp.ParseDeviceVerifier(secret.Salt, secret.PasswordVerifier)
	if err != nil {
		return false, Errorf(InvalidParameterException, "Invalid DeviceSecretVerifierConfig.")
	}
	var prompt bool
	err = s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		d, err := tx.Devices().Get(p.ID, key)
		if errors.Is(err, store.ErrNotFound) || err == nil && d.Sub != u.Sub {
			return errDeviceNotFound
		}
		if err != nil {
			return err
		}
		if confirmed(d) {
			return Errorf(DeviceKeyExistsException, "Device key already exists.")
		}
		prompt = p.Device != nil && p.Device.DeviceOnlyRememberedOnUserPrompt
		d.Status = DeviceRemembered
		if prompt {
			d.Status = DeviceNotRemembered
		}
		d.Salt = salt
		d.Verifier = s.sealSecret("device-verifier", d.PoolID, deviceVerifierOwner(d), v.FillBytes(make([]byte, srp.ModulusBytes)))
		if d.Attributes == nil {
			d.Attributes = map[string]string{}
		}
		if name != "" {
			d.Attributes["device_name"] = name
		}
		d.UpdatedAt = s.now()
		return tx.Devices().Update(d)
	})
	return prompt, err
}

// DeviceOwner names the user of a device operation: AccessToken for the
// self-service operations, PoolID and Username for the admin ones.
type DeviceOwner struct {
	AccessToken      string
	PoolID, Username string
}

func (s *Service) owner(tx store.Tx, o DeviceOwner) (*Pool, *store.User, error) {
	if o.PoolID == "" {
		p, u, _, err := s.authorize(tx, o.AccessToken)
		return p, u, err
	}
	p, err := getPool(tx, o.PoolID)
	if err != nil {
		return nil, nil, err
	}
	u, err := mustFindUser(tx, p, o.Username)
	return p, u, err
}

// GetDevice is GetDevice and AdminGetDevice.
func (s *Service) GetDevice(ctx context.Context, o DeviceOwner, key string) (*Device, error) {
	var out *Device
	err := s.view(ctx, func(tx store.Tx) error {
		p, u, err := s.owner(tx, o)
		if err != nil {
			return err
		}
		d, err := userDevice(tx, p, u, key)
		if err != nil {
			return err
		}
		out = deviceView(p, u, d)
		return nil
	})
	return out, err
}

// ListDevices is ListDevices and AdminListDevices: the user's confirmed
// devices, most recently authenticated first.
func (s *Service) ListDevices(ctx context.Context, o DeviceOwner, page store.Page) ([]*Device, string, error) {
	limit := page.Limit
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	var out []*Device
	var next, scope string
	err := s.view(ctx, func(tx store.Tx) error {
		p, u, err := s.owner(tx, o)
		if err != nil {
			return err
		}
		scope = "ListDevices\x00" + p.ID + "\x00" + u.Sub
		page, err := s.boundPage(scope, page)
		if err != nil {
			return err
		}
		// Unconfirmed devices are skipped; each page asked for is read
		// whole, so the store's cursor stays exact.
		next = page.After
		for {
			ds, n, err := tx.Devices().List(p.ID, u.Sub, store.Page{Limit: limit - len(out), After: next})
			if err != nil {
				return badPage(err)
			}
			next = n
			for _, d := range ds {
				if confirmed(d) {
					out = append(out, deviceView(p, u, d))
				}
			}
			if next == "" || len(out) >= limit {
				return nil
			}
		}
	})
	return out, s.boundToken(scope, next), err
}

// UpdateDeviceStatus is UpdateDeviceStatus and AdminUpdateDeviceStatus.
func (s *Service) UpdateDeviceStatus(ctx context.Context, o DeviceOwner, key, status string) error {
	switch status {
	case DeviceRemembered, DeviceNotRemembered, "":
	default:
		return Errorf(InvalidParameterException, "Invalid device remembered status %s.", status)
	}
	return s.update(ctx, func(tx store.Tx) error {
		p, u, err := s.owner(tx, o)
		if err != nil {
			return err
		}
		d, err := userDevice(tx, p, u, key)
		if err != nil {
			return err
		}
		if status != "" {
			d.Status = status
		}
		d.UpdatedAt = s.now()
		return tx.Devices().Update(d)
	})
}

// ForgetDevice is ForgetDevice and AdminForgetDevice.
func (s *Service) ForgetDevice(ctx context.Context, o DeviceOwner, key string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, err := s.owner(tx, o)
		if err != nil {
			return err
		}
		if _, err := userDevice(tx, p, u, key); err != nil {
			return err
		}
		return tx.Devices().Delete(p.ID, key)
	})
}
