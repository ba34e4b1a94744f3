// Bytes of the live files below a folder, counted once each (a file's size, however many copies the
// cluster keeps), from the manifest rows every node holds: what a user's quota is measured in. One range scan
// of the files table's primary key (paths below `dir/` sort between `dir/` and `dir0`, '0' following '/').
import type { Database } from "bun:sqlite";

export function liveBytesUnder(db: Database, dir: string): number {
  const row = db
    .query<{ bytes: number | null }, [string, string]>(
      "SELECT SUM(size) AS bytes FROM files WHERE path >= ? AND path < ? AND deleted = 0 AND kind = 'file'",
    )
    .get(`${dir}/`, `${dir}0`);
  return row?.bytes ?? 0;
}
