// Fault injection for partition tests (enabled only with FAULT_INJECTION=true): the set of peers this
// node is cut off from. Membership drops their gossip both ways; rpc/faulty-rpc.ts refuses every peer call
// to them. Applied on both sides, it is a clean network partition. Also a delay on every gossip datagram
// this node reads, as an event loop running that far behind on an overloaded host would add.

export class FaultInjector {
  private blocked = new Set<string>();
  private listeners = new Set<(ids: ReadonlySet<string>) => void>();
  private delayListeners = new Set<(ms: number) => void>();
  gossipDelayMs = 0;

  isBlocked(memberId: string): boolean {
    return this.blocked.has(memberId);
  }

  blockedPeers(): string[] {
    return [...this.blocked].sort();
  }

  setBlocked(memberIds: readonly string[]): void {
    this.blocked = new Set(memberIds);
    for (const l of this.listeners) l(this.blocked);
  }

  onChange(fn: (ids: ReadonlySet<string>) => void): void {
    this.listeners.add(fn);
  }

  setGossipDelay(ms: number): void {
    this.gossipDelayMs = ms;
    for (const l of this.delayListeners) l(ms);
  }

  onGossipDelay(fn: (ms: number) => void): void {
    this.delayListeners.add(fn);
  }
}
