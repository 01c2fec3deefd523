// Signs in to Ninshou with amazon-cognito-identity-js's authenticateUser,
// which always uses USER_SRP_AUTH: the library's own SRP math against
// Ninshou's. Input (stdin, JSON): {endpoint, userPoolId, clientId, username,
// password, newPassword?}. When the server asks NEW_PASSWORD_REQUIRED the
// newPasswordRequired callback answers it with newPassword. Prints
// {newPasswordRequired, username, tokenUse, refresh} or exits 1 with the error.
import cognito from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString());

const pool = new CognitoUserPool({ UserPoolId: input.userPoolId, ClientId: input.clientId, endpoint: input.endpoint });
const user = new CognitoUser({ Username: input.username, Pool: pool });
const details = new AuthenticationDetails({ Username: input.username, Password: input.password });

let newPasswordRequired = false;
const session = await new Promise((resolve, reject) => {
  const callbacks = {
    onSuccess: resolve,
    onFailure: reject,
    newPasswordRequired(userAttributes, requiredAttributes) {
      newPasswordRequired = true;
      if (!input.newPassword) {
        reject(new Error("NEW_PASSWORD_REQUIRED but no newPassword given"));
        return;
      }
      user.completeNewPasswordChallenge(input.newPassword, {}, callbacks);
    },
    mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
    totpRequired: () => reject(new Error("unexpected SOFTWARE_TOKEN_MFA")),
  };
  user.authenticateUser(details, callbacks);
}).catch((err) => {
  process.stderr.write(`${err.code || err.name}: ${err.message}\n`);
  process.exit(1);
});

const access = session.getAccessToken().decodePayload();
process.stdout.write(JSON.stringify({
  newPasswordRequired,
  username: access.username,
  tokenUse: access.token_use,
  refresh: session.getRefreshToken().getToken() !== "",
}));
