// CPU seconds a process has used (user + system, from /proc/PID/stat): what a workload cost a node, a figure
// a loaded machine disturbs much less than wall-clock throughput.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux build that matters). */
const USER_HZ = 100;

/** utime + stime of `pid`, seconds; null when it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After comm: state is index 0, so utime (field 14) is index 11 and stime (field 15) index 12.
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return null;
  }
}
