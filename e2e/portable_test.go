package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
	"github.com/ninshou/ninshou/internal/testutil/smtptest"
)

// TestExportImportRoundTrip: a team moves from SQLite to PostgreSQL with
// ninshou export and ninshou import. Users sign in with the passwords they
// had, tokens issued before the move verify against the new JWKS, and the
// PostgreSQL store exports the very same lines, groups, members, devices
// and passkeys included.
func TestExportImportRoundTrip(t *testing.T) {
	skipSecondPass(t)
	db := freshDB(t)
	data := t.TempDir()
	c := &cluster{t: t, Mail: smtptest.Start(t), PublicURL: "http://ninshou.test", Key: sharedServerKey(t)}
	old := c.startIn("sqlite", data)
	c.Nodes = []*node{old}
	e := c.env(0)
	pool := e.pool()
	client := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(in.ExplicitAuthFlows, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth)
	}).ClientId
	e.user(pool, "kim", "kim@example.com", "Perm#Pass1")
	e.user(pool, "lee", "lee@example.com", "Perm#Pass2")
	e.tempUser(pool, "new", "new@example.com", "Temp#Pass1")
	if _, err := e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool), Username: aws.String("lee")}); err != nil {
		t.Fatal(err)
	}
	second := e.pool()
	e.client(second)
	// Pool objects (version 3): a resource server and a domain.
	if _, err := e.c.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(pool),
		Identifier: aws.String("solar-api"), Name: aws.String("Solar"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("Read")}}}); err != nil {
		t.Fatal(err)
	}
	domain := "moved-" + strings.ToLower(strings.ReplaceAll(pool, "_", "-"))
	if _, err := e.c.CreateUserPoolDomain(e.ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(pool), Domain: aws.String(domain)}); err != nil {
		t.Fatal(err)
	}
	// An identity provider and the SAML signing certificate ride the same
	// records: the certificate must be the same one after the move.
	if _, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: aws.String(pool),
		ProviderName: aws.String("Google"), ProviderType: types.IdentityProviderTypeTypeGoogle,
		ProviderDetails: map[string]string{"client_id": "g-client", "client_secret": "g-secret", "authorize_scopes": "openid"}}); err != nil {
		t.Fatal(err)
	}
	cert, err := e.c.GetSigningCertificate(e.ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatal(err)
	}
	before := e.tokens(client, "kim", "Perm#Pass1")
	kim := e.getUser(pool, "kim")
	old.kill(syscall.SIGTERM)
	// Version 2 records, written through the store: a group with members,
	// a remembered device (its verifier sealed, as the domain stores it),
	// a passkey.
	addGroupDevicePasskey(t, filepath.Join(data, "ninshou.db"), pool, attrMap(kim.UserAttributes)["sub"])

	dir := t.TempDir()
	first, again := filepath.Join(dir, "sqlite.jsonl"), filepath.Join(dir, "postgres.jsonl")
	runNinshou(t, "export", "--data", data, "--out", first)
	if fi, err := os.Stat(first); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v %v; want mode 0600", fi.Mode(), err)
	}
	exportTargets(t, data, first)
	runNinshou(t, "import", "--db", db, "--in", first)
	// A second import into the now non-empty store is refused.
	cmd := exec.Command(binary(t), "import", "--db", db, "--in", first)
	cmd.Env = cleanEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "not empty") {
		t.Errorf("import into a non-empty store: %v %s; want refused", err, out)
	}

	// The same server key: sealed secrets open on the new store too.
	c.DB = db
	c.Nodes = []*node{c.startIn("postgres", t.TempDir())}
	e = c.env(0)
	after := e.tokens(client, "kim", "Perm#Pass1")
	if _, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: before.AccessToken}); err != nil {
		t.Errorf("GetUser with a token issued by the SQLite store: %v", err)
	}
	if kidOf(t, *after.AccessToken) != kidOf(t, *before.AccessToken) {
		t.Errorf("the PostgreSQL node signs with another key than the SQLite one did")
	}
	jwks := sameJWKS(t, c, pool)
	if len(jwks.Key(kidOf(t, *before.IdToken))) != 1 {
		t.Errorf("the ID token's key is not in the JWKS after the move")
	}
	if rs, err := e.c.DescribeResourceServer(e.ctx, &cip.DescribeResourceServerInput{UserPoolId: aws.String(pool),
		Identifier: aws.String("solar-api")}); err != nil || len(rs.ResourceServer.Scopes) != 1 {
		t.Errorf("the resource server after the move: %v, %v", rs, err)
	}
	if d, err := e.c.DescribeUserPoolDomain(e.ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String(domain)}); err != nil ||
		d.DomainDescription == nil || aws.ToString(d.DomainDescription.UserPoolId) != pool {
		t.Errorf("the domain after the move: %v, %v", d, err)
	}
	if ip, err := e.c.DescribeIdentityProvider(e.ctx, &cip.DescribeIdentityProviderInput{UserPoolId: aws.String(pool),
		ProviderName: aws.String("Google")}); err != nil || ip.IdentityProvider.ProviderDetails["client_id"] != "g-client" {
		t.Errorf("the identity provider after the move: %v, %v", ip, err)
	}
	if moved, err := e.c.GetSigningCertificate(e.ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String(pool)}); err != nil ||
		aws.ToString(moved.Certificate) != aws.ToString(cert.Certificate) {
		t.Errorf("the SAML signing certificate after the move differs (%v)", err)
	}
	_, err = e.signIn(client, "lee", "Perm#Pass2")
	wantErr[*types.NotAuthorizedException](t, err, "User is disabled.")
	out, err := e.signIn(client, "new", "Temp#Pass1")
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Errorf("temporary password after the move: %v %v", err, out)
	}
	if _, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"REFRESH_TOKEN": *before.RefreshToken}}); err == nil {
		t.Errorf("a refresh token from before the move still works; refresh tokens are not exported")
	}
	c.Nodes[0].kill(syscall.SIGTERM)

	runNinshou(t, "export", "--db", db, "--out", again)
	a, b := readLines(t, first), readLines(t, again)
	if len(a) < 2 || !strings.Contains(a[0], `"type":"header"`) || !strings.Contains(a[0], `"version":3`) {
		t.Fatalf("export: %q", a)
	}
	for _, typ := range []string{"group", "member", "device", "passkey", "object"} {
		if !strings.Contains(strings.Join(b, "\n"), `{"type":"`+typ+`"`) {
			t.Errorf("no %s record in the PostgreSQL export", typ)
		}
	}
	// The sign-ins above changed no stored state but the exported_at of the header.
	if strings.Join(a[1:], "\n") != strings.Join(b[1:], "\n") {
		t.Errorf("export after import differs:\nSQLite:\n%s\nPostgreSQL:\n%s", strings.Join(a[1:], "\n"), strings.Join(b[1:], "\n"))
	}
	t.Logf("%d lines round-tripped", len(a))
}

// addGroupDevicePasskey gives the user sub of pool a group (and puts it in
// another one), a device and a passkey, through the store of a stopped
// SQLite node.
func addGroupDevicePasskey(t *testing.T, path, pool, sub string) {
	t.Helper()
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	one := 1
	err = st.Update(context.Background(), func(tx store.Tx) error {
		for _, g := range []*store.Group{
			{PoolID: pool, Name: "admins", Description: "every power", Precedence: &one, CreatedAt: now, UpdatedAt: now},
			{PoolID: pool, Name: "nobody-yet", CreatedAt: now, UpdatedAt: now},
		} {
			if err := tx.Groups().Create(g); err != nil {
				return err
			}
		}
		if err := tx.Groups().AddMember(pool, "admins", sub); err != nil {
			return err
		}
		if err := tx.Devices().Create(&store.Device{PoolID: pool, Sub: sub, Key: "us-east-1_0b9f3e4c-8a35-4d2c-9c51-1f2e3d4c5b6a",
			GroupKey: "-8a35d2c9", Verifier: []byte("sealed by the server key"), Salt: []byte("salt"), Status: "remembered",
			Attributes: map[string]string{"device_name": "kim's phone"}, CreatedAt: now, UpdatedAt: now, LastAuthAt: now}); err != nil {
			return err
		}
		return tx.WebAuthn().Create(&store.WebAuthnCredential{PoolID: pool, Sub: sub, ID: []byte("credential-id"),
			PublicKey: []byte("COSE key"), SignCount: 3, RelyingPartyID: "ninshou.test", FriendlyName: "laptop",
			Attachment: "platform", Transports: []string{"internal"}, AAGUID: make([]byte, 16), CreatedAt: now})
	})
	if err != nil {
		t.Fatalf("groups, device and passkey in the SQLite store: %v", err)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(bytes.TrimRight(b, "\n")), "\n")
}

// exportTargets: --out into a named pipe of the exporter's writes into it,
// leaving it a pipe (renaming the export over it once replaced /dev/null
// with a file); a symbolic link is refused, not followed nor replaced; a
// --data with no store is an error, not an empty export.
func exportTargets(t *testing.T, data, want string) {
	t.Helper()
	wantBytes, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(b []byte) int { return bytes.Count(b, []byte("\n")) }
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target.jsonl"), filepath.Join(dir, "link.jsonl")
	if err := os.WriteFile(target, []byte("kept\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "export", "--data", data, "--out", link)
	cmd.Env = cleanEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "is a symbolic link") {
		t.Errorf("export to a symbolic link: %v %s; want refused", err, out)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link after a refused export: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != "kept\n" {
		t.Errorf("the link's target after a refused export: %q", got)
	}

	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		read <- b
	}()
	runNinshou(t, "export", "--data", data, "--out", fifo)
	select {
	case got := <-read:
		if lines(got) != lines(wantBytes) {
			t.Errorf("the pipe carried %d lines, want %d", lines(got), lines(wantBytes))
		}
	case <-time.After(10 * time.Second):
		t.Errorf("nothing was written into the pipe") // its reader stays blocked
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe after an export into it: %v %v", fi.Mode(), err)
	}

	missing := filepath.Join(dir, "no-such-data")
	cmd = exec.Command(binary(t), "export", "--data", missing, "--out", filepath.Join(dir, "x.jsonl"))
	cmd.Env = cleanEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no store at") {
		t.Errorf("export of a --data without a store: %v %s; want refused", err, out)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("export of a --data without a store created %s", missing)
	}
	// rotate-keys neither: there is no pool to give keys to.
	cmd = exec.Command(binary(t), "rotate-keys", "--pool", "us-east-1_AbCdEf123", "--data", missing)
	cmd.Env = cleanEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no store at") {
		t.Errorf("rotate-keys in a --data without a store: %v %s; want refused", err, out)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("rotate-keys in a --data without a store created %s", missing)
	}
}
