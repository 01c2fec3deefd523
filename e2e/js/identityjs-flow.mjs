// Drives amazon-cognito-identity-js's authenticateUser through every
// callback a sign-in can take, talking to its Go test over pipes.
//
// stdin, first line (JSON): {endpoint, userPoolId, clientId, username,
// password, flow ("USER_SRP_AUTH" default, or "USER_PASSWORD_AUTH"),
// signIns (default 1), newPassword?, rememberDevice?}.
//
// Each callback that needs an answer prints one JSON line
// {"event": <callback>, ...} and reads one JSON line back:
//   mfaRequired {challenge, params}      -> {"code"}  (sendMFACode)
//   totpRequired {challenge, params}     -> {"code"}  (sendMFACode, SOFTWARE_TOKEN_MFA)
//   selectMFAType {params}               -> {"answer"} (sendMFASelectionAnswer)
//   mfaSetup {params} then associateSecretCode {secret}
//                                        -> {"code"}  (verifySoftwareToken)
//   customChallenge {params}             -> {"answer"} (sendCustomChallengeAnswer;
//                                           flow "CUSTOM_AUTH" starts with SRP)
// newPasswordRequired is answered with input.newPassword without asking.
// Each sign-in that succeeds prints {"event":"success", username, tokenUse,
// deviceKey (the access token's device_key), userConfirmationNecessary,
// rememberedDevice (the device key the library keeps)}. The sign-ins share
// one storage, so the second one presents the device the first confirmed.
// Errors print "<code>: <message>" on stderr and exit 1.
import readline from "node:readline";
import cognito from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value);
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const ask = async (o) => { emit(o); return next(); };

// One storage for every sign-in, as a browser's localStorage would be.
const data = {};
const storage = {
  setItem: (k, v) => { data[k] = String(v); },
  getItem: (k) => (k in data ? data[k] : null),
  removeItem: (k) => { delete data[k]; },
  clear: () => { for (const k of Object.keys(data)) delete data[k]; },
};

const input = await next();
const pool = new CognitoUserPool({ UserPoolId: input.userPoolId, ClientId: input.clientId, endpoint: input.endpoint, Storage: storage });

async function signIn() {
  const user = new CognitoUser({ Username: input.username, Pool: pool, Storage: storage });
  if (input.flow) user.setAuthenticationFlowType(input.flow);
  const details = new AuthenticationDetails({ Username: input.username, Password: input.password });
  const [session, userConfirmationNecessary] = await new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session, confirmation) => resolve([session, confirmation]),
      onFailure: reject,
      newPasswordRequired() {
        user.completeNewPasswordChallenge(input.newPassword, {}, callbacks);
      },
      async mfaRequired(challenge, params) {
        const { code } = await ask({ event: "mfaRequired", challenge, params });
        user.sendMFACode(code, callbacks, challenge);
      },
      async totpRequired(challenge, params) {
        const { code } = await ask({ event: "totpRequired", challenge, params });
        user.sendMFACode(code, callbacks, "SOFTWARE_TOKEN_MFA");
      },
      async selectMFAType(challenge, params) {
        const { answer } = await ask({ event: "selectMFAType", params });
        user.sendMFASelectionAnswer(answer, callbacks);
      },
      async customChallenge(params) {
        const { answer } = await ask({ event: "customChallenge", params });
        user.sendCustomChallengeAnswer(answer, callbacks);
      },
      mfaSetup(challenge, params) {
        emit({ event: "mfaSetup", params });
        user.associateSoftwareToken({
          onFailure: reject,
          async associateSecretCode(secret) {
            const { code } = await ask({ event: "associateSecretCode", secret });
            user.verifySoftwareToken(code, "js authenticator", callbacks);
          },
        });
      },
    };
    user.authenticateUser(details, callbacks);
  });
  const access = session.getAccessToken().decodePayload();
  if (input.rememberDevice && userConfirmationNecessary) {
    await new Promise((resolve, reject) => user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
  }
  const deviceKeyName = Object.keys(data).find((k) => k.endsWith(".deviceKey"));
  emit({
    event: "success",
    username: access.username,
    tokenUse: access.token_use,
    deviceKey: access.device_key ?? "",
    userConfirmationNecessary: userConfirmationNecessary === true,
    rememberedDevice: deviceKeyName ? data[deviceKeyName] : "",
  });
}

try {
  for (let i = 0; i < (input.signIns || 1); i++) await signIn();
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err.code || err.name}: ${err.message}\n`);
  process.exit(1);
}
