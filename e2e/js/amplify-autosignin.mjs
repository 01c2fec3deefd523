// Amplify v6's sign-up with autoSignIn over USER_AUTH: signUp, then
// confirmSignUp with the code, then autoSignIn, which passes the Session
// of ConfirmSignUp to InitiateAuth and so signs in without a password or a
// second code.
//
// stdin, first line (JSON): {endpoint, userPoolId, clientId, username,
// password ("" signs up without one, passwordless), email}. The script prints {"event": "CONFIRM_SIGN_UP",
// destination} and reads {"response": <code>} back; then it prints
// {"event": <confirmSignUp's nextStep.signUpStep>, ...} and, once signed in,
// {"event": "success", username, tokenUse, idTokenUse} from
// fetchAuthSession. A user a pre sign-up function confirms at once skips
// the code: signUp's step is then COMPLETE_AUTO_SIGN_IN. Errors print "<name>: <message>" on stderr and exit 1.
import readline from "node:readline";
import { Amplify } from "aws-amplify";
import { autoSignIn, confirmSignUp, fetchAuthSession, signUp } from "aws-amplify/auth";

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value);
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const input = await next();
Amplify.configure({
  Auth: { Cognito: { userPoolId: input.userPoolId, userPoolClientId: input.clientId, userPoolEndpoint: input.endpoint } },
});

try {
  const up = await signUp({
    username: input.username,
    password: input.password || undefined,
    options: { userAttributes: { email: input.email }, autoSignIn: { authFlowType: "USER_AUTH" } },
  });
  emit({ event: up.nextStep.signUpStep, destination: up.nextStep.codeDeliveryDetails?.destination ?? "" });
  const { response } = await next();
  if (up.nextStep.signUpStep === "CONFIRM_SIGN_UP") {
    const confirmed = await confirmSignUp({ username: input.username, confirmationCode: response });
    emit({ event: confirmed.nextStep.signUpStep });
    await next();
  }
  const out = await autoSignIn();
  if (!out.isSignedIn) throw new Error(`autoSignIn: not signed in, next step ${out.nextStep.signInStep}`);
  const { tokens } = await fetchAuthSession();
  if (!tokens || !tokens.accessToken) throw new Error("fetchAuthSession returned no tokens");
  emit({
    event: "success",
    username: tokens.accessToken.payload.username,
    tokenUse: tokens.accessToken.payload.token_use,
    idTokenUse: tokens.idToken?.payload.token_use ?? "",
  });
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exit(1);
}
