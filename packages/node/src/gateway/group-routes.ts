// Groups over HTTP: admins make and remove groups and add and remove their members; any signed-in user lists
// them (the share dialog offers them). What a group is given is a share (share-routes.ts).
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { type GroupRecord, groupNameSchema, userNameSchema } from "../accounts/records.ts";
import { badRequest } from "../errors.ts";
import { type AdminRoutesDeps, requireAdmin } from "./admin-routes.ts";
import { type Authenticator, requestPrincipal } from "./auth.ts";
import { jsonBody } from "./json-body.ts";
import { recordAudit } from "./audit-trail.ts";

export interface GroupRoutesDeps extends Pick<AdminRoutesDeps, "adminOpen" | "verifier"> {
  authenticator: Authenticator;
}

const newGroupSchema = z.strictObject({ name: groupNameSchema });

/** A path parameter checked as the body's names are: a bad one is 400 naming the rule, not a 404. */
function named(schema: typeof userNameSchema, value: string, what: "group" | "user"): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(`invalid_${what}`, parsed.error.issues[0]!.message);
  return value;
}

export function groupRoutes(d: GroupRoutesDeps): Hono {
  const app = new Hono();
  const accounts = d.authenticator.accounts;
  const admin = requireAdmin(d);
  const groupJson = (g: GroupRecord) => ({ name: g.name, users: accounts.groups.members(g), createdAt: g.createdAt });

  // A signed-in user lists them to share with one; anyone else (the cluster key's CLI) needs the admin check.
  app.get("/api/groups", async (c, next) => (requestPrincipal(c).kind === "user" ? next() : admin(c as never, next)), (c) =>
    c.json({ groups: accounts.groups.list().map(groupJson) }),
  );

  app.post("/api/groups", bodyLimit({ maxSize: 16 * 1024 }), admin, async (c) => {
    const body = await jsonBody(c.req.raw, newGroupSchema);
    const made = await accounts.groups.add(body.name);
    recordAudit(c, "group_add", made.name);
    return c.json({ ...groupJson(made), confirmed: made.confirmed, members: made.members }, 201);
  });

  app.delete("/api/groups/:name", admin, async (c) => {
    const name = named(groupNameSchema, c.req.param("name"), "group");
    const done = await accounts.groups.remove(name);
    recordAudit(c, "group_rm", name);
    return c.json({ name, deleted: true, ...done });
  });

  // Adding and taking out a member differ only in the change made and the action recorded.
  for (const [method, action] of [["put", "group_member_add"], ["delete", "group_member_rm"]] as const) {
    app[method]("/api/groups/:name/members/:user", admin, async (c) => {
      const name = named(groupNameSchema, c.req.param("name"), "group");
      const user = named(userNameSchema, c.req.param("user"), "user");
      const done = method === "put" ? await accounts.groups.addMember(name, user) : await accounts.groups.removeMember(name, user);
      recordAudit(c, action, name, { user });
      return c.json({ ...groupJson(accounts.groups.get(name)!), ...done });
    });
  }

  return app;
}
