// What this node believes about every member and the rules for changing its mind: SWIM's incarnation
// precedence, Lifeguard suspicion timers, refutation of claims about ourselves. Accepted changes are queued
// for gossip and reported as events; swim.ts decides what evidence to gather and where to send it.
import { BroadcastQueue } from "./broadcast-queue.ts";
import type { Address } from "./address.ts";
import { infoOf, memberAddress, overrides, probeable, sameAddress, sameInfo, toUpdate } from "./member-record.ts";
import { RELAY_INCARNATION_LIMIT, type MemberUpdate } from "./messages.ts";
import { Suspicion } from "./suspicion.ts";
import { suspicionBounds, type SwimConfig } from "./swim-config.ts";
import type { Member, MemberChange, MemberInfo, MemberState, Refutation } from "./types.ts";

/** Default cap on members one node tracks (MAX_MEMBERS): a buggy peer cannot make us track unbounded made-up ones. */
export const DEFAULT_MAX_MEMBERS = 4096;

interface Entry {
  member: Member;
  suspicion?: Suspicion;
}

export class MemberTable {
  readonly me: Member;
  /** Updates waiting to be piggy-backed. */
  readonly broadcasts = new BroadcastQueue();
  private readonly entries = new Map<string, Entry>();
  private events: MemberChange[] = [];
  private refutations: Refutation[] = [];
  /** Suspect or dead claims about us refuted since start (drained or not). */
  refutationCount = 0;
  /** A peer said this node is "left" (forgotten, or an old leave) since the last drainForgotten(). */
  private forgottenClaim = false;
  /** Claims ignored because they broke a rule (see apply), for /metrics. */
  readonly ignored = { incarnation: 0, address: 0, full: 0 };
  /** Addresses others say a member moved to: pinged, so the member can confirm on its own word. */
  private addressChecks: Array<{ id: string; addr: Address }> = [];
  /** Per member, the address someone else last said it moved to, and when it was last pinged there. */
  private readonly addressClaims = new Map<string, { addr: Address; checkedAt: number }>();

  constructor(
    self: MemberInfo,
    known: Member[],
    private readonly config: SwimConfig,
    /** Called when a member becomes worth probing (joined, or back from dead or left). */
    private readonly onProbeable: (id: string) => void,
    private readonly maxMembers = DEFAULT_MAX_MEMBERS,
  ) {
    // Remembering our own last incarnation saves a refutation round after a restart.
    const previousSelf = known.find((m) => m.id === self.id);
    const incarnation = previousSelf ? previousSelf.incarnation + 1 : 0;
    this.me = { ...infoOf(self), state: "alive", incarnation, stateChangedAt: 0 };
    for (const m of known) {
      if (m.id === self.id) continue;
      // A remembered suspicion has no timer any more; the probes will find out afresh.
      this.entries.set(m.id, { member: { ...m, state: m.state === "suspect" ? "alive" : m.state } });
    }
  }

  get(id: string): Member | undefined {
    return this.entries.get(id)?.member;
  }

  /** Every member but ourselves (live records: read, do not change). */
  peers(): Member[] {
    return [...this.entries.values()].map((e) => e.member);
  }

  /** Every member but ourselves, without a copy of the list (read, do not change or keep). */
  *peerValues(): IterableIterator<Member> {
    for (const e of this.entries.values()) yield e.member;
  }

  /**
   * Whether the rounds have anyone to go to: gossip (a live member, or one dead since `deadSince`), a probe (a
   * live member), a push-pull (an alive one). Copies nothing: asked whenever the core computes its next deadline.
   */
  roundTargets(deadSince: number): { gossip: boolean; probe: boolean; alive: boolean } {
    let gossip = false;
    let probe = false;
    for (const { member: m } of this.entries.values()) {
      if (m.state === "alive") return { gossip: true, probe: true, alive: true };
      if (probeable(m)) probe = gossip = true;
      else if (m.state === "dead" && m.stateChangedAt >= deadSince) gossip = true;
    }
    return { gossip, probe, alive: false };
  }

  snapshot(): Member[] {
    return [{ ...this.me }, ...this.peers().map((m) => ({ ...m }))];
  }

  /** Alive and suspect members, self included: the n in the log(n) scalings. */
  clusterSize(): number {
    let n = 1;
    for (const e of this.entries.values()) if (probeable(e.member)) n++;
    return n;
  }

  drainEvents(): MemberChange[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  /** Claimed new addresses to ping since the last call (see apply). */
  drainAddressChecks(): Array<{ id: string; addr: Address }> {
    const checks = this.addressChecks;
    this.addressChecks = [];
    return checks;
  }

  /** Suspect or dead claims about this node that it refuted since the last call (for the operator's log). */
  drainRefutations(): Refutation[] {
    const refuted = this.refutations;
    this.refutations = [];
    return refuted;
  }

  /**
   * A claim about a member, from gossip (`sender` passed it on) or from a peer's full state. Two rules keep
   * one member from rewriting another: a claim passed on by someone else may not exceed
   * RELAY_INCARNATION_LIMIT (so the member can always refute it), and a member's address and ports change
   * only on its own word (a claim whose sender is the member itself).
   */
  apply(now: number, u: MemberUpdate, viaPushPull: boolean, sender: string): void {
    const ownWord = u.id === sender;
    if (!ownWord && u.incarnation > RELAY_INCARNATION_LIMIT) {
      this.ignored.incarnation++;
      return;
    }
    if (u.id === this.me.id) return this.applyAboutSelf(u);
    // A full state is our own reading of the peer's table, so its suspicions count as ours (memberlist).
    const suspecter = viaPushPull ? this.me.id : (u.suspectedBy ?? sender);
    const e = this.entries.get(u.id);
    if (!e) {
      if (this.entries.size < this.maxMembers) this.add(now, u, suspecter);
      else this.ignored.full++;
      return;
    }
    if (!ownWord && u.state === "alive" && !sameAddress(u, e.member)) {
      // Someone else says the member moved: believe the state, keep the address until it tells us itself.
      // A ping to the claimed address (at most one per member per protocol period) lets it do so at once.
      // The rest of the record (weight, full) is believed as passed on: that is how it spreads.
      this.ignored.address++;
      const addr = memberAddress(u);
      const last = this.addressClaims.get(u.id)?.checkedAt ?? Number.NEGATIVE_INFINITY;
      if (this.addressClaims.size >= this.maxMembers) this.addressClaims.clear();
      if (u.incarnation >= e.member.incarnation && now - last >= this.config.probeIntervalMs) {
        this.addressClaims.set(u.id, { addr, checkedAt: now });
        this.addressChecks.push({ id: u.id, addr });
      } else {
        this.addressClaims.set(u.id, { addr, checkedAt: last });
      }
      const { host, gossipPort, httpPort, transferPort } = e.member;
      u = { ...u, host, gossipPort, httpPort, transferPort };
    }
    // memberlist: a peer's full state calling a member dead is stale news as often as not, so it only
    // makes us suspect; the member gets a suspicion period to refute.
    const state = viaPushPull && u.state === "dead" ? "suspect" : u.state;
    const m = e.member;
    if (state === "suspect" && e.suspicion && u.incarnation >= m.incarnation) {
      // Another node suspects it independently: a shorter timeout, and news worth passing on.
      m.incarnation = u.incarnation;
      if (e.suspicion.confirm(suspecter)) this.broadcasts.enqueue({ ...toUpdate(m), suspectedBy: suspecter });
    } else if (overrides({ state, incarnation: u.incarnation }, m)) {
      if (ownWord) this.addressClaims.delete(u.id);
      this.transition(now, e, state, u.incarnation, state === "alive" ? u : undefined, suspecter);
    } else if (ownWord && state === "alive" && m.state === "alive" && u.incarnation === m.incarnation && this.addressClaims.get(u.id)?.addr === memberAddress(u)) {
      // Its own word confirms the address another member claimed for it, at the incarnation we hold: what the
      // address check above asks for. Not newer, so it was dropped, and a member restarted at a new address stayed
      // at its old one here for as long as helpers answered the probes sent there (no suspicion, no new incarnation).
      this.addressClaims.delete(u.id);
      this.transition(now, e, "alive", u.incarnation, u);
    }
  }

  /** Our own probe of `id` (as it was at `incarnation`) went unanswered. */
  suspect(now: number, id: string, incarnation: number): void {
    const m = this.entries.get(id)?.member;
    if (m) this.apply(now, { ...toUpdate(m), state: "suspect", incarnation }, false, this.me.id);
  }

  /**
   * Suspicions past their timeout become deaths; members dead longer than `deadForgetMs` become "left"
   * (forgotten, as `forget` does); dead and left members past `deadReapMs` are dropped from the table.
   */
  expire(now: number): void {
    const reapMs = this.config.deadReapMs;
    const forgetMs = this.config.deadForgetMs;
    for (const [id, e] of this.entries) {
      if (e.suspicion && now >= e.suspicion.expiresAt) this.transition(now, e, "dead", e.member.incarnation);
      if (forgetMs !== undefined && e.member.state === "dead" && now >= e.member.stateChangedAt + forgetMs) {
        this.transition(now, e, "left", e.member.incarnation);
      }
      if (reapMs !== undefined && !probeable(e.member) && now >= e.member.stateChangedAt + reapMs) this.entries.delete(id);
    }
  }

  /** The earliest time `expire` has work. */
  nextExpiry(): number {
    let t = Number.POSITIVE_INFINITY;
    const reapMs = this.config.deadReapMs;
    const forgetMs = this.config.deadForgetMs;
    for (const e of this.entries.values()) {
      if (e.suspicion) t = Math.min(t, e.suspicion.expiresAt);
      if (forgetMs !== undefined && e.member.state === "dead") t = Math.min(t, e.member.stateChangedAt + forgetMs);
      if (reapMs !== undefined && !probeable(e.member)) t = Math.min(t, e.member.stateChangedAt + reapMs);
    }
    return t;
  }

  /** Graceful leave: we announce "left" one incarnation up, which overrides any alive claim about us. */
  leave(now: number): MemberUpdate {
    const previous = this.me.state;
    this.me.incarnation += 1;
    this.me.state = "left";
    this.me.stateChangedAt = now;
    this.events.push({ member: { ...this.me }, previous });
    const update = toUpdate(this.me);
    this.broadcasts.enqueue(update);
    return update;
  }

  /**
   * An operator removes a dead member for good (`orrery members forget`): it becomes "left" at its
   * incarnation, which every node accepts over "dead" and which no longer blocks garbage collection. If the
   * member ever returns, it refutes with a higher incarnation and is alive again.
   */
  forget(now: number, id: string): Member {
    const e = this.entries.get(id);
    if (!e) throw new Error(`no member ${id}`);
    if (e.member.state === "alive" || e.member.state === "suspect") {
      throw new Error(`member ${id} is ${e.member.state}; only a dead member can be forgotten (a live one can leave)`);
    }
    if (e.member.state === "dead") this.transition(now, e, "left", e.member.incarnation);
    return { ...e.member };
  }

  /**
   * This node's own record changed at runtime (its store filled up, or has room again): announced one
   * incarnation up, so the new record overrides the old one everywhere, as a refutation does.
   */
  updateSelf(patch: Partial<Pick<MemberInfo, "weight" | "full" | "joining" | "ringSynced">>): MemberUpdate | undefined {
    const me = this.me;
    const next = infoOf({ ...me, ...patch });
    if (sameInfo(me, next)) return undefined;
    setInfo(me, next);
    me.incarnation += 1;
    this.events.push({ member: { ...me }, previous: me.state });
    const update = toUpdate(me);
    this.broadcasts.enqueue(update);
    return update;
  }

  /** Whether a peer called this node "left" since the last call (it was forgotten, or left before). */
  drainForgotten(): boolean {
    const claimed = this.forgottenClaim;
    this.forgottenClaim = false;
    return claimed;
  }

  /** Someone says something about us: refute anything that is not exactly our current state. */
  private applyAboutSelf(u: MemberUpdate): void {
    const me = this.me;
    if (u.incarnation < me.incarnation) return;
    // The ringSynced tracker is left out: a relay of an older build drops it from our record, and refuting that
    // would raise our incarnation at each of its push-pulls. A tracker changes only with our own incarnation.
    if (u.state === me.state && u.incarnation === me.incarnation && sameInfo({ ...u, ringSynced: me.ringSynced }, me)) return;
    me.incarnation = u.incarnation + 1;
    this.broadcasts.enqueue(toUpdate(me));
    // The cluster forgot us (or remembers an old leave): what we hold may predate collected tombstones.
    if (u.state === "left" && me.state !== "left") this.forgottenClaim = true;
    if (u.state === "suspect" || u.state === "dead" || u.state === "left") {
      this.refutations.push({ claimed: u.state, incarnation: u.incarnation, suspectedBy: u.suspectedBy });
      this.refutationCount++;
    }
  }

  private add(now: number, u: MemberUpdate, suspecter: string): void {
    const member: Member = { ...infoOf(u), state: u.state, incarnation: u.incarnation, stateChangedAt: now };
    const e: Entry = { member };
    this.entries.set(u.id, e);
    if (u.state === "suspect") this.startSuspicion(now, e, suspecter);
    if (probeable(member)) this.onProbeable(u.id);
    this.broadcasts.enqueue(u.state === "suspect" ? { ...toUpdate(member), suspectedBy: suspecter } : toUpdate(member));
    this.events.push({ member: { ...member }, previous: undefined });
  }

  /** Applies an accepted claim: new state and incarnation (and metadata, for alive), gossip, event. */
  private transition(
    now: number,
    e: Entry,
    state: MemberState,
    incarnation: number,
    info?: MemberInfo,
    suspecter = this.me.id,
  ): void {
    const m = e.member;
    const previous = m.state;
    const infoChanged = info !== undefined && !sameInfo(m, info);
    if (infoChanged) setInfo(m, info);
    m.incarnation = incarnation;
    if (state !== previous) {
      m.state = state;
      m.stateChangedAt = now;
      if (state === "suspect") this.startSuspicion(now, e, suspecter);
      else delete e.suspicion;
      if (probeable(m) && !(previous === "alive" || previous === "suspect")) this.onProbeable(m.id);
    }
    this.broadcasts.enqueue(state === "suspect" ? { ...toUpdate(m), suspectedBy: suspecter } : toUpdate(m));
    if (state !== previous || infoChanged) this.events.push({ member: { ...m }, previous });
  }

  private startSuspicion(now: number, e: Entry, suspecter: string): void {
    e.suspicion = new Suspicion(now, suspicionBounds(this.config, this.clusterSize()), suspecter);
  }
}

/** Replaces a member's announced record, dropping optional fields the new one lacks. */
function setInfo(m: Member, info: MemberInfo): void {
  Object.assign(m, infoOf(info));
  if (info.zone === undefined) delete m.zone;
  if (!info.full) delete m.full;
  if (!info.joining) delete m.joining;
  if (!info.ringSynced) delete m.ringSynced;
}
