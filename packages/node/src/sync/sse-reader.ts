// Reads a server-sent event stream (text/event-stream) as the node writes it: `event:` and `data:` lines,
// an empty line ending each event. Only what the node sends is understood; comments and ids are skipped.

export interface ServerEvent {
  event: string;
  data: string;
}

/** Splits text into events; keeps the unfinished tail for the next piece of text. */
export class SseParser {
  private buffer = "";
  private event = "message";
  private data: string[] = [];

  push(text: string): ServerEvent[] {
    this.buffer += text;
    const out: ServerEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r?\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const width = this.buffer.startsWith("\r\n", nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + width);
      this.line(line, out);
    }
    return out;
  }

  private line(line: string, out: ServerEvent[]): void {
    if (line === "") {
      if (this.data.length > 0) out.push({ event: this.event, data: this.data.join("\n") });
      this.event = "message";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
  }
}

/** The events of a response body, in order, until it ends. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
}
