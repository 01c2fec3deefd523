//go:build cgo && linux

package primitives

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

// argon2_context of the reference library (argon2.h, 20171227 and later);
// the library is resolved with dlsym, so no header is needed to build.
typedef int (*nsh_alloc_fn)(uint8_t **memory, size_t bytes);
typedef void (*nsh_free_fn)(uint8_t *memory, size_t bytes);
typedef struct {
	uint8_t *out; uint32_t outlen;
	uint8_t *pwd; uint32_t pwdlen;
	uint8_t *salt; uint32_t saltlen;
	uint8_t *secret; uint32_t secretlen;
	uint8_t *ad; uint32_t adlen;
	uint32_t t_cost, m_cost, lanes, threads, version;
	nsh_alloc_fn allocate_cbk;
	nsh_free_fn free_cbk;
	uint32_t flags;
} nsh_argon2_context;

static int (*nsh_argon2_ctx_fn)(nsh_argon2_context *, int);

// nsh_argon2_load opens libargon2.so.1: 0 loaded, 1 not found, 2 argon2_ctx missing.
static int nsh_argon2_load(void) {
	void *h = dlopen("libargon2.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) return 1;
	if (!(*(void **)&nsh_argon2_ctx_fn = dlsym(h, "argon2_ctx"))) return 2;
	return 0;
}

// A few blocks of argon2 memory are kept for the next call instead of
// being given back: the library wipes them before it frees them (its
// default), so a kept block holds nothing of the password it served. Only
// blocks up to pool_max_bytes are kept, at most pool_cap of them and
// pool_max_total bytes in all, the oldest given back first, so that hashes
// of other costs (imported ones) neither stay resident nor crowd out the
// profile's own blocks.
enum { pool_cap = 16 };
static const size_t pool_max_bytes = 64u << 20;
static const size_t pool_max_total = 128u << 20;
static const size_t huge_page = 2u << 20;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *pool_mem[pool_cap]; // oldest first
static size_t pool_len[pool_cap];
static int pool_n;
static size_t pool_total;

static void pool_remove(int i) {
	pool_total -= pool_len[i];
	for (int j = i; j + 1 < pool_n; j++) {
		pool_mem[j] = pool_mem[j + 1];
		pool_len[j] = pool_len[j + 1];
	}
	pool_n--;
}

static int nsh_pool_alloc(uint8_t **memory, size_t bytes) {
	pthread_mutex_lock(&pool_mu);
	for (int i = pool_n - 1; i >= 0; i--) { // the last kept is the likeliest in cache
		if (pool_len[i] == bytes) {
			*memory = pool_mem[i];
			pool_remove(i);
			pthread_mutex_unlock(&pool_mu);
			return 0;
		}
	}
	pthread_mutex_unlock(&pool_mu);
	if (bytes < huge_page) {
		// Blocks are 1 KiB, so bytes is a multiple of the alignment.
		*memory = aligned_alloc(64, bytes);
		return *memory ? 0 : -22; // ARGON2_MEMORY_ALLOCATION_ERROR
	}
	// argon2 reads its memory at scattered offsets: on 4 KiB pages a
	// 19 MiB block outgrows the TLB, on 2 MiB pages it fits. Where the
	// kernel grants transparent huge pages only on request (madvise, as on
	// Debian), ask; elsewhere the advice is harmless and ignored.
	void *p;
	if (posix_memalign(&p, huge_page, bytes) != 0) return -22;
	madvise(p, (bytes + 4095) & ~(size_t)4095, MADV_HUGEPAGE);
	*memory = p;
	return 0;
}

static void nsh_pool_free(uint8_t *memory, size_t bytes) {
	if (bytes > pool_max_bytes) {
		free(memory);
		return;
	}
	uint8_t *evicted[pool_cap];
	int n_evicted = 0;
	pthread_mutex_lock(&pool_mu);
	while (pool_n > 0 && (pool_n == pool_cap || pool_total + bytes > pool_max_total)) {
		evicted[n_evicted++] = pool_mem[0];
		pool_remove(0);
	}
	pool_mem[pool_n] = memory;
	pool_len[pool_n] = bytes;
	pool_n++;
	pool_total += bytes;
	pthread_mutex_unlock(&pool_mu);
	for (int i = 0; i < n_evicted; i++) free(evicted[i]);
}

// nsh_argon2id computes argon2id (version 0x13) into out; lanes are
// computed one after another on the calling thread. It returns the
// library's code: 0 is success.
static int nsh_argon2id(uint8_t *out, uint32_t outlen, uint8_t *pwd, uint32_t pwdlen,
		uint8_t *salt, uint32_t saltlen, uint32_t t, uint32_t m, uint32_t lanes) {
	nsh_argon2_context c = {
		.out = out, .outlen = outlen, .pwd = pwd, .pwdlen = pwdlen,
		.salt = salt, .saltlen = saltlen,
		.t_cost = t, .m_cost = m, .lanes = lanes, .threads = 1, .version = 0x13,
		.allocate_cbk = nsh_pool_alloc, .free_cbk = nsh_pool_free,
	};
	return nsh_argon2_ctx_fn(&c, 2); // Argon2_id
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// cgoBuilt says whether the native backends are compiled in.
const cgoBuilt = true

var (
	argon2Once sync.Once
	argon2Err  error
)

func loadArgon2() error {
	argon2Once.Do(func() {
		switch C.nsh_argon2_load() {
		case 0:
		case 1:
			argon2Err = errors.New("libargon2.so.1 not found")
		default:
			argon2Err = errors.New("libargon2.so.1 lacks argon2_ctx")
		}
	})
	return argon2Err
}

// nativeArgon2ID is argon2id by the reference library, or an error when
// the library refuses the parameters.
func nativeArgon2ID(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
	if keyLen < 4 { // the library's minimum
		return nil, errors.New("primitives: libargon2 wants a key of 4 bytes or more")
	}
	out := make([]byte, keyLen)
	var pwp, saltp *C.uint8_t
	if len(pw) > 0 {
		pwp = (*C.uint8_t)(unsafe.Pointer(&pw[0]))
	}
	if len(salt) > 0 {
		saltp = (*C.uint8_t)(unsafe.Pointer(&salt[0]))
	}
	rc := C.nsh_argon2id((*C.uint8_t)(unsafe.Pointer(&out[0])), C.uint32_t(keyLen), pwp, C.uint32_t(len(pw)),
		saltp, C.uint32_t(len(salt)), C.uint32_t(time), C.uint32_t(memory), C.uint32_t(threads))
	if rc != 0 {
		return nil, fmt.Errorf("primitives: libargon2 error %d", int(rc))
	}
	return out, nil
}
