// Every running process's view of the membership, kept up to date from its SWIM events, held against the
// truth (which processes run): how many (observer, member) pairs disagree, when they last all agreed, and
// how often a running member was suspected or declared dead (a false suspicion or death). Incremental, so
// a 1,000-node run can ask "does every view agree?" after every event for O(1).
import type { Member, MemberState } from "../membership/types.ts";

export class MembershipViews {
  /** Per running observer, the state it holds for each other member. */
  private readonly views = new Map<string, Map<string, MemberState>>();
  /** Per running observer, how many started nodes it holds wrongly (a running one not alive, a stopped one alive or suspect). */
  private readonly wrong = new Map<string, number>();
  private readonly running = new Set<string>();
  /** Every node that ever ran: the members the views are held to. */
  private readonly started = new Set<string>();
  /** Wrong (observer, member) pairs over all running observers: 0 when every view agrees with the truth. */
  disagreements = 0;
  /** The first moment since the last mark() at which every view agreed (undefined: not yet). */
  agreedAt: number | undefined;
  falseSuspicions = 0;
  falseDeaths = 0;
  /** Running members some observer suspected, or declared dead, while they ran. */
  readonly falselySuspected = new Set<string>();
  readonly falselyDead = new Set<string>();

  constructor(private readonly now: () => number) {}

  /** Starts watching for the next moment of agreement. */
  mark(): void {
    this.agreedAt = this.disagreements === 0 ? this.now() : undefined;
  }

  private isWrong(observer: Map<string, MemberState>, id: string): boolean {
    const state = observer.get(id);
    return this.running.has(id) ? state !== "alive" : state === "alive" || state === "suspect";
  }

  private adjust(observer: string, delta: number): void {
    if (delta === 0) return;
    this.wrong.set(observer, this.wrong.get(observer)! + delta);
    this.disagreements += delta;
    if (this.disagreements === 0 && this.agreedAt === undefined) this.agreedAt = this.now();
  }

  /** Runs `change` on member `id`'s truth and re-counts every observer's view of it. */
  private retruth(id: string, change: () => void): void {
    // A node that never ran was not counted yet.
    const counted = this.started.has(id);
    const before = new Map<string, boolean>();
    for (const [o, view] of this.views) if (o !== id) before.set(o, counted && this.isWrong(view, id));
    change();
    for (const [o, wasWrong] of before) this.adjust(o, Number(this.isWrong(this.views.get(o)!, id)) - Number(wasWrong));
  }

  /** A process of `id` started, its table holding `members` (its own record among them). */
  processStarted(id: string, members: readonly Member[]): void {
    this.retruth(id, () => {
      this.running.add(id);
      this.started.add(id);
    });
    const view = new Map<string, MemberState>();
    for (const m of members) if (m.id !== id) view.set(m.id, m.state);
    this.views.set(id, view);
    this.wrong.set(id, 0);
    let wrong = 0;
    for (const other of this.started) if (other !== id && this.isWrong(view, other)) wrong++;
    this.adjust(id, wrong);
  }

  /** The process of `id` died: its view goes, and every other view should now hold it dead. */
  processStopped(id: string): void {
    if (!this.running.has(id)) return;
    this.adjust(id, -this.wrong.get(id)!);
    this.views.delete(id);
    this.wrong.delete(id);
    this.retruth(id, () => this.running.delete(id));
  }

  /**
   * `observer`'s SWIM reported that it now holds `member` in `state`. A suspicion counts as false when it
   * hits a running member held alive (one held dead that comes back passes through suspect on its way).
   */
  changed(observer: string, member: string, state: MemberState, previous: MemberState | undefined): void {
    const view = this.views.get(observer);
    if (!view || member === observer) return;
    if (this.running.has(member)) {
      if (state === "suspect" && previous !== "dead" && previous !== "left") {
        this.falseSuspicions++;
        this.falselySuspected.add(member);
      } else if (state === "dead") {
        this.falseDeaths++;
        this.falselyDead.add(member);
      }
    }
    const counted = this.started.has(member);
    const wasWrong = counted && this.isWrong(view, member);
    view.set(member, state);
    if (counted) this.adjust(observer, Number(this.isWrong(view, member)) - Number(wasWrong));
  }

  /** A few observers that disagree, and on what (for a report on a phase that did not converge). */
  sample(limit = 3): string[] {
    const out: string[] = [];
    for (const [o, n] of this.wrong) {
      if (n === 0) continue;
      const view = this.views.get(o)!;
      const wrongIds = [...this.started].filter((id) => id !== o && this.isWrong(view, id)).slice(0, 4);
      out.push(`${o} holds ${n} wrongly, e.g. ${wrongIds.map((id) => `${id}:${view.get(id) ?? "unknown"}${this.running.has(id) ? "(runs)" : "(down)"}`).join(" ")}`);
      if (out.length >= limit) break;
    }
    return out;
  }
}
