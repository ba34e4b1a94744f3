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
  .strictObject({
    password: z.string().min(1).max(1024).optional(),
    currentPassword: z.string().min(1).max(1024).optional().describe("the password being replaced: needed when a web UI session or a token changes its own user's"),
    role: roleSchema.optional(),
    quotaBytes: int().min(0).nullable().optional(),
  })
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
  .object({
    id: z.string(),
    path: z.string(),
    user: z.string().optional().describe("the user it is shared with (a share with a user)"),
    group: z.string().optional().describe("the group it is shared with (a share with a group: every member)"),
    access: z.enum(["read", "write"]),
    by: z.string(),
    createdAt: int(),
  })
  .meta({ id: "Share" });
export const newShareBodySchema = z
  .strictObject({
    path: z.string().min(1).max(4096),
    user: z.string().min(1).max(64).optional().describe("share with this user (or name a group)"),
    group: z.string().min(1).max(64).optional().describe("share with every member of this group (or name a user)"),
    access: z.enum(["read", "write"]).optional(),
  })
  .meta({ id: "NewShare" });
export const sharesSchema = z.object({ shares: z.array(shareSchema) });
export const shareMadeSchema = shareSchema.extend(reached);
export const shareEndedSchema = z.object({ id: z.string(), ended: z.literal(true), ...reached });
export const nameParams = z.object({ name: z.string() });

export const groupSchema = z
  .object({ name: z.string(), users: z.array(z.string()).describe("its members"), createdAt: int() })
  .meta({ id: "Group" });
export const groupsSchema = z.object({ groups: z.array(groupSchema) });
export const newGroupBodySchema = z.strictObject({ name: z.string().min(1).max(64) }).meta({ id: "NewGroup" });
export const groupMadeSchema = groupSchema.extend(reached);
export const groupChangedSchema = groupSchema.extend(reached);
export const groupDeletedSchema = z.object({ name: z.string(), deleted: z.literal(true), ...reached });
export const memberParams = z.object({ name: z.string(), user: z.string() });
export const idParams = z.object({ id: z.string() });
export const logoutSchema = z.object({ loggedOut: z.literal(true) });

export const s3KeySchema = z
  .object({ accessKey: z.string(), user: z.string(), label: z.string(), readOnly: z.boolean(), createdAt: int() })
  .meta({ id: "S3Key" });
export const newS3KeyBodySchema = z
  .strictObject({
    label: z.string().max(100).optional(),
    readOnly: z.boolean().optional(),
    user: z.string().min(1).max(64).optional().describe("whose key (admins: anyone's; default: your own)"),
  })
  .meta({ id: "NewS3Key" });
export const s3KeysSchema = z.object({ keys: z.array(s3KeySchema) });
export const s3KeyMadeSchema = s3KeySchema.extend({ secretKey: z.string().describe("shown once"), note: z.string(), ...reached });
export const s3KeyRevokedSchema = z.object({ accessKey: z.string(), revoked: z.literal(true), ...reached });
export const accessKeyParams = z.object({ accessKey: z.string() });

export const linkSchema = z
  .object({
    id: z.string(), path: z.string(), user: z.string().describe("who made it"), createdAt: int(), expiresAt: int(), expired: z.boolean(),
  })
  .meta({ id: "ShareLink" });
export const newLinkBodySchema = z
  .strictObject({
    path: z.string().min(1).max(4096),
    expiresInSeconds: int().min(1).optional().describe("default 7 days; at most SHARE_LINK_MAX_DAYS"),
  })
  .meta({ id: "NewShareLink" });
export const linksSchema = z.object({ links: z.array(linkSchema) });
export const linkMadeSchema = linkSchema.extend({ url: z.string().describe("the link: shown once, the node keeps only its hash"), ...reached });
export const linkRevokedSchema = z.object({ id: z.string(), revoked: z.literal(true), ...reached });
export const linkPageParams = z.object({ token: z.string() });
export const linkPathParams = z.object({ token: z.string(), path: z.string().describe("a file or folder below the shared folder") });
export const linkPageQuery = z.object({ download: z.enum(["1"]).optional().describe("1: the file's bytes as an attachment") });
