// The accounts routes of the contract (issue 13): the UI's login and logout, who is asking, users (admins),
// API tokens, folder shares. Spread into apiRoutes (routes.ts).
import * as accounts from "./accounts.ts";
import * as audit from "./audit.ts";
import { defineRoutes, failure } from "./route.ts";

const badInput = failure("the request is malformed (invalid_body, invalid_user, …)");
const loginRequired = failure("no valid credential (login_required, bad_credentials); WWW-Authenticate names the Basic realm");
const forbidden = failure("the credential may not do this (forbidden, admin_required, read_only_token)");
const tooMany = failure("too many failed logins from this client or for this account (too_many_failures); Retry-After says when");

export const accountRoutes = defineRoutes({
  login: {
    method: "post", path: "/api/login", tag: "accounts", summary: "Log in (the web UI): sets an HttpOnly, SameSite=Strict session cookie",
    request: { body: accounts.loginBodySchema },
    responses: { 200: { description: "logged in; who you are", json: accounts.meSchema }, 400: badInput, 401: loginRequired, 429: tooMany },
  },
  logout: {
    method: "post", path: "/api/logout", tag: "accounts", summary: "Log out: the session ends and its cookie is cleared",
    responses: { 200: { description: "logged out", json: accounts.logoutSchema } },
  },
  me: {
    method: "get", path: "/api/me", tag: "accounts", summary: "Who is asking: user, home folder, role, how they proved it",
    responses: { 200: { description: "the principal (user null on a node that asks for no login)", json: accounts.meSchema }, 401: loginRequired },
  },
  listUsers: {
    method: "get", path: "/api/users", tag: "accounts", summary: "Every user with what their files take (admins)",
    responses: { 200: { description: "the users", json: accounts.usersSchema }, 401: loginRequired, 403: forbidden },
  },
  addUser: {
    method: "post", path: "/api/users", tag: "accounts", summary: "Make a user and their home folder (admins)",
    request: { body: accounts.newUserBodySchema },
    responses: { 201: { description: "made", json: accounts.userMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 409: failure("the name is taken (user_exists)") },
  },
  changeUser: {
    method: "patch", path: "/api/users/:name", tag: "accounts", summary: "Change a password (your own, or anyone's as an admin), a role or a quota (admins)",
    request: { params: accounts.nameParams, body: accounts.userChangeBodySchema },
    responses: { 200: { description: "changed", json: accounts.userChangedSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 404: failure("no such user (no_such_user)") },
  },
  removeUser: {
    method: "delete", path: "/api/users/:name", tag: "accounts", summary: "Remove a user (admins; the last admin stays)",
    request: { params: accounts.nameParams },
    responses: { 200: { description: "removed", json: accounts.userDeletedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such user"), 409: failure("the last admin (last_admin)") },
  },
  listTokens: {
    method: "get", path: "/api/tokens", tag: "accounts", summary: "Your API tokens (all=true: everyone's, admins)",
    responses: { 200: { description: "the tokens (never their secrets)", json: accounts.tokensSchema }, 401: loginRequired, 403: forbidden },
  },
  createToken: {
    method: "post", path: "/api/tokens", tag: "accounts", summary: "Make an API token (read-only, expiring if asked); the token is shown once",
    request: { body: accounts.newTokenBodySchema },
    responses: { 201: { description: "made", json: accounts.tokenMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden },
  },
  revokeToken: {
    method: "delete", path: "/api/tokens/:id", tag: "accounts", summary: "Revoke an API token (yours, or anyone's as an admin)",
    request: { params: accounts.idParams },
    responses: { 200: { description: "revoked", json: accounts.tokenRevokedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such token (no_such_token)") },
  },
  listShares: {
    method: "get", path: "/api/shares", tag: "accounts", summary: "Shares you made or were given (admins: all)",
    responses: { 200: { description: "the shares", json: accounts.sharesSchema }, 401: loginRequired },
  },
  share: {
    method: "post", path: "/api/shares", tag: "accounts", summary: "Share a folder of yours with a user, read-only or read-write",
    request: { body: accounts.newShareBodySchema },
    responses: { 201: { description: "shared", json: accounts.shareMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 404: failure("no such user or folder") },
  },
  unshare: {
    method: "delete", path: "/api/shares/:id", tag: "accounts", summary: "End a share (its maker, the one it was given to, or an admin)",
    request: { params: accounts.idParams },
    responses: { 200: { description: "ended", json: accounts.shareEndedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such share (no_such_share)") },
  },
  audit: {
    method: "get", path: "/api/audit", tag: "accounts", summary: "The audit log, newest first: logins, account, token and share changes, deletes (admins)",
    request: { query: audit.auditQuery },
    responses: { 200: { description: "a page of records", json: audit.auditPageSchema }, 400: badInput, 401: loginRequired, 403: forbidden },
  },
});
