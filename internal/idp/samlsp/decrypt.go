package samlsp

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	_ "crypto/sha1" // RSA-OAEP's default digest
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Encrypted assertions (XML Encryption 1.1): an EncryptedAssertion holds
// an EncryptedData, the Assertion under a fresh AES key, and an
// EncryptedKey, that key under the service provider's RSA key (inside the
// EncryptedData's KeyInfo, or beside it). Key transport is RSA-OAEP; the
// older RSA PKCS #1 v1.5 transport is refused (it is open to padding-oracle
// attacks). Content encryption is AES-CBC or AES-GCM.
// https://www.w3.org/TR/xmlenc-core1/
// https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf (2.3.4)

const (
	nsXENC   = "http://www.w3.org/2001/04/xmlenc#"
	nsXENC11 = "http://www.w3.org/2009/xmlenc11#"
)

// contentCiphers are the content encryption algorithms: key size in bytes,
// and whether the mode is GCM (else CBC).
var contentCiphers = map[string]struct {
	keySize int
	gcm     bool
}{
	nsXENC + "aes128-cbc":   {16, false},
	nsXENC + "aes192-cbc":   {24, false},
	nsXENC + "aes256-cbc":   {32, false},
	nsXENC11 + "aes128-gcm": {16, true},
	nsXENC11 + "aes192-gcm": {24, true},
	nsXENC11 + "aes256-gcm": {32, true},
}

// digests are the DigestMethod (and MGF) algorithms RSA-OAEP may name.
var digests = map[string]crypto.Hash{
	"http://www.w3.org/2000/09/xmldsig#sha1":        crypto.SHA1,
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
	nsXENC11 + "mgf1sha1":                           crypto.SHA1,
	nsXENC11 + "mgf1sha256":                         crypto.SHA256,
	nsXENC11 + "mgf1sha384":                         crypto.SHA384,
	nsXENC11 + "mgf1sha512":                         crypto.SHA512,
}

// decryptAssertion returns the Assertion an EncryptedAssertion holds.
func decryptAssertion(enc *etree.Element, key *rsa.PrivateKey) (*etree.Element, error) {
	data := first(enc, nsXENC, "EncryptedData")
	if data == nil {
		return nil, errors.New("samlsp: an EncryptedAssertion without EncryptedData")
	}
	alg := attr(first(data, nsXENC, "EncryptionMethod"), "Algorithm")
	c, ok := contentCiphers[alg]
	if !ok {
		return nil, fmt.Errorf("samlsp: content encryption %q is not supported", alg)
	}
	ek := first(first(data, nsDSig, "KeyInfo"), nsXENC, "EncryptedKey")
	if ek == nil {
		ek = first(enc, nsXENC, "EncryptedKey")
	}
	if ek == nil {
		return nil, errors.New("samlsp: an EncryptedAssertion without EncryptedKey")
	}
	cek, err := unwrapKey(ek, key)
	if err != nil {
		return nil, err
	}
	if len(cek) != c.keySize {
		return nil, errors.New("samlsp: the content key does not fit its algorithm")
	}
	ct, err := cipherValue(data)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	var plain []byte
	if c.gcm {
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if len(ct) < aead.NonceSize()+aead.Overhead() {
			return nil, errors.New("samlsp: the encrypted assertion is too short")
		}
		if plain, err = aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], nil); err != nil {
			return nil, errors.New("samlsp: the encrypted assertion does not decrypt")
		}
	} else {
		bs := block.BlockSize()
		if len(ct) < 2*bs || len(ct)%bs != 0 {
			return nil, errors.New("samlsp: the encrypted assertion is not whole blocks")
		}
		plain = make([]byte, len(ct)-bs)
		cipher.NewCBCDecrypter(block, ct[:bs]).CryptBlocks(plain, ct[bs:])
		// XML Encryption's padding: the last byte counts the padding bytes,
		// whose other values are arbitrary.
		n := int(plain[len(plain)-1])
		if n < 1 || n > bs {
			return nil, errors.New("samlsp: the encrypted assertion does not decrypt")
		}
		plain = plain[:len(plain)-n]
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(plain); err != nil {
		return nil, errors.New("samlsp: the decrypted assertion is not XML")
	}
	if root := d.Root(); root == nil || !is(root, nsAssertion, "Assertion") {
		return nil, errors.New("samlsp: the encrypted content is not an Assertion")
	}
	return d.Root(), nil
}

// unwrapKey decrypts an EncryptedKey with the service provider's key.
func unwrapKey(ek *etree.Element, key *rsa.PrivateKey) ([]byte, error) {
	method := first(ek, nsXENC, "EncryptionMethod")
	alg := attr(method, "Algorithm")
	if alg != nsXENC+"rsa-oaep-mgf1p" && alg != nsXENC11+"rsa-oaep" {
		return nil, fmt.Errorf("samlsp: key transport %q is not supported", alg)
	}
	hash, mgf := crypto.SHA1, crypto.SHA1
	if dm := first(method, nsDSig, "DigestMethod"); dm != nil {
		if hash, _ = digests[attr(dm, "Algorithm")]; hash == 0 {
			return nil, fmt.Errorf("samlsp: digest %q is not supported", attr(dm, "Algorithm"))
		}
	}
	if m := first(method, nsXENC11, "MGF"); m != nil && alg == nsXENC11+"rsa-oaep" {
		if mgf, _ = digests[attr(m, "Algorithm")]; mgf == 0 {
			return nil, fmt.Errorf("samlsp: mask generation %q is not supported", attr(m, "Algorithm"))
		}
	}
	var label []byte
	if p := first(method, nsXENC, "OAEPparams"); p != nil {
		var err error
		if label, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p.Text()), "")); err != nil {
			return nil, errors.New("samlsp: OAEPparams is not base64")
		}
	}
	wrapped, err := cipherValue(ek)
	if err != nil {
		return nil, err
	}
	cek, err := key.Decrypt(nil, wrapped, &rsa.OAEPOptions{Hash: hash, MGFHash: mgf, Label: label})
	if err != nil {
		return nil, errors.New("samlsp: the content key does not decrypt with this provider's key")
	}
	return cek, nil
}

// cipherValue is the bytes of an element's CipherData/CipherValue.
func cipherValue(el *etree.Element) ([]byte, error) {
	v := first(first(el, nsXENC, "CipherData"), nsXENC, "CipherValue")
	if v == nil {
		return nil, errors.New("samlsp: no CipherValue")
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v.Text()), ""))
	if err != nil {
		return nil, errors.New("samlsp: CipherValue is not base64")
	}
	return b, nil
}
