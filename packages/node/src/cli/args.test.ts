import { describe, expect, test } from "bun:test";
import { DEFAULT_NODE, parseClientArgs } from "./args.ts";
import { ExitCode, UsageError } from "./errors.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => parseClientArgs(argv[0]!, argv.slice(1), env);

/** The UsageError a command line raises; fails the test when it parses. */
function usageError(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    parse(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(ExitCode.usage);
    return e as UsageError;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseClientArgs", () => {
  test("a command with its positionals and the defaults", () => {
    expect(parse(["get", "/docs/a.txt", "-"])).toEqual({
      command: "get",
      positionals: ["/docs/a.txt", "-"],
      node: DEFAULT_NODE,
      json: false,
      help: false,
      durability: undefined,
      recursive: false,
      overwrite: false,
      once: false,
      admin: false,
      readOnly: false,
      write: false,
    });
  });
  test("command options and global options anywhere", () => {
    const a = parse(["put", "--durability", "all", "a.txt", "/a.txt", "--json", "--node=http://127.0.0.1:3001/"]);
    expect(a).toMatchObject({ command: "put", positionals: ["a.txt", "/a.txt"], durability: "all", json: true, node: "http://127.0.0.1:3001" });
    expect(parse(["rm", "-r", "/d"])).toMatchObject({ command: "rm", recursive: true });
    expect(parse(["mv", "/a", "/b", "--overwrite"])).toMatchObject({ overwrite: true });
    expect(parse(["sync", "./photos", "/photos", "--once"])).toMatchObject({ command: "sync", positionals: ["./photos", "/photos"], once: true });
    expect(parse(["sync", "./photos", "/photos"]).once).toBe(false);
  });
  test("global options before the command (main.ts passes the first word as the command)", () => {
    expect(parse(["--node", "http://127.0.0.1:4000", "ls", "/x"])).toMatchObject({ command: "ls", positionals: ["/x"], node: "http://127.0.0.1:4000" });
  });
  test("- is a positional (stdin/stdout), and -- ends the options", () => {
    expect(parse(["put", "-", "/in.txt"]).positionals).toEqual(["-", "/in.txt"]);
    expect(parse(["rm", "--", "--odd-name"]).positionals).toEqual(["--odd-name"]);
  });
  test("ORRERY_NODE is the default; --node wins over it", () => {
    expect(parse(["status"], { ORRERY_NODE: "http://127.0.0.1:3005" }).node).toBe("http://127.0.0.1:3005");
    expect(parse(["status", "--node", "http://127.0.0.1:3006"], { ORRERY_NODE: "http://127.0.0.1:3005" }).node).toBe("http://127.0.0.1:3006");
  });
  test("--help with or without a command", () => {
    expect(parse(["--help"]).help).toBe(true);
    expect(parse(["put", "-h"])).toMatchObject({ help: true, command: "put" });
  });
});

describe("usage errors (exit 2)", () => {
  test("unknown command", () => {
    expect(usageError(["frobnicate"]).message).toBe("unknown command 'frobnicate'");
  });
  test("missing command", () => {
    expect(usageError(["--json"]).message).toBe("missing command");
  });
  test("unknown option, named plainly", () => {
    expect(usageError(["ls", "--bogus"]).message).toBe("unknown option --bogus");
  });
  test("an option of another command", () => {
    expect(usageError(["ls", "--durability", "fast"]).message).toBe("ls takes no option --durability");
    expect(usageError(["get", "/a", "--recursive"]).message).toBe("get takes no option --recursive");
  });
  test("missing and extra arguments", () => {
    expect(usageError(["put", "a.txt"]).message).toBe("put: missing argument <remote>");
    expect(usageError(["mv"]).message).toBe("mv: missing argument <from>");
    expect(usageError(["status", "extra"]).message).toBe("status: unexpected argument 'extra'");
    expect(usageError(["get", "/a", "b", "c"]).message).toBe("get: unexpected argument 'c'");
    expect(usageError(["sync", "./photos"]).message).toBe("sync: missing argument <remote-path>");
    expect(usageError(["ls", "--once"]).message).toBe("ls takes no option --once");
  });
  test("option values", () => {
    expect(usageError(["ls", "--node"]).message).toBe("option --node needs a value");
    expect(usageError(["ls", "--json=yes"]).message).toBe("option --json takes no value");
    expect(usageError(["put", "a", "b", "--durability", "most"]).message).toBe("--durability must be one of quorum, fast, all, got 'most'");
  });
  test("bad node URLs, from the flag or the environment", () => {
    expect(usageError(["ls", "--node", "127.0.0.1:3000"]).message).toContain("--node must be");
    expect(usageError(["ls", "--node", "ftp://127.0.0.1"]).message).toContain("http:// or https://");
    expect(usageError(["ls"], { ORRERY_NODE: "not a url" }).message).toContain("ORRERY_NODE must be");
  });
});
