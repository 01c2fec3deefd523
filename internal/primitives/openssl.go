//go:build cgo && linux

package primitives

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

// The few libcrypto 3 entry points used, resolved with dlsym so that
// building needs no OpenSSL headers and running needs no libcrypto unless it
// is there. Opaque types stay void.
static struct {
	unsigned long (*version_num)(void);
	const char *(*version)(int);
	void *(*d2i_auto_private_key)(void **, const unsigned char **, long);
	void (*pkey_free)(void *);
	void *(*pkey_ctx_new)(void *, void *);
	void (*pkey_ctx_free)(void *);
	int (*sign_init)(void *);
	int (*set_rsa_padding)(void *, int);
	int (*set_signature_md)(void *, const void *);
	const void *(*sha256)(void);
	int (*sign)(void *, unsigned char *, size_t *, const unsigned char *, size_t);
	int (*verify_init)(void *);
	int (*verify)(void *, const unsigned char *, size_t, const unsigned char *, size_t);
	void *(*bn_ctx_new)(void);
	void (*bn_ctx_free)(void *);
	void *(*bn_bin2bn)(const unsigned char *, int, void *);
	int (*bn_bn2binpad)(const void *, unsigned char *, int);
	void (*bn_clear_free)(void *);
	void *(*bn_new)(void);
	int (*bn_mod_exp_mont_consttime)(void *, const void *, const void *, const void *, void *, void *);
} ossl;

#define RESOLVE(field, name) \
	if (!(*(void **)&ossl.field = dlsym(h, name))) return 2;

// nsh_load opens libcrypto.so.3: 0 loaded, 1 not found, 2 a symbol missing,
// 3 older than 3.0.
static int nsh_load(void) {
	void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (!h) return 1;
	RESOLVE(version_num, "OpenSSL_version_num");
	RESOLVE(version, "OpenSSL_version");
	RESOLVE(d2i_auto_private_key, "d2i_AutoPrivateKey");
	RESOLVE(pkey_free, "EVP_PKEY_free");
	RESOLVE(pkey_ctx_new, "EVP_PKEY_CTX_new");
	RESOLVE(pkey_ctx_free, "EVP_PKEY_CTX_free");
	RESOLVE(sign_init, "EVP_PKEY_sign_init");
	RESOLVE(set_rsa_padding, "EVP_PKEY_CTX_set_rsa_padding");
	RESOLVE(set_signature_md, "EVP_PKEY_CTX_set_signature_md");
	RESOLVE(sha256, "EVP_sha256");
	RESOLVE(sign, "EVP_PKEY_sign");
	RESOLVE(verify_init, "EVP_PKEY_verify_init");
	RESOLVE(verify, "EVP_PKEY_verify");
	RESOLVE(bn_ctx_new, "BN_CTX_new");
	RESOLVE(bn_ctx_free, "BN_CTX_free");
	RESOLVE(bn_bin2bn, "BN_bin2bn");
	RESOLVE(bn_bn2binpad, "BN_bn2binpad");
	RESOLVE(bn_clear_free, "BN_clear_free");
	RESOLVE(bn_new, "BN_new");
	RESOLVE(bn_mod_exp_mont_consttime, "BN_mod_exp_mont_consttime");
	if (ossl.version_num() < 0x30000000UL) return 3;
	return 0;
}

static const char *nsh_version(void) { return ossl.version(0); }

static void *nsh_key(const unsigned char *der, long n) {
	return ossl.d2i_auto_private_key(NULL, &der, n);
}

static void nsh_key_free(void *k) { ossl.pkey_free(k); }

// nsh_sign writes the PKCS #1 v1.5 SHA-256 signature of a 32-byte digest
// into sig (cap bytes) and returns its length, or -1.
static long nsh_sign(void *key, const unsigned char *digest, unsigned char *sig, size_t cap) {
	long ret = -1;
	size_t n = cap;
	void *ctx = ossl.pkey_ctx_new(key, NULL);
	if (!ctx) return -1;
	if (ossl.sign_init(ctx) > 0 &&
	    ossl.set_rsa_padding(ctx, 1) > 0 &&      // RSA_PKCS1_PADDING
	    ossl.set_signature_md(ctx, ossl.sha256()) > 0 &&
	    ossl.sign(ctx, sig, &n, digest, 32) > 0)
		ret = (long)n;
	ossl.pkey_ctx_free(ctx);
	return ret;
}

// nsh_verify checks a PKCS #1 v1.5 SHA-256 signature of a 32-byte digest:
// 1 valid, 0 not.
static int nsh_verify(void *key, const unsigned char *digest, const unsigned char *sig, size_t n) {
	int ok = 0;
	void *ctx = ossl.pkey_ctx_new(key, NULL);
	if (!ctx) return 0;
	if (ossl.verify_init(ctx) > 0 &&
	    ossl.set_rsa_padding(ctx, 1) > 0 &&
	    ossl.set_signature_md(ctx, ossl.sha256()) > 0 &&
	    ossl.verify(ctx, sig, n, digest, 32) == 1)
		ok = 1;
	ossl.pkey_ctx_free(ctx);
	return ok;
}

// nsh_exp_mod writes base^exp mod m, big-endian and left-padded to mlen
// bytes, into out. It returns 1, or 0 on failure.
static int nsh_exp_mod(const unsigned char *base, int blen, const unsigned char *exp, int elen,
		const unsigned char *m, int mlen, unsigned char *out) {
	int ok = 0;
	void *ctx = ossl.bn_ctx_new();
	void *b = ossl.bn_bin2bn(base, blen, NULL);
	void *e = ossl.bn_bin2bn(exp, elen, NULL);
	void *mod = ossl.bn_bin2bn(m, mlen, NULL);
	void *r = ossl.bn_new();
	if (ctx && b && e && mod && r &&
	    ossl.bn_mod_exp_mont_consttime(r, b, e, mod, ctx, NULL) > 0 &&
	    ossl.bn_bn2binpad(r, out, mlen) == mlen)
		ok = 1;
	if (r) ossl.bn_clear_free(r);
	if (mod) ossl.bn_clear_free(mod);
	if (e) ossl.bn_clear_free(e);
	if (b) ossl.bn_clear_free(b);
	if (ctx) ossl.bn_ctx_free(ctx);
	return ok;
}
*/
import "C"

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"runtime"
	"sync"
	"unsafe"
)

var (
	loadOnce    sync.Once
	loadVersion string
	loadErr     error
)

func loadOpenSSL() (string, error) {
	loadOnce.Do(func() {
		switch C.nsh_load() {
		case 0:
			loadVersion = C.GoString(C.nsh_version())
		case 1:
			loadErr = errors.New("libcrypto.so.3 not found")
		case 2:
			loadErr = errors.New("libcrypto.so.3 lacks a function used")
		default:
			loadErr = errors.New("libcrypto is older than 3.0")
		}
	})
	return loadVersion, loadErr
}

// nativeKey is an EVP_PKEY, freed when the key is collected.
type nativeKey struct{ p unsafe.Pointer }

func newNativeKey(priv *rsa.PrivateKey) (*nativeKey, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	p := C.nsh_key((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	clear(der)
	if p == nil {
		return nil, errors.New("primitives: OpenSSL refused the key")
	}
	k := &nativeKey{p: p}
	runtime.AddCleanup(k, func(p unsafe.Pointer) { C.nsh_key_free(p) }, p)
	return k, nil
}

func (k *nativeKey) sign(digest []byte, size int) ([]byte, error) {
	sig := make([]byte, size)
	n := C.nsh_sign(k.p, (*C.uchar)(unsafe.Pointer(&digest[0])), (*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(size))
	runtime.KeepAlive(k)
	if n != C.long(size) {
		return nil, errors.New("primitives: OpenSSL could not sign")
	}
	return sig, nil
}

func (k *nativeKey) verify(digest, sig []byte) bool {
	ok := C.nsh_verify(k.p, (*C.uchar)(unsafe.Pointer(&digest[0])), (*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(len(sig)))
	runtime.KeepAlive(k)
	return ok == 1
}

func nativeExpMod(base, exp, m *big.Int) (*big.Int, bool) {
	mb := m.Bytes()
	out := make([]byte, len(mb))
	bb, eb := nonEmpty(base.Bytes()), nonEmpty(exp.Bytes())
	ok := C.nsh_exp_mod(
		(*C.uchar)(unsafe.Pointer(&bb[0])), C.int(len(bb)),
		(*C.uchar)(unsafe.Pointer(&eb[0])), C.int(len(eb)),
		(*C.uchar)(unsafe.Pointer(&mb[0])), C.int(len(mb)),
		(*C.uchar)(unsafe.Pointer(&out[0])))
	clear(eb)
	if ok != 1 {
		return nil, false
	}
	return new(big.Int).SetBytes(out), true
}

// nonEmpty gives zero a one-byte encoding, so there is a first byte to point at.
func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte{0}
	}
	return b
}
