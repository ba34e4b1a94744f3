// The admin API's shapes: live cluster settings, key rotation, leave, forget, fault injection.
import { z } from "zod";
import { memberStateSchema } from "./cluster.ts";

const int = () => z.number().int();
const factor = int().min(1).max(7);
/** The rule of security/cluster-key.ts (clusterKeyPattern; a gateway test keeps the two equal). */
export const clusterKeyPattern = /^[\x21-\x7e]{32,512}$/;
const keyId = z.string().regex(/^[0-9a-f]{16}$/, "a key id is 16 hex digits");

export const settingsViewSchema = z
  .object({
    settings: z
      .object({ replicationFactor: int(), chunkSize: int().describe("bytes"), folderReplicationFactors: z.record(z.string(), int()) })
      .describe("in force on this node"),
    set: z
      .object({ replicationFactor: int().optional(), chunkSizeMiB: int().optional(), folderReplicationFactors: z.record(z.string(), int()).optional() })
      .describe("what the cluster set (the others come from each node's environment)"),
    version: z.string().nullable(),
  })
  .meta({ id: "ClusterSettings" });

export const settingsChangedSchema = settingsViewSchema.extend({
  confirmed: int().describe("live members that confirmed the change (this node included)"),
  members: int().describe("of how many"),
});

/**
 * The shape of a change. The node checks it with settings/cluster-settings.ts, which adds the folder-name rules
 * (one canonical top-level segment) that a JSON Schema cannot say; the gateway's typecheck keeps the two alike.
 */
export const settingsChangeBodySchema = z.strictObject({
  replicationFactor: factor.optional(),
  chunkSizeMiB: int().min(1).optional(),
  folderReplicationFactors: z.record(z.string(), factor.nullable()).optional().describe("top-level folder → its factor; null: back to the cluster's"),
});

export const keyStepSchema = z
  .object({
    nodes: z.array(z.object({ id: z.string(), state: memberStateSchema, primary: z.string().optional(), keys: z.array(z.string()).optional(), error: z.string().optional() })),
    skipped: z.array(z.object({ id: z.string(), state: memberStateSchema })).describe("members that are down: they need the key by hand"),
    secrets: z
      .object({ resealed: z.number().int(), unreadable: z.array(z.string()) })
      .optional()
      .describe("use and remove: users' S3 secrets sealed again under the key now in use (unreadable: access keys no key held opens)"),
  })
  .meta({ id: "KeyStep" });

export const keyInstallBodySchema = z.union([
  z.strictObject({ sealedKey: z.string().min(1).max(2048).describe("the new key sealed under the signing key (what the CLI sends)") }),
  z.strictObject({
    key: z
      .string()
      .regex(clusterKeyPattern, "a cluster key is at least 32 (at most 512) printable ASCII characters, no spaces")
      .describe("plain: only on a loopback node without a credential"),
  }),
]);
export const keyIdBodySchema = z.strictObject({ keyId });

export const leaveSchema = z.object({ nodeId: z.string(), leaving: z.literal(true), message: z.string() });
export const forgetSchema = z.object({ id: z.string(), state: memberStateSchema, incarnation: int() });
export const memberIdParams = z.object({ id: z.string().describe("the member's node id") });

export const faultsSchema = z.strictObject({
  blockedPeers: z.array(z.string().max(64)).max(1000),
  gossipDelayMs: int()
    .min(0)
    .max(60_000)
    .optional()
    .describe("every gossip datagram is handled this long after it arrived, as by an event loop that far behind; absent: unchanged"),
});

export type ClusterSettingsView = z.output<typeof settingsViewSchema> & Partial<Pick<z.output<typeof settingsChangedSchema>, "confirmed" | "members">>;
export type SettingsChange = z.input<typeof settingsChangeBodySchema>;
export type KeyStep = z.output<typeof keyStepSchema>;
