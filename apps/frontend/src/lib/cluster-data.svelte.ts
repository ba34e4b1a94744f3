// The cluster as the cluster and health views show it: /api/cluster (members and ring) and
// /api/cluster/status (every member's /status and /api/health, gathered by our node). Shared, so
// switching views shows the last numbers at once while fresh ones load.
import { api, type ClusterView, type MemberStatus } from "./api.ts";
import { describeError } from "./errors.ts";
import { memberColors } from "./member-colors.svelte.ts";

class ClusterData {
  view = $state<ClusterView | undefined>(undefined);
  viewError = $state<string | undefined>(undefined);
  statuses = $state<MemberStatus[]>([]);
  statusesAt = $state(0);

  private viewInFlight: Promise<void> | undefined;
  private viewAgain = false;
  private statusInFlight = false;

  /** Refetches members and ring; calls during a fetch coalesce into one more fetch. */
  refreshView(): Promise<void> {
    if (this.viewInFlight) {
      this.viewAgain = true;
      return this.viewInFlight;
    }
    this.viewInFlight = (async () => {
      do {
        this.viewAgain = false;
        try {
          const view = await api.cluster();
          memberColors.update(view.members.map((m) => m.id));
          this.view = view;
          this.viewError = undefined;
        } catch (err) {
          this.viewError = describeError(err);
        }
      } while (this.viewAgain);
      this.viewInFlight = undefined;
    })();
    return this.viewInFlight;
  }

  async refreshStatuses(): Promise<void> {
    if (this.statusInFlight) return;
    this.statusInFlight = true;
    try {
      const { members } = await api.clusterStatus();
      memberColors.update(members.map((m) => m.id));
      this.statuses = members;
      this.statusesAt = Date.now();
    } catch {
      // Older nodes lack /api/cluster/status; the views fall back to the member list.
    } finally {
      this.statusInFlight = false;
    }
  }

  statusOf(id: string): MemberStatus | undefined {
    return this.statuses.find((s) => s.id === id);
  }
}

export const clusterData = new ClusterData();
