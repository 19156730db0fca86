// @ts-check
// Cognito sign-in for staff: InitiateAuth (USER_PASSWORD_AUTH) on the public app client, plus the two challenges the
// pool can ask for (NEW_PASSWORD_REQUIRED for admin-created users, SOFTWARE_TOKEN_MFA when TOTP is on).
//
// Where the tokens live, and why:
// - The ID token (what the API's JWT authorizer wants, valid one hour) is kept in memory and in sessionStorage.
//   sessionStorage is per tab and is wiped when the tab closes, so a reload keeps the agent signed in but a shared
//   office computer does not keep a session after the window is closed. localStorage would persist on disk for every
//   later user of the machine and is shared by every tab: never used.
// - The refresh token (valid for days) stays in memory only: a reload or a closed tab drops it, so the longest-lived
//   secret is never written anywhere script from a future page load could read it.
// - No token goes into a cookie or a URL (they leak into logs and Referer headers).

const STORAGE_KEY = "switchboard.agent.session";
const AMZ_JSON = "application/x-amz-json-1.1";
const EARLY_REFRESH_MS = 60_000;

export class AuthError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

/** Words an agent can act on, by Cognito error type (the service's own text is technical). */
const FRIENDLY = {
  NotAuthorizedException: "The email or password is not right.",
  UserNotFoundException: "The email or password is not right.",
  UserNotConfirmedException: "This account is not confirmed yet. Ask your administrator.",
  PasswordResetRequiredException: "Your password must be reset. Ask your administrator.",
  CodeMismatchException: "That code is not right. Check your authenticator app and try again.",
  ExpiredCodeException: "That code has expired. Enter the current one.",
  TooManyRequestsException: "Too many attempts. Wait a minute, then try again.",
  LimitExceededException: "Too many attempts. Wait a minute, then try again.",
  TooManyFailedAttemptsException: "Too many attempts. Wait a minute, then try again.",
  NetworkError: "The sign-in service cannot be reached. Check the connection and try again.",
};

export function friendlyAuthMessage(error) {
  if (error instanceof AuthError) {
    if (error.code === "InvalidPasswordException" || error.code === "InvalidParameterException") {
      return `The new password was not accepted: ${error.message}`;
    }
    if (error.code === "NotAuthorizedException" && /session/i.test(error.message)) {
      return "The sign-in took too long. Start again.";
    }
    return FRIENDLY[error.code] || "Sign-in failed. Try again.";
  }
  return "Sign-in failed. Try again.";
}

/** The JWT's claims, read without verifying (the API verifies); used only for expiry and the agent's identity. */
export function jwtClaims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

export class Auth {
  constructor(cognitoConfig) {
    this.endpoint = cognitoConfig.endpoint;
    this.clientId = cognitoConfig.clientId;
    this.idToken = null;
    this.accessToken = null; // memory only: used for GlobalSignOut
    this.refreshToken = null; // memory only, see the header comment
    this.pending = null; // {session, username, challenge} between InitiateAuth and RespondToAuthChallenge
    this.refreshing = null;
    this.restore();
  }

  get claims() {
    return this.idToken ? jwtClaims(this.idToken) : {};
  }

  get signedIn() {
    return Boolean(this.idToken) && this.expiresAt() > Date.now();
  }

  expiresAt() {
    const exp = this.claims.exp;
    return typeof exp === "number" ? exp * 1000 : 0;
  }

  restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && typeof saved.idToken === "string") {
        this.idToken = saved.idToken;
        if (!this.signedIn) this.clear();
      }
    } catch {
      this.clear();
    }
  }

  async call(action, body) {
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: { "Content-Type": AMZ_JSON, "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}` },
        body: JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new AuthError("NetworkError");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const type = String(data.__type || data.code || "UnknownError").split("#").pop();
      throw new AuthError(type, data.message || data.Message || "");
    }
    return data;
  }

  /** Start signing in. Resolves to null when signed in, or to the name of the challenge to answer. */
  async signIn(email, password) {
    this.pending = null;
    const data = await this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    return this.handleAuthResponse(data, email);
  }

  async setNewPassword(newPassword) {
    return this.answer("NEW_PASSWORD_REQUIRED", { NEW_PASSWORD: newPassword });
  }

  async submitMfaCode(code) {
    return this.answer("SOFTWARE_TOKEN_MFA", { SOFTWARE_TOKEN_MFA_CODE: code });
  }

  async answer(challenge, responses) {
    if (!this.pending || this.pending.challenge !== challenge) throw new AuthError("NotAuthorizedException", "session");
    const data = await this.call("RespondToAuthChallenge", {
      ChallengeName: challenge,
      ClientId: this.clientId,
      Session: this.pending.session,
      ChallengeResponses: { USERNAME: this.pending.username, ...responses },
    });
    return this.handleAuthResponse(data, this.pending.username);
  }

  handleAuthResponse(data, username) {
    if (data.AuthenticationResult) {
      this.pending = null;
      this.store(data.AuthenticationResult);
      return null;
    }
    const params = data.ChallengeParameters || {};
    this.pending = {
      challenge: data.ChallengeName,
      session: data.Session,
      username: params.USER_ID_FOR_SRP || params.USERNAME || username,
    };
    if (data.ChallengeName === "NEW_PASSWORD_REQUIRED" || data.ChallengeName === "SOFTWARE_TOKEN_MFA") {
      return data.ChallengeName;
    }
    this.pending = null;
    throw new AuthError("UnsupportedChallenge", `This account needs ${data.ChallengeName}, which this page cannot do.`);
  }

  store(result) {
    this.idToken = result.IdToken;
    this.accessToken = result.AccessToken || this.accessToken;
    if (result.RefreshToken) this.refreshToken = result.RefreshToken;
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ idToken: this.idToken }));
    } catch {
      // Storage full or disabled: the session still works in memory until reload.
    }
  }

  /** An ID token good for at least another minute, refreshed first when possible; null when signed out. */
  async freshIdToken() {
    if (this.idToken && this.expiresAt() - Date.now() > EARLY_REFRESH_MS) return this.idToken;
    if (await this.refresh()) return this.idToken;
    return this.signedIn ? this.idToken : null;
  }

  /** Swap the refresh token for a new ID token. Concurrent callers share one request. */
  async refresh() {
    if (!this.refreshToken) return false;
    if (!this.refreshing) {
      this.refreshing = this.call("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: this.clientId,
        AuthParameters: { REFRESH_TOKEN: this.refreshToken },
      })
        .then((data) => {
          this.store(data.AuthenticationResult);
          return true;
        })
        .catch((error) => {
          if (error.code !== "NetworkError") this.refreshToken = null;
          return false;
        })
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  clear() {
    this.idToken = null;
    this.accessToken = null;
    this.refreshToken = null;
    this.pending = null;
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
  }

  /** Forget the tokens here, and ask Cognito to revoke the refresh token (best effort: the page is signed out anyway). */
  signOut() {
    const accessToken = this.accessToken;
    this.clear();
    if (accessToken) this.call("GlobalSignOut", { AccessToken: accessToken }).catch(() => {});
  }
}
