// Shared by the S3 unit tests.

/** The code of the error `fn` throws (an S3 or Orrery error), or "ok" when it returns. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    return (err as { code: string }).code;
  }
}
