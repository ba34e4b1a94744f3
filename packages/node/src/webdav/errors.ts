// The one WebDAV error type: an HTTP status, a message, and for RFC 4918 preconditions the DAV:
// condition element the response body names (e.g. lock-token-submitted with the locked href).

export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly condition?: string,
    /** An href to name inside the condition element (the locked resource, for a 423). */
    readonly conditionHref?: string,
  ) {
    super(message);
    this.name = "DavError";
  }
}

export const davError = (status: number, message: string, condition?: string) => new DavError(status, message, condition);

/** A 423 Locked naming the lock-token-submitted precondition and the locked resource. */
export const lockedError = (href: string) =>
  new DavError(423, `${href} is locked and no lock token for it was submitted`, "lock-token-submitted", href);
