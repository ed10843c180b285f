/**
 * Renders a relay's pino JSON log line for a terminal: `info  relay listening port=41234 nodeId=…`.
 * The time, process id, host name and logger name are dropped (the supervisor's prefix says which
 * relay it is); anything that is not a pino line comes back unchanged.
 */
const LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
const DROPPED = new Set(["level", "time", "pid", "hostname", "name", "msg"]);

function value(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (v !== null && typeof v === "object") {
    // Errors as pino serialises them: their message says enough on a terminal.
    const error = v as { type?: unknown; message?: unknown };
    if (typeof error.message === "string") return JSON.stringify(error.message);
    return JSON.stringify(v);
  }
  return String(v);
}

export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof record.level !== "number" || typeof record.msg !== "string") return line;
  const level = (LEVELS[record.level] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([k, v]) => !DROPPED.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`);
  return [level, record.msg, ...fields].join(" ");
}
