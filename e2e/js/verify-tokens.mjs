// Verifies Ninshou's tokens with aws-jwt-verify, the library AWS publishes
// for verifying Cognito JWTs. Input (stdin, JSON): {userPoolId, clientId,
// idToken, accessToken, jwks, jwksUri, issuer}. Prints the verified payloads.
import { CognitoJwtVerifier, JwtRsaVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString());

const out = {};
// 1. CognitoJwtVerifier, exactly as apps use it, with the JWKS preloaded
//    (its issuer is always https://cognito-idp.<region>.amazonaws.com/<pool>).
for (const [use, token] of [["id", input.idToken], ["access", input.accessToken]]) {
  const v = CognitoJwtVerifier.create({ userPoolId: input.userPoolId, tokenUse: use, clientId: input.clientId });
  v.cacheJwks(input.jwks);
  out["cognito_" + use] = await v.verify(token);
}
// 2. The generic verifier fetching the JWKS from Ninshou over HTTP (its
//    default fetcher speaks only HTTPS, so a plain fetch-based one stands in).
if (input.jwksUri) {
  const fetcher = { fetch: async (uri) => (await fetch(uri)).arrayBuffer() };
  const v = JwtRsaVerifier.create({ issuer: input.issuer, audience: null, jwksUri: input.jwksUri },
    { jwksCache: new SimpleJwksCache({ fetcher }) });
  out.rsa_access = await v.verify(input.accessToken);
}
console.log(JSON.stringify(out));
