import { MemoryEventLog } from "./event-log.ts";
import { runEventLogTests } from "./event-log.case.ts";

runEventLogTests("MemoryEventLog", (capacity) => new MemoryEventLog(capacity));
