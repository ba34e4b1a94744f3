// The live link to the node: one EventSource on /api/events for the whole app. It keeps the cluster's
// event timeline (every live node's log, merged by the node; this node's new events shown at once, then
// the merged list fetched again), the latest health snapshot and a counter the ring view watches to
// refetch, and says when the node is unreachable (EventSource reconnects by itself; a refused reconnect
// is retried). It keeps the last cluster view too: when this node stops answering, the banner offers the others.
import { api, type ClusterEvent, type ClusterView, type HealthEvent, type NodeStatus } from "./api.ts";
import { mergeEvents, newestFirst, RING_EVENTS } from "./cluster.ts";

/** Disconnections shorter than this (a node restart, a proxy hiccup) do not raise the banner. */
const BANNER_DELAY_MS = 1500;
/** After one of this node's events, other nodes' reports of the same thing follow within a moment. */
const TIMELINE_REFRESH_DELAY_MS = 1500;

class LiveLink {
  /** The stream is open. */
  connected = $state(false);
  /** Disconnected for longer than the grace period: show "node unreachable". */
  unreachable = $state(false);
  /** The node this page talks to (from /status). */
  node = $state<NodeStatus | undefined>(undefined);
  health = $state<HealthEvent | undefined>(undefined);
  healthAt = $state(0);
  /** The cluster's timeline, newest first. */
  events = $state<ClusterEvent[]>([]);
  /** The nodes whose logs the timeline merged, and those asked that did not answer. */
  eventNodes = $state<string[]>([]);
  eventsUnanswered = $state<Record<string, string>>({});
  /** Bumped on every cluster event that can move the ring, and on reconnect (events may be lost). */
  ringChanges = $state(0);
  /** The members as this node last told them: where to go when it stops answering. */
  view = $state<ClusterView | undefined>(undefined);

  private source: EventSource | undefined;
  private bannerTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = 1000;
  private started = false;
  private timelineTimer: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    if (this.started || typeof EventSource === "undefined") return;
    this.started = true;
    this.armBanner();
    this.connect();
  }

  private connect(): void {
    this.source?.close();
    const es = new EventSource("/api/events");
    this.source = es;
    es.addEventListener("open", () => {
      this.connected = true;
      this.unreachable = false;
      this.retryDelay = 1000;
      clearTimeout(this.bannerTimer);
      this.ringChanges++;
      void this.catchUp();
    });
    es.addEventListener("error", () => {
      if (this.connected) this.armBanner();
      this.connected = false;
      // CONNECTING: the browser retries on its own. CLOSED (an HTTP error answer): we must.
      if (es.readyState === EventSource.CLOSED) this.scheduleRetry();
    });
    es.addEventListener("cluster", (m) => {
      const event = parse<ClusterEvent>(m);
      if (!event) return;
      this.events = mergeEvents(this.events, [event]);
      if (RING_EVENTS.has(event.type)) {
        this.ringChanges++;
        void this.refreshView();
      }
      clearTimeout(this.timelineTimer);
      this.timelineTimer = setTimeout(() => void this.refreshEvents(), TIMELINE_REFRESH_DELAY_MS);
    });
    es.addEventListener("health", (m) => {
      const h = parse<HealthEvent>(m);
      if (!h) return;
      this.health = h;
      this.healthAt = Date.now();
    });
  }

  private armBanner(): void {
    clearTimeout(this.bannerTimer);
    this.bannerTimer = setTimeout(() => {
      if (!this.connected) this.unreachable = true;
    }, BANNER_DELAY_MS);
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 15_000);
  }

  /** After (re)connecting: who we talk to, and the events we may have missed. */
  private async catchUp(): Promise<void> {
    try {
      this.node = await api.status();
    } catch {
      // The stream's own error handling reports an unreachable node.
    }
    await Promise.all([this.refreshEvents(), this.refreshView()]);
  }

  private async refreshView(): Promise<void> {
    try {
      this.view = await api.cluster();
    } catch {
      // The last view stays: it is what the banner needs once the node is gone.
    }
  }

  /** Fetches the cluster's timeline again; it replaces the list (one event seen by several nodes is one entry). */
  async refreshEvents(): Promise<void> {
    try {
      const timeline = await api.recentEvents(100);
      this.events = newestFirst(timeline.events);
      this.eventNodes = timeline.nodes ?? [];
      this.eventsUnanswered = timeline.unanswered ?? {};
    } catch {
      // Kept as it was; the stream's own error handling reports an unreachable node.
    }
  }

  /** Retry now (the banner's button). */
  reconnect(): void {
    this.retryDelay = 1000;
    clearTimeout(this.retryTimer);
    this.connect();
  }
}

function parse<T>(m: Event): T | undefined {
  try {
    return JSON.parse((m as MessageEvent<string>).data) as T;
  } catch {
    return undefined;
  }
}

export const live = new LiveLink();
