// The node's version, as /status, /metrics and `orrery version` report it.
export const VERSION = "0.1.0";
