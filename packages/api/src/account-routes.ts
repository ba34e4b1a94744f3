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
    responses: {
      200: { description: "changed (a session changing its own password gets a new session cookie; every other session of the user ends)", json: accounts.userChangedSchema },
      400: badInput, 401: loginRequired, 403: failure("the credential may not do this, or a session's currentPassword is wrong (wrong_password)"),
      404: failure("no such user (no_such_user)"), 429: tooMany,
    },
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
  listGroups: {
    method: "get", path: "/api/groups", tag: "accounts", summary: "Every group and its members (any signed-in user: the share dialog offers them)",
    responses: { 200: { description: "the groups", json: accounts.groupsSchema }, 401: loginRequired, 403: forbidden },
  },
  addGroup: {
    method: "post", path: "/api/groups", tag: "accounts", summary: "Make a group (admins)",
    request: { body: accounts.newGroupBodySchema },
    responses: { 201: { description: "made", json: accounts.groupMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 409: failure("the name is taken (group_exists)") },
  },
  removeGroup: {
    method: "delete", path: "/api/groups/:name", tag: "accounts", summary: "Remove a group (admins): its memberships and the shares with it end",
    request: { params: accounts.nameParams },
    responses: { 200: { description: "removed", json: accounts.groupDeletedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such group (no_such_group)") },
  },
  addGroupMember: {
    method: "put", path: "/api/groups/:name/members/:user", tag: "accounts", summary: "Add a user to a group (admins)",
    request: { params: accounts.memberParams },
    responses: { 200: { description: "the group with its members", json: accounts.groupChangedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such group or user") },
  },
  removeGroupMember: {
    method: "delete", path: "/api/groups/:name/members/:user", tag: "accounts", summary: "Take a user out of a group (admins)",
    request: { params: accounts.memberParams },
    responses: { 200: { description: "the group with its members", json: accounts.groupChangedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such group, or not a member (no_such_member)") },
  },
  listShares: {
    method: "get", path: "/api/shares", tag: "accounts", summary: "Shares you made or were given (admins: all)",
    responses: { 200: { description: "the shares", json: accounts.sharesSchema }, 401: loginRequired },
  },
  share: {
    method: "post", path: "/api/shares", tag: "accounts", summary: "Share a folder of yours with a user or a group, read-only or read-write",
    request: { body: accounts.newShareBodySchema },
    responses: { 201: { description: "shared", json: accounts.shareMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 404: failure("no such user, group or folder") },
  },
  unshare: {
    method: "delete", path: "/api/shares/:id", tag: "accounts", summary: "End a share (its maker, the one it was given to, or an admin)",
    request: { params: accounts.idParams },
    responses: { 200: { description: "ended", json: accounts.shareEndedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such share (no_such_share)") },
  },
  listS3Keys: {
    method: "get", path: "/api/s3keys", tag: "accounts", summary: "Your S3 access keys (all=1: everyone's, admins)",
    responses: { 200: { description: "the keys (never their secrets)", json: accounts.s3KeysSchema }, 401: loginRequired },
  },
  createS3Key: {
    method: "post", path: "/api/s3keys", tag: "accounts", summary: "Make an S3 access key that acts as you (admins: as any user); the secret is shown once",
    request: { body: accounts.newS3KeyBodySchema },
    responses: { 201: { description: "made", json: accounts.s3KeyMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 404: failure("no such user (no_such_user)"), 409: failure("too many keys (too_many_s3_keys)") },
  },
  revokeS3Key: {
    method: "delete", path: "/api/s3keys/:accessKey", tag: "accounts", summary: "Revoke an S3 access key (yours, or anyone's as an admin): refused at once on every node",
    request: { params: accounts.accessKeyParams },
    responses: { 200: { description: "revoked", json: accounts.s3KeyRevokedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such key (no_such_s3_key)") },
  },
  listLinks: {
    method: "get", path: "/api/links", tag: "accounts", summary: "Your share links (all=1: everyone's, admins)",
    responses: { 200: { description: "the links (never their secrets)", json: accounts.linksSchema }, 401: loginRequired },
  },
  createLink: {
    method: "post", path: "/api/links", tag: "accounts", summary: "Make a share link to a file or folder you may read: anyone holding it reads it, without an account, until it expires or is revoked",
    request: { body: accounts.newLinkBodySchema },
    responses: { 201: { description: "made; the URL is shown once", json: accounts.linkMadeSchema }, 400: badInput, 401: loginRequired, 403: forbidden, 404: failure("no such file or folder (not_found)"), 409: failure("too many links (too_many_links)") },
  },
  revokeLink: {
    method: "delete", path: "/api/links/:id", tag: "accounts", summary: "Revoke a share link (its maker, or an admin): it stops at once on every node",
    request: { params: accounts.idParams },
    responses: { 200: { description: "revoked", json: accounts.linkRevokedSchema }, 401: loginRequired, 403: forbidden, 404: failure("no such link (no_such_link)") },
  },
  openLink: {
    method: "get", path: "/s/:token", tag: "accounts", summary: "Open a share link without an account: a download page (file) or a listing (folder)",
    request: { params: accounts.linkPageParams, query: accounts.linkPageQuery },
    responses: {
      200: { description: "an HTML page (no script), or with download=1 the file's bytes as an attachment", contentType: "text/html; charset=utf-8" },
      404: failure("no such link (no_such_link)"), 410: failure("the link was revoked or has expired (link_revoked, link_expired)"),
    },
  },
  openLinkPath: {
    method: "get", path: "/s/:token/*", tag: "accounts", summary: "A file or folder below a shared folder: its page, listing, or (download=1) bytes",
    request: { params: accounts.linkPathParams, query: accounts.linkPageQuery },
    responses: {
      200: { description: "an HTML page (no script), or with download=1 the file's bytes as an attachment", contentType: "text/html; charset=utf-8" },
      400: failure("the path leaves the shared folder or is malformed (invalid_path)"),
      404: failure("no such link, file or folder"), 410: failure("the link was revoked or has expired (link_revoked, link_expired)"),
    },
  },
  audit: {
    method: "get", path: "/api/audit", tag: "accounts", summary: "The audit log, newest first: logins, account, token and share changes, deletes (admins)",
    request: { query: audit.auditQuery },
    responses: { 200: { description: "a page of records", json: audit.auditPageSchema }, 400: badInput, 401: loginRequired, 403: forbidden },
  },
});
