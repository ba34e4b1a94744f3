// Users' S3 access keys over HTTP: each user makes, lists and revokes their own (an admin anyone's); the
// secret is answered once. Requests signed with a key act as its user on the S3 port (s3/access.ts).
import type { ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { s3AccessKeySchema, type S3KeyRecord, userNameSchema } from "../accounts/records.ts";
import { badRequest, OrreryError } from "../errors.ts";
import { mayWrite, signedIn } from "./account-routes.ts";
import type { Authenticator } from "./auth.ts";
import { jsonBody } from "./json-body.ts";

const newKeySchema = z.strictObject({ label: z.string().max(100).optional(), readOnly: z.boolean().optional(), user: userNameSchema.optional() });

const keyJson = (k: S3KeyRecord) => ({ accessKey: k.id, user: k.user, label: k.label, readOnly: k.readOnly, createdAt: k.createdAt });

export function s3KeyRoutes(d: { authenticator: Authenticator }): Hono {
  const app = new Hono();
  // Read per request: the contract's drift test mounts these routes over a stand-in authenticator.
  const keys = () => d.authenticator.accounts.s3Keys;

  app.get("/api/s3keys", (c) => {
    const p = signedIn(c);
    const all = c.req.query("all") === "1" && p.role === "admin";
    return c.json({ keys: keys().list(all ? undefined : p.name).map(keyJson) } satisfies ResponseOf<"listS3Keys">);
  });

  app.post("/api/s3keys", bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const p = signedIn(c);
    mayWrite(p);
    const body = await jsonBody(c.req.raw, newKeySchema);
    const user = body.user ?? p.name;
    if (user !== p.name && p.role !== "admin") throw new OrreryError(403, "forbidden", `${p.name} may make S3 keys only for themselves`);
    const made = await keys().create(user, { label: body.label, readOnly: body.readOnly });
    return c.json(
      { ...keyJson(made.record), secretKey: made.secretKey, note: "the secret is shown once: keep it now", confirmed: made.confirmed, members: made.members } satisfies ResponseOf<"createS3Key", 201>,
      201,
    );
  });

  app.delete("/api/s3keys/:accessKey", async (c) => {
    const p = signedIn(c);
    mayWrite(p);
    const accessKey = c.req.param("accessKey");
    if (!s3AccessKeySchema.safeParse(accessKey).success) throw badRequest("invalid_access_key", "an access key id is ORU and 17 upper-case letters or digits");
    const held = keys().list().find((k) => k.id === accessKey);
    if (!held || (held.user !== p.name && p.role !== "admin")) throw new OrreryError(404, "no_such_s3_key", `no S3 key ${accessKey}`);
    return c.json({ accessKey, revoked: true, ...(await keys().revoke(accessKey)) } satisfies ResponseOf<"revokeS3Key">);
  });

  return app;
}
