//go:build cgo && linux

package primitives

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

// Costly calls run on worker threads of their own (see argon2Queue): a
// job carries C copies of its inputs, since the worker keeps them after
// the submitting call has returned.
typedef struct nsh_job {
	struct nsh_job *next;
	uint8_t *out, *pwd, *salt;
	uint32_t outlen, pwdlen, saltlen, t, m, lanes;
	int rc;
} nsh_job;

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static nsh_job *q_head, *q_tail;
static int q_done_fd = -1;

// nsh_worker takes jobs in order and computes them; each finished job's
// address is written to q_done_fd, where Go's poller reads it.
static void *nsh_worker(void *arg) {
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q_mu);
		while (!q_head) pthread_cond_wait(&q_cv, &q_mu);
		nsh_job *j = q_head;
		q_head = j->next;
		if (!q_head) q_tail = NULL;
		pthread_mutex_unlock(&q_mu);
		j->rc = nsh_argon2id(j->out, j->outlen, j->pwd, j->pwdlen, j->salt, j->saltlen, j->t, j->m, j->lanes);
		for (;;) { // 8 bytes, under PIPE_BUF: written whole or not at all
			ssize_t n = write(q_done_fd, &j, sizeof j);
			if (n == (ssize_t)sizeof j) break;
			// Nothing closes the pipe; a write that fails otherwise would
			// leave the job's caller waiting forever: better to stop.
			if (n >= 0 || errno != EINTR) abort();
		}
	}
	return NULL;
}

// nsh_start_workers starts n detached workers that report to done_fd,
// with every signal blocked (Go's handlers are for Go's threads). It
// returns how many started.
static int nsh_start_workers(int n, int done_fd) {
	q_done_fd = done_fd;
	int started = 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (; started < n; started++) {
		pthread_t t;
		if (pthread_create(&t, &attr, nsh_worker, NULL) != 0) break;
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return started;
}

// nsh_job_new allocates a job with room for its inputs and output.
static nsh_job *nsh_job_new(uint32_t pwdlen, uint32_t saltlen, uint32_t outlen) {
	nsh_job *j = calloc(1, sizeof *j);
	if (!j) return NULL;
	j->pwd = malloc(pwdlen ? pwdlen : 1);
	j->salt = malloc(saltlen ? saltlen : 1);
	j->out = malloc(outlen);
	if (!j->pwd || !j->salt || !j->out) {
		free(j->pwd); free(j->salt); free(j->out); free(j);
		return NULL;
	}
	j->pwdlen = pwdlen; j->saltlen = saltlen; j->outlen = outlen;
	return j;
}

// nsh_job_free wipes the password and the key before it frees them.
static void nsh_job_free(nsh_job *j) {
	explicit_bzero(j->pwd, j->pwdlen);
	explicit_bzero(j->out, j->outlen);
	free(j->pwd); free(j->salt); free(j->out); free(j);
}

static void nsh_submit(nsh_job *j) {
	j->next = NULL;
	pthread_mutex_lock(&q_mu);
	if (q_tail) q_tail->next = j; else q_head = j;
	q_tail = j;
	pthread_cond_signal(&q_cv);
	pthread_mutex_unlock(&q_mu);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
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

// queuedArgon2Work is the cost (KiB x passes) from which a call goes to
// the worker threads, about 4 ms of CPU: below it, the hand-over to a
// worker and back would be a good part of the call.
const queuedArgon2Work = 8192

// argon2Queue runs costly argon2id calls on worker threads of its own, one
// per core, outside Go's scheduler. A goroutine blocked for 17 ms in a cgo
// call is, to the runtime, in a system call: its monitor thread wakes every
// 20 µs to hand the call's P to another thread, and when the call returns,
// the next waiting goroutine has to be woken and scheduled before that core
// hashes again. A worker instead takes the next queued job the moment one
// ends, and its submitter waits in the netpoller for a pipe to say it is
// done. The workers are also the bound on concurrent calls, and on the
// memory they hold.
var argon2Queue struct {
	once    sync.Once
	err     error
	mu      sync.Mutex
	waiting map[uintptr]chan struct{} // by job address
	done    atomic.Int64              // jobs computed, for tests
}

// Argon2Bounded reports whether Argon2ID at these costs runs on the
// package's worker threads, one per core, which bound how many calls run
// at once (and the memory they hold): callers need no bound of their own.
func Argon2Bounded(time, memory uint32) bool {
	if _, a2 := inUse(); !a2 {
		return false
	}
	return uint64(time)*uint64(memory) >= queuedArgon2Work && startArgon2Workers() == nil
}

func startArgon2Workers() error {
	q := &argon2Queue
	q.once.Do(func() {
		var fds [2]int
		if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
			q.err = err
			return
		}
		if err := syscall.SetNonblock(fds[0], true); err != nil {
			syscall.Close(fds[0])
			syscall.Close(fds[1])
			q.err = err
			return
		}
		done := os.NewFile(uintptr(fds[0]), "argon2id-done") // non-blocking: read in the netpoller
		if C.nsh_start_workers(C.int(runtime.GOMAXPROCS(0)), C.int(fds[1])) == 0 {
			done.Close()
			syscall.Close(fds[1])
			q.err = errors.New("primitives: no argon2id worker thread started")
			return
		}
		q.waiting = map[uintptr]chan struct{}{}
		go dispatchArgon2(done)
	})
	return q.err
}

// dispatchArgon2 wakes the submitter of each job whose address a worker
// wrote to the pipe.
func dispatchArgon2(done *os.File) {
	const word = int(unsafe.Sizeof(uintptr(0)))
	buf := make([]byte, 64*word)
	have := 0
	for {
		n, err := done.Read(buf[have:])
		if err != nil {
			// Nothing closes the pipe, so this cannot happen; were it to,
			// every later caller would wait forever: better to stop.
			panic("primitives: argon2id workers' pipe: " + err.Error())
		}
		have += n
		whole := have - have%word
		q := &argon2Queue
		for i := 0; i < whole; i += word {
			job := *(*uintptr)(unsafe.Pointer(&buf[i]))
			q.mu.Lock()
			ch := q.waiting[job]
			delete(q.waiting, job)
			q.mu.Unlock()
			q.done.Add(1)
			close(ch)
		}
		have = copy(buf, buf[whole:have])
	}
}

// queuedArgon2ID computes argon2id on a worker thread (argon2Queue).
func queuedArgon2ID(pw, salt []byte, time, memory uint32, lanes uint8, keyLen uint32) ([]byte, error) {
	j := C.nsh_job_new(C.uint32_t(len(pw)), C.uint32_t(len(salt)), C.uint32_t(keyLen))
	if j == nil {
		return nil, errors.New("primitives: out of memory for an argon2id job")
	}
	defer C.nsh_job_free(j)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(j.pwd)), len(pw)), pw)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(j.salt)), len(salt)), salt)
	j.t, j.m, j.lanes = C.uint32_t(time), C.uint32_t(memory), C.uint32_t(lanes)
	done := make(chan struct{})
	q := &argon2Queue
	q.mu.Lock()
	q.waiting[uintptr(unsafe.Pointer(j))] = done
	q.mu.Unlock()
	C.nsh_submit(j)
	<-done
	if j.rc != 0 {
		return nil, fmt.Errorf("primitives: libargon2 error %d", int(j.rc))
	}
	return C.GoBytes(unsafe.Pointer(j.out), C.int(keyLen)), nil
}

// nativeArgon2ID is argon2id by the reference library, or an error when
// the library refuses the parameters.
func nativeArgon2ID(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
	if keyLen < 4 { // the library's minimum
		return nil, errors.New("primitives: libargon2 wants a key of 4 bytes or more")
	}
	if uint64(time)*uint64(memory) >= queuedArgon2Work && startArgon2Workers() == nil {
		return queuedArgon2ID(pw, salt, time, memory, threads, keyLen)
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
