// Package throttle applies Amazon Cognito's default request-rate quotas to
// the user pools API, so that an app's back-off can be tested: a request
// over a quota is refused with TooManyRequestsException ("Rate exceeded",
// the message Cognito's throttled callers report), before it does anything.
//
// Cognito groups operations into categories, each with a quota in requests
// per second shared by all of an account's pools in a Region; Ninshou
// counts per server process. Only the operations Cognito's documentation
// names, or whose category's description names them beyond doubt, are
// counted; the others are never throttled (the per-operation table is not
// published in a form Ninshou could follow):
//
//   - UserAuthentication, 120/s: InitiateAuth and AdminInitiateAuth.
//     RespondToAuthChallenge and AdminRespondToAuthChallenge have their own
//     quota of three times that, and what goes beyond it counts toward
//     UserAuthentication ("special request rate handling").
//   - UserCreation, 50/s: SignUp, ConfirmSignUp, AdminCreateUser,
//     AdminConfirmSignUp (the page's own example).
//   - UserAccountRecovery, 30/s: "operations that recover a user's account,
//     or change or update a user's password": ForgotPassword,
//     ConfirmForgotPassword, ChangePassword, AdminResetUserPassword,
//     AdminSetUserPassword.
//   - UserRead, 120/s: "operations that retrieve a user": GetUser,
//     AdminGetUser.
//   - UserList, 30/s: "operations that return a list of users": ListUsers,
//     ListUsersInGroup.
//
// Per user, besides: at most 10 reads a second ("signing in or getting
// profile or device information") and 10 writes ("updating profile
// information or MFA settings"), counted for the operations below that
// name their user.
//
// A quota is a token bucket holding one second's worth of requests,
// refilled continuously. A user is known by what the request names (see
// Request), so the same user under an alias or through an access token
// counts apart, and anyone may spend a named user's quota: the throttle is
// for testing an app's back-off, not a defence.
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
package throttle

import (
	"hash/maphash"
	"sync"
	"time"
)

// Category is a quota category of the user pools API.
type Category string

// The categories counted, with Cognito's default quotas (requests per
// second).
const (
	UserAuthentication  Category = "UserAuthentication"
	UserCreation        Category = "UserCreation"
	UserAccountRecovery Category = "UserAccountRecovery"
	UserRead            Category = "UserRead"
	UserList            Category = "UserList"

	// respond is the separate quota of the challenge responses.
	respond Category = "UserAuthentication/respond"
)

// quotas are the default quotas of the counted categories.
var quotas = map[Category]float64{
	UserAuthentication:  120,
	UserCreation:        50,
	UserAccountRecovery: 30,
	UserRead:            120,
	UserList:            30,
}

// perUser is the per-user quota, for reads and for writes alike.
const perUser = 10

var categoryOf = map[string]Category{
	"InitiateAuth":                UserAuthentication,
	"AdminInitiateAuth":           UserAuthentication,
	"RespondToAuthChallenge":      respond,
	"AdminRespondToAuthChallenge": respond,
	"SignUp":                      UserCreation,
	"ConfirmSignUp":               UserCreation,
	"AdminCreateUser":             UserCreation,
	"AdminConfirmSignUp":          UserCreation,
	"ForgotPassword":              UserAccountRecovery,
	"ConfirmForgotPassword":       UserAccountRecovery,
	"ChangePassword":              UserAccountRecovery,
	"AdminResetUserPassword":      UserAccountRecovery,
	"AdminSetUserPassword":        UserAccountRecovery,
	"GetUser":                     UserRead,
	"AdminGetUser":                UserRead,
	"ListUsers":                   UserList,
	"ListUsersInGroup":            UserList,
}

// userReads and userWrites are the operations counted against their user's
// read and write quotas.
var (
	userReads = map[string]bool{
		"InitiateAuth": true, "AdminInitiateAuth": true, "RespondToAuthChallenge": true, "AdminRespondToAuthChallenge": true,
		"GetUser": true, "AdminGetUser": true, "GetDevice": true, "AdminGetDevice": true, "ListDevices": true, "AdminListDevices": true,
	}
	userWrites = map[string]bool{
		"UpdateUserAttributes": true, "AdminUpdateUserAttributes": true, "DeleteUserAttributes": true, "AdminDeleteUserAttributes": true,
		"SetUserMFAPreference": true, "AdminSetUserMFAPreference": true, "SetUserSettings": true, "AdminSetUserSettings": true,
	}
)

// Counted reports whether op counts toward any quota: requests of other
// operations need not be looked at.
func Counted(op string) bool {
	_, ok := categoryOf[op]
	return ok || userReads[op] || userWrites[op]
}

// Request is what the limiter needs of a request: its operation and, when
// the request names one, its user (any string that is the same for every
// request of that user, such as the pool or client ID with the username).
type Request struct {
	Operation string
	User      string
}

// Limiter counts requests against the quotas. It is safe for concurrent
// use. Now is the clock; nil means time.Now.
type Limiter struct {
	Now func() time.Time

	mu      sync.Mutex
	seed    maphash.Seed
	buckets map[uint64]*bucket
	swept   time.Time
}

// maxBuckets bounds the buckets kept: past it, users not yet counted are
// not counted until a sweep makes room (the categories still are).
const maxBuckets = 1 << 17

type bucket struct {
	tokens float64
	last   time.Time
}

// Admit takes r's share of every quota it counts toward and reports
// whether each had room; a refused request takes nothing.
func (l *Limiter) Admit(r Request) bool {
	c, counted := categoryOf[r.Operation]
	userKind := ""
	switch {
	case r.User == "":
	case userReads[r.Operation]:
		userKind = "read"
	case userWrites[r.Operation]:
		userKind = "write"
	}
	if !counted && userKind == "" {
		return true
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[uint64]*bucket{}
		l.seed = maphash.MakeSeed()
	}
	l.sweep(now, false)
	var take []*bucket
	if userKind != "" {
		key := maphash.String(l.seed, "user "+userKind+" "+r.User)
		if _, known := l.buckets[key]; !known && len(l.buckets) >= maxBuckets {
			l.sweep(now, true)
		}
		if _, known := l.buckets[key]; known || len(l.buckets) < maxBuckets {
			b := l.bucket(key, perUser, now)
			if b.tokens < 1 {
				return false
			}
			take = append(take, b)
		}
	}
	if counted {
		b := l.bucket(maphash.String(l.seed, string(c)), quotaOf(c), now)
		if c == respond && b.tokens < 1 {
			// Beyond three times the quota, a response counts toward
			// UserAuthentication itself.
			b = l.bucket(maphash.String(l.seed, string(UserAuthentication)), quotas[UserAuthentication], now)
		}
		if b.tokens < 1 {
			return false
		}
		take = append(take, b)
	}
	for _, b := range take {
		b.tokens--
	}
	return true
}

func quotaOf(c Category) float64 {
	if c == respond {
		return 3 * quotas[UserAuthentication]
	}
	return quotas[c]
}

// sweep forgets, every ten seconds (or now, when forced), the buckets
// untouched for a second: they have refilled, so a fresh one is the same,
// and a server that has seen many users keeps no bucket for each.
func (l *Limiter) sweep(now time.Time, force bool) {
	if !force && now.Sub(l.swept) < 10*time.Second {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.last) >= time.Second {
			delete(l.buckets, k)
		}
	}
}

// bucket is key's bucket of the given rate, refilled up to now. A bucket
// holds at most one second's worth of requests.
func (l *Limiter) bucket(key uint64, rate float64, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: rate, last: now}
		l.buckets[key] = b
		return b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(rate, b.tokens+elapsed*rate)
		b.last = now
	}
	return b
}
