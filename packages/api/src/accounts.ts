// Accounts' shapes: who is asking (/api/me), users, API tokens and folder shares (issue 13).
import { z } from "zod";

const int = () => z.number().int();
const roleSchema = z.enum(["admin", "user"]);
/** What a change of an account record reached: live members holding it (this node included), of how many. */
const reached = { confirmed: int().describe("live members that hold the change, this node included"), members: int() };

export const loginBodySchema = z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).meta({ id: "Login" });

export const userSchema = z
  .object({
    name: z.string(),
    role: roleSchema,
    home: z.string().describe("the user's own folder, e.g. /home/alice"),
    quotaBytes: int().nullable(),
    createdAt: int(),
    usedBytes: int().optional().describe("bytes of the user's files, each counted once"),
  })
  .meta({ id: "User" });

export const meSchema = z
  .union([
    userSchema.extend({
      user: z.string(),
      via: z.enum(["password", "token", "session"]),
      readOnly: z.boolean(),
      auth: z.enum(["off", "required"]),
    }),
    z.object({ user: z.null(), home: z.literal("/"), role: z.null(), auth: z.literal("off"), note: z.string() }).describe("a node that asks for no login"),
  ])
  .meta({ id: "Me" });

export const newUserBodySchema = z
  .strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024), role: roleSchema.optional(), quotaBytes: int().min(0).nullable().optional() })
  .meta({ id: "NewUser" });
export const userChangeBodySchema = z
  .strictObject({ password: z.string().min(1).max(1024).optional(), role: roleSchema.optional(), quotaBytes: int().min(0).nullable().optional() })
  .meta({ id: "UserChange" });
export const usersSchema = z.object({ users: z.array(userSchema) });
export const userMadeSchema = userSchema.extend({ homeCreated: z.boolean(), ...reached });
export const userChangedSchema = userSchema.extend(reached);
export const userDeletedSchema = z.object({ name: z.string(), deleted: z.literal(true), ...reached });

export const tokenSchema = z
  .object({ id: z.string(), user: z.string(), label: z.string(), readOnly: z.boolean(), createdAt: int(), expiresAt: int().nullable(), expired: z.boolean() })
  .meta({ id: "Token" });
export const newTokenBodySchema = z
  .strictObject({ label: z.string().max(100).optional(), readOnly: z.boolean().optional(), expiresInSeconds: int().min(60).optional() })
  .meta({ id: "NewToken" });
export const tokensSchema = z.object({ tokens: z.array(tokenSchema) });
export const tokenMadeSchema = tokenSchema.extend({ token: z.string().describe("shown once: the node keeps only its hash"), note: z.string() });
export const tokenRevokedSchema = z.object({ id: z.string(), revoked: z.literal(true), ...reached });

export const shareSchema = z
  .object({ id: z.string(), path: z.string(), user: z.string(), access: z.enum(["read", "write"]), by: z.string(), createdAt: int() })
  .meta({ id: "Share" });
export const newShareBodySchema = z
  .strictObject({ path: z.string().min(1).max(4096), user: z.string().min(1).max(64), access: z.enum(["read", "write"]).optional() })
  .meta({ id: "NewShare" });
export const sharesSchema = z.object({ shares: z.array(shareSchema) });
export const shareMadeSchema = shareSchema.extend(reached);
export const shareEndedSchema = z.object({ id: z.string(), ended: z.literal(true), ...reached });
export const nameParams = z.object({ name: z.string() });
export const idParams = z.object({ id: z.string() });
export const logoutSchema = z.object({ loggedOut: z.literal(true) });
