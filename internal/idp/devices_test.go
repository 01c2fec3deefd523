package idp

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/store"
)

// deviceEnv is a service with a server key, a pool (tracking devices when
// cfg is not nil), a password client and user kim.
func deviceEnv(t *testing.T, cfg *DeviceConfig) (*Service, *Pool, *Client) {
	t.Helper()
	svc, _ := testService(t)
	sealer, err := srp.NewSealer(bytes.Repeat([]byte{7}, srp.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc.Sealer = sealer
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.Device = cfg
	p, err := svc.CreatePool(ctx, "devices", settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := NewClientSettings()
	cs.ExplicitAuthFlows = []string{FlowAllowUserPassword, FlowAllowAdminUserPassword, FlowAllowRefresh}
	c, err := svc.CreateClient(ctx, p.ID, ClientInput{Name: "app", ClientSettings: cs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AdminSetUserPassword(ctx, p.ID, "kim", "Perm#Pass1", true); err != nil {
		t.Fatal(err)
	}
	return svc, p, c
}

func (s *Service) passwordStart(t *testing.T, p *Pool, c *Client, admin bool, deviceKey string) (*Step, error) {
	t.Helper()
	in := StartInput{ClientID: c.ID, AuthFlow: "USER_PASSWORD_AUTH",
		Params: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "DEVICE_KEY": deviceKey}}
	if admin {
		in.Admin, in.PoolID, in.AuthFlow = true, p.ID, "ADMIN_USER_PASSWORD_AUTH"
	}
	return s.Start(context.Background(), in)
}

// TestDeviceLifecycle: a sign-in announces a device, ConfirmDevice seals
// its verifier, and the next sign-in proves the device with SRP.
func TestDeviceLifecycle(t *testing.T) {
	svc, p, c := deviceEnv(t, &DeviceConfig{ChallengeRequiredOnNewDevice: true})
	ctx := context.Background()

	admin, err := svc.passwordStart(t, p, c, true, "")
	if err != nil || admin.Result == nil || admin.Result.NewDevice == nil {
		t.Fatalf("admin sign-in: %+v, %v; want tokens and a new device", admin, err)
	}
	step, err := svc.passwordStart(t, p, c, false, "")
	if err != nil || step.Result == nil || step.Result.NewDevice == nil {
		t.Fatalf("sign-in: %+v, %v; want tokens and a new device", step, err)
	}
	md := step.Result.NewDevice
	if !strings.HasPrefix(md.DeviceKey, "us-east-1_") || md.DeviceGroupKey == "" {
		t.Errorf("NewDeviceMetadata = %+v", md)
	}
	owner := DeviceOwner{AccessToken: step.Result.AccessToken}
	if ds, _, err := svc.ListDevices(ctx, owner, store.Page{}); err != nil || len(ds) != 0 {
		t.Errorf("ListDevices before ConfirmDevice = %v, %v; want none", ds, err)
	}

	pw, salt, verifier, err := srp.NewDeviceSecret(nil, md.DeviceGroupKey, md.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	prompt, err := svc.ConfirmDevice(ctx, step.Result.AccessToken, md.DeviceKey, &DeviceSecret{PasswordVerifier: verifier, Salt: salt}, "phone")
	if err != nil || prompt {
		t.Fatalf("ConfirmDevice = %v, %v", prompt, err)
	}
	// The verifier is stored sealed, bound to its device.
	var row *store.Device
	svc.Store.View(ctx, func(tx store.Tx) (err error) { row, err = tx.Devices().Get(p.ID, md.DeviceKey); return err })
	_, v, _ := srp.ParseDeviceVerifier(salt, verifier)
	if bytes.Contains(row.Verifier, v.Bytes()) {
		t.Error("device verifier stored in the clear")
	}
	moved := *row
	moved.Key = "us-east-1_other"
	if _, err := svc.deviceVerifier(&moved); err == nil {
		t.Error("a sealed device verifier opened for another device")
	}

	// Sign-in with the device: DEVICE_SRP_AUTH, then the proof.
	step, err = svc.passwordStart(t, p, c, false, md.DeviceKey)
	if err != nil || step.ChallengeName != ChallengeDeviceSRP {
		t.Fatalf("sign-in with the device: %+v, %v", step, err)
	}
	cl, err := srp.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	pv, err := svc.Respond(ctx, RespondInput{ClientID: c.ID, ChallengeName: ChallengeDeviceSRP, Session: step.Session,
		Responses: map[string]string{"USERNAME": "kim", "DEVICE_KEY": md.DeviceKey, "SRP_A": cl.A()}})
	if err != nil || pv.ChallengeName != ChallengeDevicePasswordVerifier {
		t.Fatalf("DEVICE_SRP_AUTH: %+v, %v", pv, err)
	}
	cp := pv.Parameters
	ts, sig, err := cl.Claim(md.DeviceGroupKey, md.DeviceKey, pw, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], svc.now())
	if err != nil {
		t.Fatal(err)
	}
	answer := map[string]string{"USERNAME": "kim", "DEVICE_KEY": md.DeviceKey, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}
	done, err := svc.Respond(ctx, RespondInput{ClientID: c.ID, ChallengeName: ChallengeDevicePasswordVerifier, Session: pv.Session, Responses: answer})
	if err != nil || done.Result == nil || done.Result.NewDevice != nil {
		t.Fatalf("DEVICE_PASSWORD_VERIFIER: %+v, %v", done, err)
	}
	// The proof is single-use.
	_, err = svc.Respond(ctx, RespondInput{ClientID: c.ID, ChallengeName: ChallengeDevicePasswordVerifier, Session: pv.Session, Responses: answer})
	if err != errSessionUsed {
		t.Errorf("replayed proof: %v; want %v", err, errSessionUsed)
	}
	ds, _, err := svc.ListDevices(ctx, owner, store.Page{})
	if err != nil || len(ds) != 1 || ds[0].Key != md.DeviceKey {
		t.Errorf("ListDevices = %+v, %v", ds, err)
	}
}

// TestDeviceKeyWithoutTracking: a pool that does not track devices ignores
// DEVICE_KEY and announces no device.
func TestDeviceKeyWithoutTracking(t *testing.T) {
	svc, p, c := deviceEnv(t, nil)
	step, err := svc.passwordStart(t, p, c, false, "us-east-1_00000000-0000-0000-0000-000000000000")
	if err != nil || step.Result == nil || step.Result.NewDevice != nil {
		t.Fatalf("sign-in: %+v, %v; want tokens only", step, err)
	}
}

// TestListDevicesSkipsUnconfirmed: pages hold only confirmed devices, and
// every one appears once.
func TestListDevicesSkipsUnconfirmed(t *testing.T) {
	svc, p, c := deviceEnv(t, &DeviceConfig{})
	ctx := context.Background()
	var access string
	var want []string
	for i := range 6 {
		step, err := svc.passwordStart(t, p, c, false, "")
		if err != nil {
			t.Fatal(err)
		}
		access = step.Result.AccessToken
		if i%2 == 1 { // every other device is never confirmed
			continue
		}
		md := step.Result.NewDevice
		_, salt, verifier, _ := srp.NewDeviceSecret(nil, md.DeviceGroupKey, md.DeviceKey)
		if _, err := svc.ConfirmDevice(ctx, access, md.DeviceKey, &DeviceSecret{PasswordVerifier: verifier, Salt: salt}, ""); err != nil {
			t.Fatal(err)
		}
		want = append(want, md.DeviceKey)
	}
	seen := map[string]bool{}
	page := store.Page{Limit: 1}
	for range 10 {
		ds, next, err := svc.ListDevices(ctx, DeviceOwner{AccessToken: access}, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) > 1 {
			t.Fatalf("page of %d devices; limit 1", len(ds))
		}
		for _, d := range ds {
			if seen[d.Key] {
				t.Errorf("%s listed twice", d.Key)
			}
			seen[d.Key] = true
		}
		if next == "" {
			break
		}
		page.After = next
	}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("%s never listed", k)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("listed %d devices; want %d", len(seen), len(want))
	}
}
