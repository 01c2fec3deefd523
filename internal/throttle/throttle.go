// Package throttle applies Amazon Cognito's default request-rate quotas to
// the user pools API, so that an app's back-off can be tested: a request
// over a quota is refused with TooManyRequestsException ("Rate exceeded",
// the message Cognito's throttled callers report), before it does anything.
//
// Cognito groups operations into categories, each with a quota in requests
// per second shared by all of an account's pools in a Region; Ninshou
// counts per server process. The categories, their operations and default
// quotas are the page's table ("Amazon Cognito user pools API operation
// categories and request rate quotas"):
//
//   - UserAuthentication, 120/s: InitiateAuth, AdminInitiateAuth,
//     GetTokensFromRefreshToken. RespondToAuthChallenge and
//     AdminRespondToAuthChallenge have their own quota of three times that,
//     and what goes beyond it counts toward UserAuthentication ("special
//     request rate handling"); an answer to NEW_PASSWORD_REQUIRED counts
//     toward UserAccountRecovery instead (the table's note 1).
//   - UserCreation, 50/s: SignUp, ConfirmSignUp, AdminCreateUser,
//     AdminConfirmSignUp.
//   - UserAccountRecovery, 30/s: ForgotPassword, ConfirmForgotPassword,
//     ChangePassword, AdminResetUserPassword, AdminSetUserPassword.
//   - UserRead, 120/s: GetUser, AdminGetUser, and the auth factors
//     (the table names "AdminGetUserAuthFactors", an operation the API does
//     not have; GetUserAuthFactors is its only match).
//   - UserUpdate 25/s, UserToken 120/s (RevokeToken), UserResourceRead
//     50/s, UserResourceUpdate 25/s, UserList 30/s, UserPoolRead 15/s,
//     UserPoolUpdate 15/s, UserPoolResourceRead 20/s, UserPoolResourceUpdate
//     15/s, UserPoolClientRead 15/s, UserPoolClientUpdate 15/s: the
//     operations categoryOf lists. In the last four, each operation is also
//     held to 5 a second per user pool (note 3).
//
// The operations the table does not list (passkeys, terms, client secrets,
// log delivery) are not throttled. The managed login pages and the OAuth
// endpoints, which the table also counts, are not either.
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
	UserAuthentication     Category = "UserAuthentication"
	UserCreation           Category = "UserCreation"
	UserAccountRecovery    Category = "UserAccountRecovery"
	UserRead               Category = "UserRead"
	UserUpdate             Category = "UserUpdate"
	UserToken              Category = "UserToken"
	UserResourceRead       Category = "UserResourceRead"
	UserResourceUpdate     Category = "UserResourceUpdate"
	UserList               Category = "UserList"
	UserPoolRead           Category = "UserPoolRead"
	UserPoolUpdate         Category = "UserPoolUpdate"
	UserPoolResourceRead   Category = "UserPoolResourceRead"
	UserPoolResourceUpdate Category = "UserPoolResourceUpdate"
	UserPoolClientRead     Category = "UserPoolClientRead"
	UserPoolClientUpdate   Category = "UserPoolClientUpdate"

	// respond is the separate quota of the challenge responses.
	respond Category = "UserAuthentication/respond"
)

// quotas are the default quotas of the counted categories.
var quotas = map[Category]float64{
	UserAuthentication:     120,
	UserCreation:           50,
	UserAccountRecovery:    30,
	UserRead:               120,
	UserUpdate:             25,
	UserToken:              120,
	UserResourceRead:       50,
	UserResourceUpdate:     25,
	UserList:               30,
	UserPoolRead:           15,
	UserPoolUpdate:         15,
	UserPoolResourceRead:   20,
	UserPoolResourceUpdate: 15,
	UserPoolClientRead:     15,
	UserPoolClientUpdate:   15,
}

// perPool are the categories whose operations are each held to perPoolRate
// requests a second for one user pool (the table's note 3).
var perPool = map[Category]bool{UserPoolResourceRead: true, UserPoolResourceUpdate: true,
	UserPoolClientRead: true, UserPoolClientUpdate: true}

const perPoolRate = 5

// perUser is the per-user quota, for reads and for writes alike.
const perUser = 10

var categoryOf = map[string]Category{}

func init() {
	for c, ops := range map[Category][]string{
		UserAuthentication:  {"InitiateAuth", "AdminInitiateAuth", "GetTokensFromRefreshToken"},
		respond:             {"RespondToAuthChallenge", "AdminRespondToAuthChallenge"},
		UserCreation:        {"SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"},
		UserAccountRecovery: {"ForgotPassword", "ConfirmForgotPassword", "ChangePassword", "AdminResetUserPassword", "AdminSetUserPassword"},
		UserRead:            {"GetUser", "AdminGetUser", "GetUserAuthFactors"},
		UserUpdate: {"AdminAddUserToGroup", "AdminDeleteUserAttributes", "AdminUpdateUserAttributes", "AdminDeleteUser",
			"AdminDisableUser", "AdminEnableUser", "AdminLinkProviderForUser", "AdminDisableProviderForUser", "VerifyUserAttribute",
			"DeleteUser", "DeleteUserAttributes", "UpdateUserAttributes", "AdminUserGlobalSignOut", "GlobalSignOut",
			"AdminRemoveUserFromGroup"},
		UserToken: {"RevokeToken"},
		UserResourceRead: {"AdminGetDevice", "AdminListGroupsForUser", "AdminListDevices", "GetDevice", "ListDevices",
			"GetUserAttributeVerificationCode", "ResendConfirmationCode", "AdminListUserAuthEvents"},
		UserResourceUpdate: {"AdminForgetDevice", "AdminUpdateAuthEventFeedback", "AdminSetUserMFAPreference",
			"AdminSetUserSettings", "AdminUpdateDeviceStatus", "UpdateDeviceStatus", "UpdateAuthEventFeedback", "ConfirmDevice",
			"SetUserMFAPreference", "SetUserSettings", "VerifySoftwareToken", "AssociateSoftwareToken", "ForgetDevice"},
		UserList:       {"ListUsers", "ListUsersInGroup"},
		UserPoolRead:   {"DescribeUserPool", "ListUserPools"},
		UserPoolUpdate: {"CreateUserPool", "UpdateUserPool", "DeleteUserPool"},
		UserPoolResourceRead: {"DescribeIdentityProvider", "DescribeResourceServer", "DescribeUserImportJob",
			"DescribeUserPoolDomain", "GetCSVHeader", "GetGroup", "GetSigningCertificate", "GetIdentityProviderByIdentifier",
			"GetUserPoolMfaConfig", "ListGroups", "ListIdentityProviders", "ListResourceServers", "ListTagsForResource",
			"ListUserImportJobs", "DescribeRiskConfiguration", "GetUICustomization", "DescribeManagedLoginBranding",
			"DescribeManagedLoginBrandingByClient"},
		UserPoolResourceUpdate: {"AddCustomAttributes", "CreateGroup", "CreateIdentityProvider", "CreateResourceServer",
			"CreateUserImportJob", "CreateUserPoolDomain", "DeleteGroup", "DeleteIdentityProvider", "DeleteResourceServer",
			"DeleteUserPoolDomain", "SetUserPoolMfaConfig", "StartUserImportJob", "StopUserImportJob", "UpdateGroup",
			"UpdateIdentityProvider", "UpdateResourceServer", "UpdateUserPoolDomain", "SetRiskConfiguration",
			"SetUICustomization", "TagResource", "UntagResource", "CreateManagedLoginBranding", "UpdateManagedLoginBranding",
			"DeleteManagedLoginBranding"},
		UserPoolClientRead:   {"DescribeUserPoolClient", "ListUserPoolClients"},
		UserPoolClientUpdate: {"CreateUserPoolClient", "DeleteUserPoolClient", "UpdateUserPoolClient"},
	} {
		for _, op := range ops {
			categoryOf[op] = c
		}
	}
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
// request of that user, such as the pool or client ID with the username),
// its user pool (or the resource ARN that names it), and the challenge a
// response answers.
type Request struct {
	Operation string
	User      string
	Pool      string
	Challenge string
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
	if c == respond && r.Challenge == "NEW_PASSWORD_REQUIRED" {
		c = UserAccountRecovery
	}
	if counted && perPool[c] && r.Pool != "" {
		b := l.bucket(maphash.String(l.seed, "pool "+r.Operation+" "+r.Pool), perPoolRate, now)
		if b.tokens < 1 {
			return false
		}
		take = append(take, b)
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
