// The web UI files embedded in the single executable. `pnpm build` writes ui-embedded.generated.ts
// (URL path → embedded file) before `bun build --compile`; running from source it may be absent.

export async function loadEmbeddedUi(): Promise<Record<string, string>> {
  try {
    // @ts-ignore: generated at build time and absent in a fresh checkout; the catch covers that.
    const mod = (await import("./ui-embedded.generated.ts")) as { files?: Record<string, string> };
    return mod.files ?? {};
  } catch {
    return {};
  }
}
