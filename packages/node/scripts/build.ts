// `pnpm build` for the node: embeds the web UI's build (scripts/embed-ui.ts writes a generated module),
// compiles the single executable, and removes the generated module again so that the source tree
// (type-checking, running from source) never sees a stale list of UI files.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeEmbedModule } from "./embed-ui.ts";

const pkg = join(import.meta.dir, "..");
const generated = join(pkg, "src", "gateway", "ui-embedded.generated.ts");
// `bun scripts/build.ts [linux-x64|linux-arm64]`: a host build (dist/orrery) or a cross-compiled one.
const target = process.argv[2];
const outfile = target ? `../../dist/orrery-${target}` : "../../dist/orrery";
const targetFlag = target ? [`--target=bun-${target}`] : [];
// --bytecode-order: the bytecode an idle node and a few requests ran is laid out together at the front of the
// executable (profile recorded by scripts/bytecode-order.ts), so a node touches fewer of its pages.
const order = join(pkg, "scripts", "bytecode-order.txt");
const orderFlag = existsSync(order) ? [`--bytecode-order=${order}`] : [];

try {
  writeEmbedModule(generated);
  const proc = Bun.spawnSync(
    // --bytecode: the code is parsed and compiled to JSC bytecode here, not at every start. A node's start fell
    // from ~0.75 to ~0.45 s of CPU (a hundred nodes starting at once on one host share that cost); the same RSS.
    [process.execPath, "build", "--compile", "--minify", "--bytecode", ...orderFlag, ...targetFlag, "src/main.ts", "--outfile", outfile],
    { cwd: pkg, stdout: "inherit", stderr: "inherit" },
  );
  if (proc.exitCode !== 0) process.exitCode = proc.exitCode ?? 1;
} finally {
  rmSync(generated, { force: true });
}
