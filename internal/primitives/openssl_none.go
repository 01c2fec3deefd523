//go:build !cgo || !linux

package primitives

import (
	"crypto/rsa"
	"errors"
	"math/big"
)

func loadOpenSSL() (string, error) {
	return "", errors.New("built without cgo")
}

type nativeKey struct{}

func newNativeKey(*rsa.PrivateKey) (*nativeKey, error) {
	return nil, errors.New("primitives: built without cgo")
}

func (*nativeKey) sign([]byte, int) ([]byte, error) {
	return nil, errors.New("primitives: built without cgo")
}

func (*nativeKey) verify([]byte, []byte) bool { return false }

func nativeExpMod(_, _, _ *big.Int) (*big.Int, bool) { return nil, false }

// cgoBuilt says whether the native backends are compiled in.
const cgoBuilt = false

func loadArgon2() error { return errors.New("built without cgo") }

// Argon2Bounded is false: without cgo, argon2id runs on its caller.
func Argon2Bounded(time, memory uint32) bool { return false }

func nativeArgon2ID([]byte, []byte, uint32, uint32, uint8, uint32) ([]byte, error) {
	return nil, errors.New("primitives: built without cgo")
}
