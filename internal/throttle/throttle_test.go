package throttle

import (
	"strconv"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// admitted counts how many of n requests the limiter lets through at once.
func admitted(l *Limiter, n int, r func(i int) Request) int {
	ok := 0
	for i := range n {
		if l.Admit(r(i)) {
			ok++
		}
	}
	return ok
}

func op(name string) func(int) Request { return func(int) Request { return Request{Operation: name} } }

func TestCategoryQuotas(t *testing.T) {
	for _, c := range []struct {
		op   string
		want int
	}{{"AdminInitiateAuth", 120}, {"SignUp", 50}, {"ForgotPassword", 30}, {"AdminGetUser", 120}, {"ListUsers", 30}} {
		clk := &clock{t: time.Unix(1e9, 0)}
		l := &Limiter{Now: clk.now}
		if got := admitted(l, 200, op(c.op)); got != c.want {
			t.Errorf("%s: %d of 200 at once, want %d", c.op, got, c.want)
		}
		// The bucket refills continuously: a tenth of a second later, a
		// tenth of the quota more.
		clk.advance(100 * time.Millisecond)
		if got := admitted(l, 200, op(c.op)); got != c.want/10 {
			t.Errorf("%s: %d after 100 ms, want %d", c.op, got, c.want/10)
		}
		// Never more than a second's worth, however long it waited.
		clk.advance(time.Hour)
		if got := admitted(l, 200, op(c.op)); got != c.want {
			t.Errorf("%s: %d after an hour, want %d", c.op, got, c.want)
		}
	}
}

// Operations of one category share its quota; other categories and
// uncounted operations are not touched.
func TestCategoriesShared(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := &Limiter{Now: clk.now}
	names := []string{"SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"}
	if got := admitted(l, 100, func(i int) Request { return Request{Operation: names[i%4]} }); got != 50 {
		t.Errorf("UserCreation's four operations together: %d, want 50", got)
	}
	if !l.Admit(Request{Operation: "AdminGetUser"}) || !l.Admit(Request{Operation: "DescribeUserPool"}) {
		t.Error("a full UserCreation throttled other operations")
	}
	if got := admitted(l, 1000, op("ListWebAuthnCredentials")); got != 1000 {
		t.Errorf("an operation no category lists: %d of 1000", got)
	}
}

// "RespondToAuthChallenge and AdminRespondToAuthChallenge are subject to a
// separate quota that is three times the UserAuthentication category
// limit... Beyond [it], the excess rate counts towards the
// UserAuthentication category quota."
func TestRespondToAuthChallengeQuota(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := &Limiter{Now: clk.now}
	if got := admitted(l, 600, op("RespondToAuthChallenge")); got != 360+120 {
		t.Errorf("responses at once: %d, want 360 of their own and 120 of UserAuthentication's", got)
	}
	if l.Admit(Request{Operation: "InitiateAuth"}) {
		t.Error("the responses' excess left UserAuthentication room")
	}
	clk.advance(time.Second)
	if got := admitted(l, 100, op("InitiateAuth")); got != 100 {
		t.Errorf("sign-ins after a second: %d of 100", got)
	}
	if got := admitted(l, 400, op("AdminRespondToAuthChallenge")); got != 360+20 {
		t.Errorf("responses after 100 sign-ins: %d, want 380", got)
	}
}

// Ten reads and ten writes a second per user, on top of the categories.
func TestPerUserQuotas(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := &Limiter{Now: clk.now}
	kim := func(name string) func(int) Request {
		return func(int) Request { return Request{Operation: name, User: "pool/kim"} }
	}
	if got := admitted(l, 30, kim("AdminGetUser")); got != 10 {
		t.Errorf("reads of one user: %d, want 10", got)
	}
	if l.Admit(Request{Operation: "GetDevice", User: "pool/kim"}) {
		t.Error("a device read past kim's 10 reads was admitted")
	}
	if got := admitted(l, 30, kim("AdminUpdateUserAttributes")); got != 10 {
		t.Errorf("writes of one user: %d, want 10 (reads and writes count apart)", got)
	}
	if !l.Admit(Request{Operation: "AdminGetUser", User: "pool/lee"}) {
		t.Error("another user was throttled")
	}
	// A refused request takes nothing: UserRead spent 11 (10 kim, 1 lee).
	if got := admitted(l, 200, op("AdminGetUser")); got != 120-11 {
		t.Errorf("UserRead left %d, want %d", got, 120-11)
	}
}

// Buckets of users not seen for a while are forgotten, and nothing of
// them is lost: they had refilled.
func TestSweep(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := &Limiter{Now: clk.now}
	for i := range 1000 {
		l.Admit(Request{Operation: "AdminGetUser", User: string(rune('a'+i%26)) + string(rune(i))})
	}
	clk.advance(11 * time.Second)
	l.Admit(Request{Operation: "ListWebAuthnCredentials", User: "x"})
	l.Admit(Request{Operation: "AdminGetUser"})
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets after the sweep, want the one just used", n)
	}
}

// However many users a burst names, the buckets stay bounded: past the
// bound a new user goes uncounted until a sweep makes room.
func TestBucketsBounded(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := &Limiter{Now: clk.now}
	// GetDevice's category would refuse the burst first: out of the way.
	defer func(q float64) { quotas[UserResourceRead] = q }(quotas[UserResourceRead])
	quotas[UserResourceRead] = 1e9
	for i := range maxBuckets + 10 {
		if !l.Admit(Request{Operation: "GetDevice", User: "pool/u" + strconv.Itoa(i)}) {
			t.Fatalf("user %d's first read refused", i)
		}
	}
	if n := len(l.buckets); n != maxBuckets {
		t.Fatalf("%d buckets after %d users, want the bound %d", n, maxBuckets+10, maxBuckets)
	}
	clk.advance(2 * time.Second)
	l.Admit(Request{Operation: "GetDevice", User: "pool/new"})
	if n := len(l.buckets); n != 2 {
		t.Errorf("%d buckets after the forced sweep, want 2 (the new user's, and the category's)", n)
	}
}

// Every operation of the quota table counts toward its category (note 1:
// an answer to NEW_PASSWORD_REQUIRED toward UserAccountRecovery), and in
// the pool resource and client categories each operation is held to 5 a
// second per user pool (note 3).
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
func TestQuotaTable(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := &Limiter{Now: clk.now}
	if got := admitted(l, 100, op("AdminAddUserToGroup")); got != 25 {
		t.Errorf("UserUpdate: %d, want 25", got)
	}
	if got := admitted(l, 100, op("DescribeUserPool")); got != 15 {
		t.Errorf("UserPoolRead: %d, want 15", got)
	}
	if got := admitted(l, 200, op("GetTokensFromRefreshToken")); got != 120 {
		t.Errorf("GetTokensFromRefreshToken in UserAuthentication: %d, want 120", got)
	}
	newPassword := func(int) Request {
		return Request{Operation: "RespondToAuthChallenge", Challenge: "NEW_PASSWORD_REQUIRED"}
	}
	if got := admitted(l, 100, newPassword); got != 30 {
		t.Errorf("NEW_PASSWORD_REQUIRED answers in UserAccountRecovery: %d, want 30", got)
	}
	if l.Admit(Request{Operation: "ForgotPassword"}) {
		t.Error("UserAccountRecovery had room after 30 NEW_PASSWORD_REQUIRED answers")
	}
	onePool := func(int) Request { return Request{Operation: "ListGroups", Pool: "us-east-1_a"} }
	if got := admitted(l, 20, onePool); got != 5 {
		t.Errorf("ListGroups on one pool: %d, want 5", got)
	}
	otherPool := func(i int) Request { return Request{Operation: "ListGroups", Pool: "us-east-1_" + strconv.Itoa(i)} }
	if got := admitted(l, 40, otherPool); got != 15 {
		t.Errorf("ListGroups across pools: %d, want the category's 20 less the 5 spent", got)
	}
}
