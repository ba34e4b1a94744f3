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
