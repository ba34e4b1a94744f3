// The self-healing benchmarks, each on its own fresh cluster:
//   failure — 5 nodes, RF 3: SIGKILL one; how long until the others call it dead, and until every chunk is back
//             at 3 copies on live nodes (bytes re-replicated, MB/s);
//   join    — 3 nodes, RF 3: a 4th joins; bytes moved (chunk files that appeared anywhere) against the least a
//             join can move (one copy of every chunk the newcomer owns), and the time until the hand-off is over.
// Both first upload the same kind of data set (16 MiB files at durability=quorum, round-robin over the nodes).
export * from "./heal-common.ts";
export * from "./heal-failure.ts";
export * from "./heal-join.ts";
