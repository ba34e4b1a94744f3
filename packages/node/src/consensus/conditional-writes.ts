// Conditional writes (If-Match, If-None-Match: *) that are linearizable per path, as Cassandra's
// lightweight transactions: one Paxos round (CASPaxos-style: the register is the path's manifest) among
// the path's manifest owners decides the new row only if the precondition holds on the newest row a
// majority knows. Two clients racing with the same precondition through different nodes, also across a
// partition: exactly one decision is made on the row both saw; the other round sees the winner and fails
// its precondition (412). Unconditional writes stay one round and order by version among themselves.
import { type Clock, systemClock } from "../util/clock.ts";
import { OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { HybridClock } from "../metadata/hlc.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestChange } from "../metadata/manifest-store.ts";
import { callMany } from "../rpc/call-many.ts";
import type { JsonResponse } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { fewestInAny, majority, type OwnerSet, type Placement, quorumInEach } from "../replication/placement.ts";

/** Says why the current row (undefined: none, or deleted) does not allow the write; undefined: it does. */
export type Precondition = (current: Manifest | undefined) => string | undefined;

export class PreconditionFailed extends OrreryError {
  constructor(message: string) {
    super(412, "precondition_failed", message);
  }
}

export interface ConditionalWritesComponents {
  selfId: string;
  placement: Placement;
  rpc: PeerRpc;
  log: Logger;
  clock?: Clock;
  random?: () => number;
}

export interface Decision {
  /** The value chosen for the path (its version is above every row the round saw). */
  row: Manifest;
  /** The newest row the round saw before deciding. */
  previous: Manifest | undefined;
}

/** Rounds lost to competing proposers before giving up with 503. */
const MAX_ROUNDS = 8;

export class ConditionalWrites {
  /** Ballots and values are HLC versions of this node: unique, and above everything it has seen. */
  private readonly clock: HybridClock;
  private readonly time: Clock;

  constructor(private readonly c: ConditionalWritesComponents) {
    this.time = c.clock ?? systemClock;
    this.clock = new HybridClock(c.selfId, () => this.time.now(), { maxDriftMs: Number.MAX_SAFE_INTEGER });
  }

  /**
   * Decides `change` for its path if `precondition` holds on the newest row a majority of the path's owners
   * know. Throws PreconditionFailed (412) when it does not, with `onStale` given a value some earlier round
   * left accepted but never applied (the caller applies it, so what the client is told about is visible).
   */
  async decide(change: ManifestChange, precondition: Precondition, onStale?: (row: Manifest) => Promise<void>): Promise<Decision> {
    const { placement, rpc, log } = this.c;
    const path = change.path;
    for (let round = 1; ; round++) {
      // A majority of the path's owners under the current ring, and under any ring replaced moments ago.
      const sets = placement.manifestOwnerSets(path);
      const needed = majority(sets[0]!, true);
      if (!quorumInEach(sets, majority, () => true)) {
        throw new OrreryError(503, "conditional_write_unavailable", `a conditional write of /${path} needs ${needed} of its owners, ${fewestInAny(sets, () => true)} are up; nothing was written`);
      }
      const ballot = this.clock.tick();
      const prepared = await this.ask(sets, (id) => rpc.call(id, "paxos.prepare", { path, ballot }));
      const promises = [...prepared.values()].filter((p) => p.promised);
      if (quorumInEach(sets, majority, (id) => prepared.get(id)?.promised === true)) {
        const { newest, stale } = newestOf(promises);
        if (newest) this.clock.observe(newest.version);
        // An earlier round of this very write may have been accepted (its accept reached some acceptors, or a
        // majority whose answers were lost): its value is proposed again under this ballot, and the write is
        // done once a majority accepts it. Seeing it in one promise is not enough: accepted by a minority (the
        // proposer's own acceptor, say), a later round may still pass it by (simulator seed 1169).
        const again = round > 1 && newest !== undefined && sameContent(newest, change);
        const current = newest && !newest.deleted ? newest : undefined;
        const reason = again ? undefined : precondition(current);
        if (reason) {
          if (stale && onStale) await onStale(stale);
          throw new PreconditionFailed(reason);
        }
        // The decided value: the change with a version above every row seen. Never stored as a row itself (the
        // write commits its content afterwards, with its own version and seq), so seq is only a placeholder.
        const row: Manifest = again ? newest! : { ...change, version: this.clock.tick(), origin: this.c.selfId, seq: 1 };
        const accepted = await this.ask(sets, (id) => rpc.call(id, "paxos.accept", { path, ballot, row }));
        if (quorumInEach(sets, majority, (id) => accepted.get(id)?.accepted === true)) return { row, previous: newest };
        this.observeBallots(accepted.values());
      } else {
        this.observeBallots(prepared.values());
        if (!quorumInEach(sets, majority, (id) => prepared.has(id))) {
          throw new OrreryError(503, "conditional_write_unavailable", `only ${fewestInAny(sets, (id) => prepared.has(id))} of the ${needed} owners of /${path} a conditional write needs answered; nothing was written`);
        }
      }
      if (round >= MAX_ROUNDS) {
        throw new OrreryError(503, "conditional_write_contended", `/${path}: other conditional writes kept winning (${round} rounds); try again`);
      }
      log.debug("conditional write lost a round; retrying", { path, round });
      // A random pause so that two proposers stop pre-empting each other (Paxos liveness).
      await this.time.sleep(Math.floor((this.c.random ?? Math.random)() * 20 * round) + 1);
    }
  }

  /** The answers of the owners (this node included, locally) once a majority of each set answered, or all settled. */
  private async ask<T>(sets: readonly OwnerSet[], call: (id: string) => Promise<T>): Promise<Map<string, T>> {
    const members = [...new Set(sets.flatMap((s) => s.owners))];
    return (await callMany(members, call, { quorum: (ok) => quorumInEach(sets, majority, (id) => ok.has(id)), graceMs: 0 })).ok;
  }

  private observeBallots(answers: Iterable<{ ballot: string }>): void {
    for (const a of answers) this.clock.observe(a.ballot);
  }
}

/** Whether a row carries exactly the content of a change (an earlier round of the same write). */
function sameContent(row: Manifest, change: ManifestChange): boolean {
  return (
    row.path === change.path &&
    row.kind === change.kind &&
    row.deleted === change.deleted &&
    row.size === change.size &&
    row.sha256 === change.sha256 &&
    row.mtime === change.mtime &&
    row.md5 === change.md5 &&
    row.chunks.join() === change.chunks.join()
  );
}

/**
 * The state a round builds on: of the values the promising acceptors accepted, the one accepted under the highest
 * ballot (CASPaxos: a value accepted under a lower ballot was passed by, even when its version is higher: its
 * proposer stamped it before it saw the value that was chosen), or the newest of their current rows if that is
 * newer (an unconditional write, or the applied decision). `stale` when the state is an accepted value no
 * promising acceptor has in its manifest store (a round chose it, or nearly, and its proposer never applied it).
 */
function newestOf(promises: Array<JsonResponse<"paxos.prepare">>): { newest: Manifest | undefined; stale: Manifest | undefined } {
  let accepted: { ballot: string; row: Manifest } | undefined;
  let current: Manifest | undefined;
  for (const p of promises) {
    if (p.accepted && (!accepted || p.accepted.ballot > accepted.ballot)) accepted = p.accepted;
    if (p.current && (!current || p.current.version > current.version)) current = p.current;
  }
  const fromAccepted = accepted !== undefined && (!current || accepted.row.version > current.version);
  const newest = fromAccepted ? accepted!.row : current;
  const applied = promises.some((p) => p.current?.version === newest?.version);
  return { newest, stale: fromAccepted && !applied ? newest : undefined };
}
