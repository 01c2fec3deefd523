package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/ninshou/ninshou/internal/primitives"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8  // lanes
}

var (
	// Standard is OWASP's recommended argon2id setting: 19 MiB, 2 passes, 1 lane.
	Standard = Params{Memory: 19 * 1024, Time: 2, Threads: 1}
	// Low is the cheapest setting argon2 allows (8 KiB per lane, one pass):
	// for tests only.
	Low = Params{Memory: 8, Time: 1, Threads: 1}
)

// Bounds on parameters read from a stored hash. They are far above anything
// Ninshou writes and far below what would exhaust a machine.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 64
	maxThreads = 64
	saltLen    = 16
	keyLen     = 32
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// ParamsFor returns the profile named by --password-cost: "standard" or "low".
func ParamsFor(name string) (Params, error) {
	switch name {
	case "standard":
		return Standard, nil
	case "low":
		return Low, nil
	}
	return Params{}, fmt.Errorf("password: unknown cost profile %q (want standard or low)", name)
}

// String renders p as in a PHC string: "m=19456,t=2,p=1".
func (p Params) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
}

func (p Params) check() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("password: threads %d out of range [1, %d]", p.Threads, maxThreads)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("password: time %d out of range [1, %d]", p.Time, maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("password: memory %d KiB out of range [%d, %d]", p.Memory, 8*uint32(p.Threads), maxMemory)
	}
	return nil
}

// ErrMalformed is returned (wrapped) by Verify for a stored string that is
// not an argon2id PHC string Ninshou can check.
var ErrMalformed = errors.New("password: malformed hash")

// Hasher hashes and verifies passwords. The zero value uses Standard and
// crypto/rand.
type Hasher struct {
	// Params are used for new hashes (and DummyVerify); zero means Standard.
	Params Params
	// Rand supplies salts; nil means crypto/rand.Reader.
	Rand io.Reader
	// MaxConcurrent bounds how many hashes run at once; zero means
	// GOMAXPROCS. Each argon2id call at Standard holds 19 MiB and a core:
	// more at once than there are cores only adds memory, not throughput.
	// Where primitives runs a cost on worker threads of its own (one per
	// core, Argon2Bounded), they are the bound, and calls queue there: a
	// worker starts the next hash as soon as one ends, which a bound here
	// would delay until the waiting goroutine is scheduled.
	MaxConcurrent int

	once  sync.Once
	slots chan struct{}
}

// derive runs argon2id under the concurrency bound.
func (h *Hasher) derive(pw, salt []byte, p Params, n uint32) []byte {
	h.once.Do(func() {
		n := h.MaxConcurrent
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		h.slots = make(chan struct{}, n)
	})
	if h.MaxConcurrent <= 0 && primitives.Argon2Bounded(p.Time, p.Memory) {
		return primitives.Argon2ID(pw, salt, p.Time, p.Memory, p.Threads, n)
	}
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return primitives.Argon2ID(pw, salt, p.Time, p.Memory, p.Threads, n)
}

func (h *Hasher) params() Params {
	if h.Params == (Params{}) {
		return Standard
	}
	return h.Params
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of pw under h.Params with a fresh salt.
func (h *Hasher) Hash(pw string) (string, error) {
	p := h.params()
	if err := p.check(); err != nil {
		return "", err
	}
	r := h.Rand
	if r == nil {
		r = rand.Reader
	}
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := h.derive([]byte(pw), salt, p, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$%s$%s$%s", argon2.Version, p, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string phc, using the
// parameters stored in phc. A malformed string, or one whose parameters are
// out of bounds, is an error wrapping ErrMalformed.
func (h *Hasher) Verify(phc, pw string) (bool, error) {
	p, salt, key, err := parse(phc)
	if err != nil {
		return false, err
	}
	got := h.derive([]byte(pw), salt, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummySalt is fixed: DummyVerify's result is thrown away, only its cost
// matters.
var dummySalt = make([]byte, saltLen)

// DummyVerify spends as long as Verify of a hash made with h.Params, and
// always fails. Call it when the user does not exist, so that "no such user"
// and "wrong password" take the same time.
func (h *Hasher) DummyVerify(pw string) {
	p := h.params()
	if p.check() != nil {
		p = Standard
	}
	key := h.derive([]byte(pw), dummySalt, p, keyLen)
	subtle.ConstantTimeCompare(key, dummySalt) // mirror Verify's compare
}

// parse splits an argon2id PHC string and checks its bounds.
func parse(phc string) (Params, []byte, []byte, error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformed, why)
	}
	if len(phc) > 512 {
		return bad("too long")
	}
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	f := strings.Split(phc, "$")
	if len(f) != 6 || f[0] != "" {
		return bad("want 5 $-separated fields")
	}
	if f[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	var p Params
	seen := 0
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return bad("parameter without value")
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("parameter " + k + " is not a number")
		}
		switch {
		case k == "m" && seen == 0:
			p.Memory = uint32(n)
		case k == "t" && seen == 1:
			p.Time = uint32(n)
		case k == "p" && seen == 2:
			if n > maxThreads {
				return bad("parameter p out of range")
			}
			p.Threads = uint8(n)
		default:
			return bad("want parameters m, t, p in that order")
		}
		seen++
	}
	if seen != 3 {
		return bad("want parameters m, t, p")
	}
	if err := p.check(); err != nil {
		return bad(err.Error())
	}
	salt, err := b64.Strict().DecodeString(f[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return bad("bad salt")
	}
	key, err := b64.Strict().DecodeString(f[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return bad("bad key")
	}
	return p, salt, key, nil
}
