// Who is logged in to the web UI: asked of the node at start (GET /api/me). A node that requires a login
// answers 401 until the login form has opened a session (an HttpOnly cookie the page's scripts never see);
// any later 401 (the session ended: logout elsewhere, a new password, the node restarted) shows the form again.
import { api, type Me, onUnauthorized } from "./api.ts";
import { ApiError } from "./errors.ts";

class Session {
  /** Undefined until the node answered; null fields when the node asks for no login. */
  me = $state<Me | undefined>(undefined);
  /** The node wants a login before anything else. */
  loginNeeded = $state(false);
  /** The node could not be asked (unreachable): the app shows its usual connection banner. */
  failed = $state(false);

  async check(): Promise<void> {
    try {
      this.me = await api.me();
      this.loginNeeded = false;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.loginNeeded = true;
      else this.failed = true;
    }
  }

  async login(user: string, password: string): Promise<void> {
    this.me = await api.login(user, password);
    this.loginNeeded = false;
  }

  async logout(): Promise<void> {
    await api.logout();
    this.me = undefined;
    this.loginNeeded = true;
  }
}

export const session = new Session();
onUnauthorized(() => {
  session.loginNeeded = true;
});
