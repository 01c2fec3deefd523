package srp

import (
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"testing"
	"time"
)

// Appendix B.2 of research/cognito-semantics.md: computed independently of
// this package and cross-checked against pycognito's client code.
var b2 = struct {
	poolName, userID, password, saltHex, aHex, bHex, secretBlockB64, timestamp string
	k, x, u, K, signature                                                      string
	v, A, B, S                                                                 string
}{
	poolName:       "AbCdEf123",
	userID:         "johndoe",
	password:       "P@ssw0rd!",
	saltHex:        "3fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
	aHex:           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	bHex:           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	secretBlockB64: "ZXhhbXBsZS1zZWNyZXQtYmxvY2s=",
	timestamp:      "Tue Jan 7 09:05:03 UTC 2025",

	k:         "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6",
	x:         "f79eeae0f0260636eb06430344e7f26a510eed37b7252c739f64b047cf3fbee1",
	u:         "9f75126f53dc62c2cd4d33807452667ec3028bba159fda5638601dff438390fc",
	K:         "0e2239c94415a534455683e4c50861a5",
	signature: "/82jKJ0fB5oDuRrqd6DQX6blXKt4IvrE2SCIAamjBYE=",

	v: "e93c00d16d1f3f32617513a3b80d46b9dddced1fdc7271b77851555db5fde5d3b095d394ac7ac973cadc256dac593f22" +
		"432c18eea8599a98b7296500f701fa461562fa41a80580d4bc6f18423ee49ebd74a722596014e8b4903aa27ed95af6e7" +
		"16fbc4b2b3ea41715d0c5de0e37784f96335c3e298bd464acab8e2cda1e171b05f0c00ea40859dfe5f53a9a79df347d4" +
		"254b7ba8c743abf4b95f11542df3f0ebb6a8178dac20b2ac6ae55c7dbb75e4ab67b08a57d6a13e94fc56c167455df7b3" +
		"e9ad8aac704cf679cd9112ad5e859631c565d68f4c2ff85fb5d62d1aa779b4c6e713993c96794fb0da9bae0923a34415" +
		"422e163ba7b1580ef2fc56fffe27e213e30a413c7ee83bc053d84b7c4cd5c0edce833cacaf95a87b08744e7badbd1690" +
		"8df4c245f47ad1e3fa1d372b70da8ad850b2fdbda10954050672f413a409445dd7fb56ad173913284e22a9695b7fbefe" +
		"ac76e87c6c7b9fc6e6c15ed8a7656e5fab30ecf02b4b79d3e7b78296ea04676f786492f8127b299a08eb0268ae2472ef",
	A: "94a9554a71a4e65ecc9ce50e2188604ec2b3b0fc24b2c4ef8882d0399393ac24afc758f8781a7ff82a0217ad1d1516cf" +
		"94fb06761ba5549b3bf054c624791ea4e82a0c217fca2363b8cc366f4741ccc570d214e4d5ce9cb49b4ce8e2d8797f00" +
		"74b95380f7cd81ff900925bfbbff7beb087ddc7dfa46fc632ac2db3d3fb934a7aaf6d0394e0d0170a29faefd54320577" +
		"65390e318b4ab623ddf7cce27857182f7ae9fe6d3192e4f119c064fecbe1f57e61ec4819b0f44a427a2e9093031105bd" +
		"aecf50907baf30996b7779a38e93a63803ce332afa2b079c935a51dd19b977583ad96b0db71368ca05242397929a76f6" +
		"60e12f2e9927bf25267a39659875adbb2200005b4e6f7269b13d1b2e09e139df10a72862d184f792215a38af17aedf99" +
		"d97c08aee2fcf9d4a82c270d1b00ecc3c939133d6e32328c5ef93848fb2d1cc46931d25428b383c8c128f629ad09d679" +
		"7e77de6d0ea9b6d728aea9f3e1c6afb23bd2979064f963ee452e0e78863669d1bffb9ae40f2e7100eecdaeb83aae2f9f",
	B: "24545fce297e2614a26e67319af8a4368966c290e640238dc387ac11b75b502b355f369cf3675d863b516c85077c816e" +
		"87736bf4f8ffb27897c70d01ace1a2b557537ba94de356759a4501bec566f0a33ad3be2c38f946b0b6384a6876bb8c80" +
		"7eef45fdb2c744f954a35570ab1bde12152d268dcf4a6771b9cb2e0a96971d8ef5b71aae8770fcc38b26e1df3f0191cd" +
		"66fd899c3bbb89cb1503854921f769f03a51bcf639b39724e12d852b91687641b82cf71407b38574a826a9c8d957b73c" +
		"c5410459f3fd79fded7b523ac03b5d2c48c18bf3e7ae3c829a9f7630dc6d37d64a25e792de65c54179e8276e26f67b35" +
		"c4933f4c9dc6a6385b6d58e1743adf07211b626ab2904b8e7af96842865a179885f9d309756e1caeabd1b19e0e6ed8e9" +
		"39902b427419289db80e5f1e88bf2547fdf511735b2cc5a2a635c96740a48398ea5fb5164e573c149c30ec2587098142" +
		"9c3dc36455ad6cb65076f7650a50a2887e8b4da45e63d33862a76a699800791ce67f48063315ece1528202f69cca1f8c",
	S: "959c042b5492f60d73d7339a42e9a44e06d53901052d63925425c114b55e06717725013c7f9e498b6b2c73e09dd23af7" +
		"073bd7ecf6c039cf66d2ad7d37a55829b04eb13bfc02de44845c6491e87f27833b1119747de706734d146967b5cb6d09" +
		"f8c8571e55f4350b98ddfeca2cf908f643ca247424049684450f4a9dace0b0189fbd0930cb143af2c3afb45be9d53272" +
		"209cd00b8e9a3276148799ccdd9dda25485c3aeec33b436dd3378ffaaf7cd24b91579ba3bf069f2db6fdadc2d4e860af" +
		"5a370e6789f8def6f70409a78bb901f775b8d186c4dedc079cbfb23a6577aea64a5cecf7023f8a3451fd206e8c862b62" +
		"0a65089a5b721c45f6bed0ba97602c39b1af16aab2e39c482bda9fa822fe48859128489bed75aae7fab182a192dcfb4e" +
		"625485a4b24942453fb1c102ce59bc1ec5bebe2543eb7968ee540a429f277e85a52ca580e044c83e37cfec9f5babe5a7" +
		"0e1cbfab90ae996782d2100b91c1e54307d6cbad6fccb20c75612ae8bf213bcc38757d08e616f85d384b6b795c7d2e3a",
}

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return n
}

func TestVectorsB2(t *testing.T) {
	salt, err := ParseSaltHex(b2.saltHex)
	if err != nil {
		t.Fatal(err)
	}
	a := hexInt(t, b2.aHex)
	b := hexInt(t, b2.bHex)
	v := Verifier(b2.poolName, b2.userID, b2.password, salt)
	client := clientFor(a)
	server := challengeFor(v, b)
	A := client.bigA
	u, err := computeU(A, server.B)
	if err != nil {
		t.Fatal(err)
	}
	serverK, err := server.Key(A, v)
	if err != nil {
		t.Fatal(err)
	}
	clientK, err := client.key(b2.poolName, b2.userID, b2.password, b2.saltHex, Hex(server.B))
	if err != nil {
		t.Fatal(err)
	}
	// S from both sides, computed directly.
	serverS := new(big.Int).Exp(v, u, nInt)
	serverS.Mul(serverS, A).Mod(serverS, nInt).Exp(serverS, b, nInt)
	x := computeX(b2.poolName, b2.userID, b2.password, salt)
	clientS := new(big.Int).Exp(gInt, x, nInt)
	clientS.Mul(clientS, kInt).Sub(server.B, clientS).Mod(clientS, nInt)
	clientS.Exp(clientS, new(big.Int).Add(a, new(big.Int).Mul(u, x)), nInt)

	block, _ := base64.StdEncoding.DecodeString(b2.secretBlockB64)
	sig := base64.StdEncoding.EncodeToString(Signature(serverK, b2.poolName, b2.userID, block, b2.timestamp))
	ts, clientSig, err := client.Claim(b2.poolName, b2.userID, b2.password, b2.saltHex, Hex(server.B), b2.secretBlockB64,
		time.Date(2025, time.January, 7, 9, 5, 3, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ name, got, want string }{
		{"k (computed)", Hex(kInt), b2.k},
		{"k (KHex)", KHex, b2.k},
		{"x", Hex(x), b2.x},
		{"v", Hex(v), b2.v},
		{"SRP_A", client.A(), b2.A},
		{"SRP_B", server.BHex(), b2.B},
		{"u", Hex(u), b2.u},
		{"S (server)", Hex(serverS), b2.S},
		{"S (client)", Hex(clientS), b2.S},
		{"K (server)", hex.EncodeToString(serverK), b2.K},
		{"K (client)", hex.EncodeToString(clientK), b2.K},
		{"signature (server)", sig, b2.signature},
		{"signature (client)", clientSig, b2.signature},
		{"TIMESTAMP", ts, b2.timestamp},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if !VerifyClaim(serverK, b2.poolName, b2.userID, block, b2.timestamp, b2.signature) {
		t.Error("VerifyClaim rejects the vector's signature")
	}
	if VerifyClaim(serverK, b2.poolName, b2.userID, block, "Tue Jan 07 09:05:03 UTC 2025", b2.signature) {
		t.Error("VerifyClaim accepts the signature with a different TIMESTAMP string")
	}
	if gotA, err := ParseA(b2.A); err != nil || gotA.Cmp(A) != 0 {
		t.Errorf("ParseA(vector A) = %v, %v", gotA, err)
	}
}
