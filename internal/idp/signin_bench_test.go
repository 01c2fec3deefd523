package idp

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ninshou/ninshou/internal/store"
)

// txCounter counts the store transactions a call opens.
type txCounter struct {
	store.Store
	views, updates atomic.Int64
}

func (c *txCounter) View(ctx context.Context, fn func(store.Tx) error) error {
	c.views.Add(1)
	return c.Store.View(ctx, fn)
}

func (c *txCounter) Update(ctx context.Context, fn func(store.Tx) error) error {
	c.updates.Add(1)
	return c.Store.Update(ctx, fn)
}

// BenchmarkSignIn measures a USER_PASSWORD_AUTH sign-in and a
// REFRESH_TOKEN_AUTH refresh through the domain on a real SQLite file,
// with the low password cost and real RSA signatures, one goroutine; it
// reports the store transactions each opens (reads and writes per call).
// go test ./internal/idp -run '^$' -bench SignIn
func BenchmarkSignIn(b *testing.B) {
	svc, _ := testService(&testing.T{})
	counter := &txCounter{Store: svc.Store}
	svc.Store = counter
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.Tags = map[string]string{SRPTagKey: SRPTagDisabled} // no verifier: testService has no sealer
	p, err := svc.CreatePool(ctx, "bench", settings, nil)
	if err != nil {
		b.Fatal(err)
	}
	cs := NewClientSettings()
	cs.ExplicitAuthFlows = []string{FlowAllowUserPassword, FlowAllowRefresh}
	c, err := svc.CreateClient(ctx, p.ID, ClientInput{Name: "app", ClientSettings: cs})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", MessageAction: "SUPPRESS"}); err != nil {
		b.Fatal(err)
	}
	if err := svc.AdminSetUserPassword(ctx, p.ID, "kim", "Perm#Pass1", true); err != nil {
		b.Fatal(err)
	}
	signIn := StartInput{ClientID: c.ID, AuthFlow: "USER_PASSWORD_AUTH", Params: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}}
	first, err := svc.Start(ctx, signIn)
	if err != nil || first.Result == nil {
		b.Fatalf("sign-in: %+v, %v", first, err)
	}
	refresh := StartInput{ClientID: c.ID, AuthFlow: "REFRESH_TOKEN_AUTH", Params: map[string]string{"REFRESH_TOKEN": first.Result.RefreshToken}}
	for _, bc := range []struct {
		name string
		in   StartInput
	}{{"password", signIn}, {"refresh", refresh}} {
		b.Run(bc.name, func(b *testing.B) {
			counter.views.Store(0)
			counter.updates.Store(0)
			n := 0
			for b.Loop() {
				if step, err := svc.Start(ctx, bc.in); err != nil || step.Result == nil {
					b.Fatalf("%+v, %v", step, err)
				}
				n++
			}
			b.ReportMetric(float64(counter.views.Load())/float64(n), "reads/op")
			b.ReportMetric(float64(counter.updates.Load())/float64(n), "writes/op")
		})
	}
}
