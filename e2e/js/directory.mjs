// Walks one user through the directory with amazon-cognito-identity-js, the
// way an app built on it does: signUp, confirmRegistration, authenticateUser
// (USER_PASSWORD_AUTH, then SRP), updateAttributes,
// getAttributeVerificationCode, verifyAttribute, getUserAttributes,
// changePassword, forgotPassword, confirmPassword, and a last sign-in.
//
// Input: the first line of stdin is JSON {endpoint, userPoolId, clientId,
// username, password, email, newEmail, newPassword, resetPassword}.
// Whenever the script needs a code it prints {"need": "<purpose>", "to":
// "<address>"} and reads the code as the next line of stdin. Each finished
// step prints {"step": "<name>", ...}; a failure prints {"error": "<code>:
// <message>"} and exits 1.
import readline from "node:readline";
import cognito from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => {
  const { value, done } = await lines.next();
  if (done) throw new Error("stdin closed");
  return value.trim();
};
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const askCode = async (purpose, to) => {
  say({ need: purpose, to });
  return nextLine();
};
// call adapts identity-js's (err, result) callbacks to a promise.
const call = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

const input = JSON.parse(await nextLine());
const pool = new CognitoUserPool({ UserPoolId: input.userPoolId, ClientId: input.clientId, endpoint: input.endpoint });
const newUser = () => new CognitoUser({ Username: input.username, Pool: pool });

const signIn = (user, password, flow) =>
  new Promise((resolve, reject) => {
    if (flow) user.setAuthenticationFlowType(flow);
    user.authenticateUser(new AuthenticationDetails({ Username: input.username, Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
      mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
      totpRequired: () => reject(new Error("unexpected SOFTWARE_TOKEN_MFA")),
    });
  });

const claimsOf = (session) => {
  const id = session.getIdToken().decodePayload();
  return { username: id["cognito:username"], email: id.email, emailVerified: id.email_verified, groups: id["cognito:groups"] || [] };
};

try {
  const signedUp = await call((cb) =>
    pool.signUp(input.username, input.password, [new CognitoUserAttribute({ Name: "email", Value: input.email })], [], cb),
  );
  say({
    step: "signUp",
    userConfirmed: signedUp.userConfirmed,
    userSub: signedUp.userSub,
    destination: signedUp.codeDeliveryDetails.Destination,
  });

  const signupCode = await askCode("signup", input.email);
  const confirmed = await call((cb) => newUser().confirmRegistration(signupCode, true, cb));
  say({ step: "confirmRegistration", result: confirmed });

  // USER_PASSWORD_AUTH first, then the library's default, SRP.
  let user = newUser();
  let session = await signIn(user, input.password, "USER_PASSWORD_AUTH");
  say({ step: "signInPassword", ...claimsOf(session) });
  user = newUser();
  session = await signIn(user, input.password);
  say({ step: "signInSRP", ...claimsOf(session) });

  // A new email is unverified until its code comes back; ask for a fresh one too.
  const details = await call((cb) =>
    user.updateAttributes(
      [
        new CognitoUserAttribute({ Name: "email", Value: input.newEmail }),
        new CognitoUserAttribute({ Name: "given_name", Value: "Kim" }),
      ],
      (err, result, details) => cb(err, { result, details }),
    ),
  );
  say({ step: "updateAttributes", result: details.result, deliveries: (details.details?.CodeDeliveryDetailsList || []).length });
  const sent = await new Promise((resolve, reject) =>
    user.getAttributeVerificationCode("email", { onSuccess: resolve, onFailure: reject, inputVerificationCode: resolve }),
  );
  say({ step: "getAttributeVerificationCode", destination: sent?.CodeDeliveryDetails?.Destination });
  const verifyCode = await askCode("verify", input.newEmail);
  const verified = await new Promise((resolve, reject) =>
    user.verifyAttribute("email", verifyCode, { onSuccess: resolve, onFailure: reject }),
  );
  say({ step: "verifyAttribute", result: verified });
  const attrs = await call((cb) => user.getUserAttributes(cb));
  say({ step: "getUserAttributes", attributes: Object.fromEntries(attrs.map((a) => [a.getName(), a.getValue()])) });

  const changed = await call((cb) => user.changePassword(input.password, input.newPassword, cb));
  say({ step: "changePassword", result: changed });

  // Forgotten password, from a fresh client as an app's "forgot" page.
  user = newUser();
  const forgot = await new Promise((resolve, reject) =>
    user.forgotPassword({ onSuccess: resolve, onFailure: reject, inputVerificationCode: resolve }),
  );
  say({ step: "forgotPassword", destination: forgot.CodeDeliveryDetails.Destination });
  const resetCode = await askCode("forgot", input.newEmail);
  const reset = await new Promise((resolve, reject) =>
    user.confirmPassword(resetCode, input.resetPassword, { onSuccess: resolve, onFailure: reject }),
  );
  say({ step: "confirmPassword", result: reset });

  session = await signIn(newUser(), input.resetPassword);
  say({ step: "signInAfterReset", ...claimsOf(session) });
  try {
    await signIn(newUser(), input.newPassword);
    say({ step: "oldPassword", error: "" });
  } catch (err) {
    say({ step: "oldPassword", error: `${err.code}: ${err.message}` });
  }
} catch (err) {
  say({ error: `${err.code || err.name}: ${err.message}` });
  process.exit(1);
}
process.exit(0);
