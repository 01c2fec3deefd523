package portable_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/portable"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

const pool = "us-east-1_AbCdEf123"

func open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "ninshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func update(t *testing.T, st store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func user(sub, name string) *store.User {
	return &store.User{PoolID: pool, Sub: sub, Username: name, UsernameKey: name, Status: "CONFIRMED",
		Enabled: true, Attributes: map[string]string{"email": name + "@example.com"},
		Aliases:      []store.Alias{{Kind: "email", Key: name + "@example.com"}},
		PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", PasswordSetAt: t0,
		CreatedAt: t0, UpdatedAt: t0}
}

// seed fills st with one of everything version 3 holds.
func seed(t *testing.T, st store.Store) {
	t.Helper()
	zero, three := 0, 3
	update(t, st, func(tx store.Tx) error {
		return firstErr(
			tx.Pools().Create(&store.Pool{ID: pool, Name: "demo", Settings: []byte(`{"mfa":"OFF"}`), CreatedAt: t0, UpdatedAt: t0}),
			tx.Keys().Create(&store.SigningKey{PoolID: pool, KID: "kid-old", Use: "id", PrivateKeyDER: []byte{1, 2},
				CreatedAt: t0, RetiredAt: ptr(t0.Add(time.Hour))}),
			tx.Keys().Create(&store.SigningKey{PoolID: pool, KID: "kid-new", Use: "id", PrivateKeyDER: []byte{3, 4},
				Active: true, CreatedAt: t0.Add(time.Hour)}),
			tx.Clients().Create(&store.Client{ID: "client1", PoolID: pool, Name: "web", Settings: []byte(`{}`), CreatedAt: t0, UpdatedAt: t0}),
			tx.PoolObjects().Create(&store.PoolObject{PoolID: pool, Kind: "resource-server", Key: "solar-api",
				Body: []byte(`{"name":"Solar"}`), CreatedAt: t0, UpdatedAt: t0.Add(time.Minute)}),
			tx.PoolObjects().Create(&store.PoolObject{PoolID: pool, Kind: store.GlobalKind, Key: "my-app",
				Body: []byte(`{"managed_login_version":1}`), CreatedAt: t0, UpdatedAt: t0}),
			tx.Users().Create(user("sub-kim", "kim")),
			tx.Users().Create(user("sub-lee", "lee")),
			tx.Users().Create(user("sub-max", "max")),
			tx.Devices().Create(&store.Device{PoolID: pool, Sub: "sub-kim", Key: "us-east-1_d1", GroupKey: "-g1",
				Verifier: []byte("sealed verifier"), Salt: []byte("salt"), Status: "remembered",
				Attributes: map[string]string{"device_name": "phone"}, CreatedAt: t0, UpdatedAt: t0, LastAuthAt: t0}),
			tx.Devices().Create(&store.Device{PoolID: pool, Sub: "sub-kim", Key: "us-east-1_d2", GroupKey: "-g2",
				Verifier: []byte("v2"), Salt: []byte("s2"), CreatedAt: t0, UpdatedAt: t0, LastAuthAt: t0.Add(time.Minute)}),
			tx.WebAuthn().Create(&store.WebAuthnCredential{PoolID: pool, Sub: "sub-lee", ID: []byte{0xca, 0xfe},
				PublicKey: []byte("cose"), SignCount: 7, RelyingPartyID: "example.com", FriendlyName: "laptop",
				Attachment: "platform", Transports: []string{"internal", "hybrid"}, AAGUID: make([]byte, 16), CreatedAt: t0}),
			tx.Groups().Create(&store.Group{PoolID: pool, Name: "admins", Description: "all powers",
				RoleArn: "arn:aws:iam::123456789012:role/admin", Precedence: &zero, CreatedAt: t0, UpdatedAt: t0}),
			tx.Groups().Create(&store.Group{PoolID: pool, Name: "empty", CreatedAt: t0, UpdatedAt: t0}),
			tx.Groups().Create(&store.Group{PoolID: pool, Name: "readers", Precedence: &three, CreatedAt: t0, UpdatedAt: t0}),
			tx.Groups().AddMember(pool, "admins", "sub-kim"),
			tx.Groups().AddMember(pool, "readers", "sub-kim"),
			tx.Groups().AddMember(pool, "readers", "sub-lee"),
		)
	})
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func export(t *testing.T, st store.Store) (string, portable.Counts) {
	t.Helper()
	var b bytes.Buffer
	n, err := portable.Export(context.Background(), st, &b, t0)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), n
}

// TestRoundTrip: export, import into an empty store, export again: the
// same lines, and every record type of version 3 is there.
func TestRoundTrip(t *testing.T) {
	src := open(t)
	seed(t, src)
	first, n := export(t, src)
	want := portable.Counts{Pools: 1, Keys: 2, Clients: 1, Objects: 2, Users: 3, Devices: 2, Passkeys: 1, Groups: 3, Members: 3}
	if n != want {
		t.Errorf("export counts %v; want %v", n, want)
	}
	dst := open(t)
	got, err := portable.Import(context.Background(), dst, strings.NewReader(first), portable.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("import counts %v; want %v", got, want)
	}
	again, _ := export(t, dst)
	if diff := cmp.Diff(strings.Split(first, "\n"), strings.Split(again, "\n")); diff != "" {
		t.Errorf("re-export differs (-first +again):\n%s", diff)
	}

	// Read back through the store: what the domain will see.
	err = dst.View(context.Background(), func(tx store.Tx) error {
		d, err := tx.Devices().Get(pool, "us-east-1_d1")
		if err != nil {
			return err
		}
		if d.Sub != "sub-kim" || string(d.Verifier) != "sealed verifier" || d.Attributes["device_name"] != "phone" || !d.LastAuthAt.Equal(t0) {
			t.Errorf("device after import: %+v", d)
		}
		c, err := tx.WebAuthn().Get(pool, []byte{0xca, 0xfe})
		if err != nil {
			return err
		}
		if c.Sub != "sub-lee" || c.SignCount != 7 || !cmp.Equal(c.Transports, []string{"internal", "hybrid"}) {
			t.Errorf("passkey after import: %+v", c)
		}
		g, err := tx.Groups().Get(pool, "admins")
		if err != nil {
			return err
		}
		if g.Precedence == nil || *g.Precedence != 0 {
			t.Errorf("precedence 0 lost: %+v", g)
		}
		if g, err := tx.Groups().Get(pool, "empty"); err != nil || g.Precedence != nil {
			t.Errorf("group without precedence: %+v %v", g, err)
		}
		o, err := tx.PoolObjects().Find("my-app")
		if err != nil || o.PoolID != pool || string(o.Body) != `{"managed_login_version":1}` {
			t.Errorf("domain after import: %+v, %v", o, err)
		}
		if o, err := tx.PoolObjects().Get(pool, "resource-server", "solar-api"); err != nil || !o.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("resource server after import: %+v, %v", o, err)
		}
		members, _, err := tx.Groups().ListMembers(pool, "readers", store.Page{Limit: 10})
		if err != nil {
			return err
		}
		var subs []string
		for _, u := range members {
			subs = append(subs, u.Sub)
		}
		if !cmp.Equal(subs, []string{"sub-kim", "sub-lee"}) {
			t.Errorf("readers after import: %v", subs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLineOrder: each user is followed by its devices and passkeys, each
// group by its members, groups after users, as the format says.
func TestLineOrder(t *testing.T) {
	st := open(t)
	seed(t, st)
	out, _ := export(t, st)
	var types []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		typ, _, _ := strings.Cut(strings.TrimPrefix(l, `{"type":"`), `"`)
		types = append(types, typ)
	}
	want := []string{"header", "pool", "key", "key", "client",
		"object", "object", // by kind: domain, resource-server
		"user", "device", "device", // kim: d2 (newest sign-in) first
		"user", "passkey", // lee
		"user",                     // max
		"group", "member", "group", // admins: kim; empty
		"group", "member", "member", // readers: kim, lee
		"end"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("line types (-want +got):\n%s\n%s", diff, out)
	}
}

// A version 1 file, as written by the first release: no devices, passkeys
// or groups, and four counts.
const v1File = `{"type":"header","format":"ninshou-export","version":1,"exported_at":"2026-01-02T03:04:05.123456789Z"}
{"type":"pool","id":"us-east-1_AbCdEf123","name":"demo","settings":"e30=","created_at":"2026-03-01T12:00:00.123456789Z","updated_at":"2026-03-01T12:00:00.123456789Z"}
{"type":"key","pool_id":"us-east-1_AbCdEf123","kid":"kid-new","use":"access","private_key":"AwQ=","active":true,"created_at":"2026-03-01T12:00:00.123456789Z"}
{"type":"client","id":"client1","pool_id":"us-east-1_AbCdEf123","name":"web","settings":"e30=","created_at":"2026-03-01T12:00:00.123456789Z","updated_at":"2026-03-01T12:00:00.123456789Z"}
{"type":"user","pool_id":"us-east-1_AbCdEf123","sub":"sub-kim","username":"kim","username_key":"kim","status":"CONFIRMED","enabled":true,"attributes":{"email":"kim@example.com"},"aliases":[{"kind":"email","key":"kim@example.com"}],"password_hash":"$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA","password_set_at":"2026-03-01T12:00:00.123456789Z","created_at":"2026-03-01T12:00:00.123456789Z","updated_at":"2026-03-01T12:00:00.123456789Z"}
{"type":"end","counts":{"pool":1,"key":1,"client":1,"user":1}}
`

// TestVersion1Imports: a version 1 file still imports, and re-exports as
// version 3 with the same records.
func TestVersion1Imports(t *testing.T) {
	st := open(t)
	n, err := portable.Import(context.Background(), st, strings.NewReader(v1File), portable.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (portable.Counts{Pools: 1, Keys: 1, Clients: 1, Users: 1}); n != want {
		t.Errorf("counts %v; want %v", n, want)
	}
	out, _ := export(t, st)
	v1 := strings.Split(strings.TrimSuffix(v1File, "\n"), "\n")
	v2 := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !strings.Contains(v2[0], `"version":3`) {
		t.Errorf("re-export header %s; want version 3", v2[0])
	}
	if diff := cmp.Diff(v1[1:len(v1)-1], v2[1:len(v2)-1]); diff != "" {
		t.Errorf("records after a version 1 import (-v1 +v2):\n%s", diff)
	}
	if want := `{"type":"end","counts":{"pool":1,"key":1,"client":1,"user":1,"device":0,"passkey":0,"group":0,"member":0}}`; v2[len(v2)-1] != want {
		t.Errorf("end line %s; want %s", v2[len(v2)-1], want)
	}
}

// TestRefused: malformed files are refused with a reason naming the line,
// and leave the store empty.
func TestRefused(t *testing.T) {
	src := open(t)
	seed(t, src)
	good, _ := export(t, src)
	lines := strings.Split(strings.TrimSuffix(good, "\n"), "\n")
	find := func(typ string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, `{"type":"`+typ+`"`) {
				return i
			}
		}
		t.Fatalf("no %s line", typ)
		return -1
	}
	without := func(i int) []string { return append(append([]string{}, lines[:i]...), lines[i+1:]...) }
	moved := func(from, to int) []string {
		l := without(from)
		return append(l[:to], append([]string{lines[from]}, l[to:]...)...)
	}
	withoutType := func(typ string) []string {
		var out []string
		for _, l := range lines {
			if !strings.HasPrefix(l, `{"type":"`+typ+`"`) {
				out = append(out, l)
			}
		}
		return out
	}
	v1Header := strings.Replace(lines[0], `"version":3`, `"version":1`, 1)
	v2Header := strings.Replace(lines[0], `"version":3`, `"version":2`, 1)
	cases := []struct {
		name  string
		lines []string
		want  string
	}{
		{"newer version", append([]string{strings.Replace(lines[0], `"version":3`, `"version":4`, 1)}, lines[1:]...),
			"line 1: format version 4; this binary reads versions 1 to 3"},
		{"object in a version 2 file", append([]string{v2Header}, lines[1:]...),
			`line 6: a "object" record in a version 2 file (records of that type are new in version 3)`},
		{"device in a version 1 file", append([]string{v1Header}, withoutType("object")[1:]...),
			`line 7: a "device" record in a version 1 file (records of that type are new in version 2)`},
		{"object before its pool", moved(find("object"), 1),
			`line 2: record of pool "us-east-1_AbCdEf123" before that pool's own record`},
		{"device not after its user", moved(find("device"), find("user")+3),
			`line 11: device of user "sub-kim" (pool us-east-1_AbCdEf123) not right after that user's line`},
		{"passkey before any user", moved(find("passkey"), find("client")+1),
			`line 6: passkey of user "sub-lee" (pool us-east-1_AbCdEf123) not right after that user's line`},
		{"member not after its group", moved(find("member"), find("user")),
			`line 8: member of group "admins" (pool us-east-1_AbCdEf123) not right after that group's line`},
		{"a member line lost", without(find("member")),
			"the end line counts 1 pools, 2 keys, 1 clients, 2 pool objects, 3 users, 2 devices, 1 passkeys, 3 groups, 3 memberships, but the file holds 1 pools, 2 keys, 1 clients, 2 pool objects, 3 users, 2 devices, 1 passkeys, 3 groups, 2 memberships"},
		{"unknown device field", append(append(lines[:find("device"):find("device")],
			strings.Replace(lines[find("device")], `"type":"device",`, `"type":"device","trusted":true,`, 1)), lines[find("device")+1:]...),
			`line 9: json: unknown field "trusted"`},
		{"truncated", lines[:len(lines)-1], "no end line after line 19: the export is truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := open(t)
			_, err := portable.Import(context.Background(), st, strings.NewReader(strings.Join(c.lines, "\n")+"\n"), portable.ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("import: %v\nwant an error containing %q", err, c.want)
			}
			if out, n := export(t, st); n != (portable.Counts{}) {
				t.Errorf("a refused import left %v:\n%s", n, out)
			}
		})
	}
}
