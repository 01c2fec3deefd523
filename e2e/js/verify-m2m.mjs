// Verifies a machine-to-machine access token (client credentials grant)
// with aws-jwt-verify's CognitoJwtVerifier, as an API behind it would:
// token use, client and scope. Input (stdin, JSON): {userPoolId, clientId,
// scope, accessToken, jwks}. Prints the verified payload.
import { CognitoJwtVerifier } from "aws-jwt-verify";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString());

const v = CognitoJwtVerifier.create({ userPoolId: input.userPoolId, tokenUse: "access", clientId: input.clientId, scope: input.scope });
v.cacheJwks(input.jwks);
console.log(JSON.stringify(await v.verify(input.accessToken)));
