// Renames, which both file systems show as a delete and a create: a delete and a create of the same content
// in one pass become one move on the other side, so a renamed file is not transferred again.
import type { Action, BaseEntry, Entries } from "./reconcile.ts";

type WithPath = Extract<Action, { path: string }>;
type Of<T extends WithPath["type"]> = Extract<WithPath, { type: T }>;

/** Takes the first unused item with this content hash, in path order (so the pairing is deterministic). */
function taker<T>(items: T[], hash: (t: T) => string | null): (sha: string) => T | undefined {
  const byHash = new Map<string, T[]>();
  for (const item of items) {
    const h = hash(item);
    if (h !== null) byHash.set(h, [...(byHash.get(h) ?? []), item]);
  }
  return (sha) => byHash.get(sha)?.shift();
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * A path deleted here whose content reappears under a new path here becomes a move on the other side:
 * deleteRemote(A) + upload(B, nothing at B remotely) → moveRemote(A, B); deleteLocal(A) + download(B, nothing
 * at B locally) → moveLocal(A, B). Only deletes of content the other side still holds unchanged qualify,
 * which is what reconcile's deletes already mean.
 */
export function pairRenames(actions: Action[], base: Entries<BaseEntry>): Action[] {
  const of = <T extends WithPath["type"]>(type: T) => actions.filter((a): a is Of<T> => a.type === type).sort(byPath);
  const used = new Set<Action>();
  const moves: Action[] = [];

  const takeUpload = taker(of("upload").filter((u) => u.ifMatch === null), (u) => u.local.sha256);
  for (const del of of("deleteRemote")) {
    if (base.get(del.path)?.sha256 !== del.sha256) continue;
    const up = takeUpload(del.sha256);
    if (!up) continue;
    used.add(del).add(up);
    moves.push({ type: "moveRemote", from: del.path, to: up.path, local: up.local, sha256: del.sha256 });
  }

  const takeDownload = taker(of("download").filter((d) => d.replace === undefined), (d) => d.remote.sha256);
  for (const del of of("deleteLocal")) {
    const down = takeDownload(del.local.sha256);
    if (!down) continue;
    used.add(del).add(down);
    moves.push({ type: "moveLocal", from: del.path, to: down.path, local: del.local, remote: down.remote });
  }
  return [...actions.filter((a) => !used.has(a)), ...moves];
}
