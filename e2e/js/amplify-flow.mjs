// Drives Amplify v6's signIn / confirmSignIn through every nextStep a
// sign-in produces, talking to its Go test over pipes.
//
// stdin, first line (JSON): {endpoint, userPoolId, clientId, username,
// password?, authFlowType? ("USER_SRP_AUTH" default, "USER_PASSWORD_AUTH",
// "USER_AUTH"), preferredChallenge?, signIns (default 1)}.
//
// While the sign-in is not done the script prints one JSON line
// {"event": <nextStep.signInStep>, ...details} and reads one JSON line back,
// {"response": <challengeResponse>}, which it passes to confirmSignIn.
// Details: totpSecret (CONTINUE_SIGN_IN_WITH_TOTP_SETUP), allowedMFATypes
// (CONTINUE_SIGN_IN_WITH_MFA_SELECTION), availableChallenges
// (CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION), destination (code steps).
// When it is done it prints {"event":"success", username, tokenUse,
// deviceKey, idTokenUse} from fetchAuthSession. Several sign-ins share one
// in-memory storage with a signOut between them, so a later one presents
// the device Amplify confirmed. Errors print "<name>: <message>" on stderr
// and exit 1.
import readline from "node:readline";
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn, signOut } from "aws-amplify/auth";

// Node 20 has fetch and crypto but no navigator, from which Amplify names a
// device for ConfirmDevice (without it Amplify silently skips the device).
globalThis.navigator ??= { userAgent: "ninshou-e2e (Node.js)" };

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value);
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const input = await next();
Amplify.configure({
  Auth: { Cognito: { userPoolId: input.userPoolId, userPoolClientId: input.clientId, userPoolEndpoint: input.endpoint } },
});

async function once() {
  const options = { authFlowType: input.authFlowType || "USER_SRP_AUTH" };
  if (input.preferredChallenge) options.preferredChallenge = input.preferredChallenge;
  let out = await signIn({ username: input.username, password: input.password || undefined, options });
  while (!out.isSignedIn) {
    const step = out.nextStep;
    const event = { event: step.signInStep };
    if (step.totpSetupDetails) event.totpSecret = step.totpSetupDetails.sharedSecret;
    if (step.allowedMFATypes) event.allowedMFATypes = step.allowedMFATypes;
    if (step.availableChallenges) event.availableChallenges = step.availableChallenges;
    if (step.codeDeliveryDetails) event.destination = step.codeDeliveryDetails.destination;
    if (step.signInStep === "DONE") break;
    emit(event);
    const { response } = await next();
    out = await confirmSignIn({ challengeResponse: response });
  }
  const { tokens } = await fetchAuthSession();
  if (!tokens || !tokens.accessToken) throw new Error("fetchAuthSession returned no tokens");
  const access = tokens.accessToken.payload;
  emit({
    event: "success",
    username: access.username,
    tokenUse: access.token_use,
    deviceKey: access.device_key ?? "",
    idTokenUse: tokens.idToken?.payload.token_use ?? "",
  });
  await signOut();
}

try {
  for (let i = 0; i < (input.signIns || 1); i++) await once();
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exit(1);
}
