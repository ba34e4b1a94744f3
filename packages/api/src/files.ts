// The files API's shapes: entries and listings, uploads, deletes, mkdir, move, stat and the change feed.
import { z } from "zod";

const int = () => z.number().int();
const userPath = z.string().min(1).max(4096);

export const durabilitySchema = z.enum(["fast", "quorum", "all"]).describe("copies a write waits for: fast = 1, quorum = ⌊N/2⌋+1, all = N");
export const consistencySchema = z.enum(["quorum", "local"]).describe("quorum: read your writes through any node; local: this node's rows");
const flag = z.enum(["1", "true", "0", "false"]);

/** What is live below a folder, at any depth. */
export const folderTotalsSchema = z
  .object({
    items: int().min(0).describe("its entries, as its listing shows them"),
    files: int().min(0).describe("files at any depth below it"),
    bytes: int().min(0).describe("their total size"),
    partial: z.literal(true).optional().describe("the folder holds more entries than were counted (a listing counts a bounded share per folder): items is a lower bound; files and bytes are whole"),
  })
  .meta({ id: "FolderTotals" });

/** A row as the files API shows it (listings, stat, the change feed). */
export const entrySchema = z
  .object({
    name: z.string(),
    path: z.string().describe("absolute, e.g. /photos/a.jpg"),
    kind: z.enum(["file", "dir"]),
    size: int().min(0),
    mtime: int().describe("ms since the epoch"),
    version: z.string().describe("the row's hybrid-logical-clock version"),
    sha256: z.string().nullable().optional().describe("files only"),
    chunks: int().min(0).optional().describe("files only: how many chunks"),
    folder: folderTotalsSchema
      .optional()
      .describe("folders in a listing asked with totals=1, when the caller may read everything below the folder (not one only on the way to theirs)"),
  })
  .meta({ id: "Entry" });

export const listingSchema = z
  .object({ path: z.string(), kind: z.literal("dir"), entries: z.array(entrySchema), more: z.boolean().describe("a next page exists: ask again with after=<last name>") })
  .meta({ id: "Listing" });

export const putResultSchema = z
  .object({
    path: z.string(),
    size: int(),
    sha256: z.string(),
    md5: z.string().optional().describe("only for writes through S3, which asks for the MD5 (its ETag); the files API names content by sha256"),
    chunkSize: int(),
    chunks: z.array(z.string()),
    version: z.string(),
    mtime: int(),
    durability: durabilitySchema,
    replicationFactor: int(),
    copies: int().describe("fewest durable copies any chunk had when the write was acknowledged"),
    queued: int().describe("copies waiting in the replication queue"),
    underReplicated: z.boolean(),
    manifestCopies: int().describe("nodes holding the manifest when the write was acknowledged"),
  })
  .meta({ id: "PutResult" });

export const deleteResultSchema = z.object({ path: z.string(), deleted: z.literal(true), version: z.string() });
export const mkdirResultSchema = z.object({ path: z.string(), created: z.boolean().describe("false: it existed already"), version: z.string() });
export const moveResultSchema = z.object({ from: z.string(), to: z.string(), version: z.string() });

export const mkdirBodySchema = z.strictObject({ path: userPath });
export const moveBodySchema = z.strictObject({ from: userPath, to: userPath, overwrite: z.boolean().optional() });

export const chunkHealthSchema = z.object({
  id: z.string(),
  position: z.string().describe("ring position, 16 hex digits"),
  owners: z.array(z.string()),
  holders: z.array(z.string()).describe("owners that confirmed a copy"),
  reachedAt: z
    .array(z.object({ member: z.string(), position: z.string().describe("16 hex digits") }))
    .describe("for each owner on the ring, the virtual node a replica-set walk from the chunk's position reaches it by, in walk order"),
  factor: int(),
});

export const statSchema = entrySchema
  .omit({ chunks: true })
  .extend({
    chunkSize: int(),
    chunks: z.array(chunkHealthSchema),
    replicationFactor: int(),
    minCopies: int().describe("fewest confirmed copies of any chunk; of the manifest for a file kept inline"),
    underReplicated: z.boolean(),
    unreachable: z.record(z.string(), z.string()).describe("owners that could not be asked, with the reason"),
    manifestOwners: z
      .array(z.string())
      .describe("the members that hold this path's manifest under the current ring (the owners of its parent folder): writes go to them, quorum reads ask them"),
    manifestOwnersDuringRingChange: z
      .array(z.array(z.string()))
      .optional()
      .describe("while the ring settles after a change: the path's owners under each ring replaced moments ago, which writes also reach and quorums also count"),
    inline: z
      .literal(true)
      .optional()
      .describe("a small file whose content is kept in its manifest: no chunks, as many copies as manifest owners hold this version"),
  })
  .meta({ id: "Stat" });

/** A change-feed event: the row as a listing shows it, and whether it is a deletion. */
export const changeSchema = entrySchema.extend({ deleted: z.boolean() }).meta({ id: "Change" });

export const filePathParams = z.object({ path: z.string().describe("the file or directory path below the prefix, percent-encoded") });
export const listQuery = z.object({
  limit: z.string().optional().describe("1..10000 entries (default 1000)"),
  after: z.string().optional().describe("the last name of the previous page"),
  consistency: consistencySchema.optional(),
  download: flag.optional().describe("a file: save it under its name (Content-Disposition: attachment)"),
  totals: flag.optional().describe("a directory: give each folder entry its totals (`folder`): one query per page, reading every row below the page's folders"),
});
export const putQuery = z.object({ durability: durabilitySchema.optional() });
export const putHeaders = z.object({
  "x-orrery-mtime": z.string().optional().describe("ms since the epoch (default: now)"),
  "if-match": z.string().optional().describe('write only over this ETag ("<sha256>")'),
  "if-none-match": z.string().optional().describe("*: write only if nothing is there"),
  "content-type": z.string().optional().describe("kept and served back"),
});
export const deleteQuery = z.object({ recursive: flag.optional(), durability: durabilitySchema.optional() });
export const changesQuery = z.object({ path: z.string().optional().describe("the folder to watch, e.g. /photos (default: everything)") });
/** Most paths one zip download may name (each a file or a folder, taken whole). */
export const ZIP_MAX_PATHS = 1000;
export const zipQuery = z.object({
  path: z
    .union([z.string(), z.array(z.string()).min(1).max(ZIP_MAX_PATHS)])
    .describe("a file or folder to include, e.g. /photos; repeat it for several (up to 1000), taken relative to their common folder"),
});

export const searchQuery = z.object({
  q: z.string().min(1).max(200).describe("a part of the names to find (1..200 characters); ASCII letters of either case alike"),
  path: z.string().optional().describe("the folder to search below, e.g. /photos (default: the root)"),
  limit: z.string().optional().describe("1..500 matches (default 100)"),
  after: z.string().optional().describe("the previous page's `next`"),
  consistency: consistencySchema.optional(),
});
export const searchResultSchema = z
  .object({
    path: z.string().describe("the folder searched"),
    q: z.string(),
    entries: z.array(entrySchema).describe("files and folders below it whose name holds q, at any depth, in path order"),
    more: z.boolean(),
    next: z.string().optional().describe("with more: ask again with after=<next>"),
  })
  .meta({ id: "SearchResult" });

export type Entry = z.output<typeof entrySchema>;
export type FolderTotals = z.output<typeof folderTotalsSchema>;
export type Listing = z.output<typeof listingSchema>;
export type SearchResult = z.output<typeof searchResultSchema>;
export type Stat = z.output<typeof statSchema>;
export type ChunkHealth = z.output<typeof chunkHealthSchema>;
export type Change = z.output<typeof changeSchema>;
export type PutResult = z.output<typeof putResultSchema>;
export type Durability = z.output<typeof durabilitySchema>;
