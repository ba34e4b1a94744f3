// A value made on first use, once: what loads a module an idle node does not need (the S3 API, WebDAV) when the
// first request for it comes. A failed load is not kept, so the next request tries again.

export interface Lazy<T> {
  /** The value, made by the first call; concurrent first calls share one load. */
  get(): Promise<T>;
  /** Whether a load has finished (tests look). */
  readonly loaded: boolean;
}

export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  let loaded = false;
  return {
    get() {
      pending ??= load().then(
        (value) => {
          loaded = true;
          return value;
        },
        (err: unknown) => {
          pending = undefined;
          throw err;
        },
      );
      return pending;
    },
    get loaded() {
      return loaded;
    },
  };
}
