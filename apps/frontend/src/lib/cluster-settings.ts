// What the cluster settings card edits: the form's starting values from a settings view, the changes to
// send (only the fields the operator changed), and the sentence that reports an applied change. Pure.
import type { ClusterSettingsView } from "./api.ts";

const MiB = 1024 * 1024;
/** The bounds the node's API enforces (settings/cluster-settings.ts, MAX_CHUNK_SIZE_MIB). */
export const CHUNK_SIZE_MIB = { min: 1, max: 64 } as const;
export const REPLICATION_FACTOR = { min: 1, max: 7 } as const;

export interface SettingsForm {
  replicationFactor: number;
  chunkSizeMiB: number;
}

/**
 * The form as loaded: the values in force. A node's own CHUNK_SIZE_MB may be a fraction of a MiB, which the
 * setting (whole MiB) cannot express: the field then starts at the nearest allowed value, and is sent only if
 * the operator changes it.
 */
export function formOf(view: ClusterSettingsView): SettingsForm {
  const mib = view.set.chunkSizeMiB ?? Math.round(view.settings.chunkSize / MiB);
  return {
    replicationFactor: view.settings.replicationFactor,
    chunkSizeMiB: Math.min(CHUNK_SIZE_MIB.max, Math.max(CHUNK_SIZE_MIB.min, mib)),
  };
}

/** The fields that differ from the form as loaded: the body of the PUT (empty: nothing to apply). */
export function changesOf(loaded: SettingsForm, form: SettingsForm): Partial<SettingsForm> {
  const out: Partial<SettingsForm> = {};
  if (form.replicationFactor !== loaded.replicationFactor) out.replicationFactor = form.replicationFactor;
  if (form.chunkSizeMiB !== loaded.chunkSizeMiB) out.chunkSizeMiB = form.chunkSizeMiB;
  return out;
}

/** "Replication factor 2, chunk size 8 MiB: 3 of 3 live members confirmed." and what follows from it. */
export function describeApplied(sent: Partial<SettingsForm>, before: ClusterSettingsView | undefined, after: ClusterSettingsView): string {
  const what: string[] = [];
  if (sent.replicationFactor !== undefined) what.push(`Replication factor ${after.settings.replicationFactor}`);
  if (sent.chunkSizeMiB !== undefined) what.push(`${what.length ? "chunk" : "Chunk"} size ${after.settings.chunkSize / MiB} MiB`);
  let text = `${what.join(", ")}: ${after.confirmed} of ${after.members} live members confirmed.`;
  const rfBefore = before?.settings.replicationFactor;
  const rfAfter = after.settings.replicationFactor;
  if (sent.replicationFactor !== undefined && rfBefore !== undefined && rfAfter !== rfBefore) {
    text += rfAfter > rfBefore ? " Missing copies are being made now." : " Surplus copies are removed after the hand-off grace period.";
  }
  if (sent.chunkSizeMiB !== undefined) text += " New uploads use it; files already stored keep their chunks.";
  return text;
}

/** The top-level folders with their own replication factor, by name. */
export function folderFactorsOf(view: ClusterSettingsView): Array<{ folder: string; factor: number }> {
  return Object.entries(view.settings.folderReplicationFactors ?? {})
    .map(([folder, factor]) => ({ folder, factor }))
    .sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
}

/** "/photos/" or "photos" → "photos": the folder as the node names it. */
export const folderNameOf = (raw: string): string => raw.trim().replace(/^\/+|\/+$/g, "");

// \p{Cc}: control characters, which the node refuses in any name.
const CONTROL = /\p{Cc}/u;

/** Why the node would refuse this folder name (the rules of settings/folder-factors.ts), or undefined. */
export function folderProblem(raw: string): string | undefined {
  const name = folderNameOf(raw);
  if (name === "") return "Name a top-level folder, e.g. photos.";
  if (name.includes("/")) return "Only a top-level folder can have its own factor (no '/' inside the name).";
  if (name === "." || name === ".." || name === "__proto__") return `'${name}' is not a folder name.`;
  if (CONTROL.test(name) || name.includes("\\")) return "A folder name has no control characters or backslashes.";
  if (new TextEncoder().encode(name).length > 255) return "A folder name is at most 255 bytes.";
  return undefined;
}

/** "Folder /photos at 2 copies (the cluster keeps 3): 3 of 3 live members confirmed." and what follows. */
export function describeFolderApplied(folder: string, factor: number | null, before: ClusterSettingsView | undefined, after: ClusterSettingsView): string {
  const cluster = after.settings.replicationFactor;
  const was = before?.settings.folderReplicationFactors?.[folder] ?? before?.settings.replicationFactor;
  const now = factor ?? cluster;
  const head = factor === null ? `Folder /${folder} back on the cluster's replication factor (${cluster})` : `Folder /${folder} at ${factor} ${factor === 1 ? "copy" : "copies"} (the cluster keeps ${cluster})`;
  let text = `${head}: ${after.confirmed} of ${after.members} live members confirmed.`;
  if (was !== undefined && now > was) text += " Its missing copies are being made now.";
  if (was !== undefined && now < was) text += " Its surplus copies are removed after the hand-off grace period, except those another folder's files share.";
  return text;
}
