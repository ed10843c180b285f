import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatLogLine } from "./log-format.ts";

describe("relay log lines in ./sesh up", () => {
  it("renders a pino line as level, message and fields", () => {
    const line = JSON.stringify({
      level: 30,
      time: 1_763_780_000_000,
      pid: 4242,
      hostname: "box",
      name: "sesh-node",
      msg: "relay listening",
      host: "127.0.0.1",
      port: 41234,
      serving: true,
    });
    assert.equal(formatLogLine(line), "info  relay listening host=127.0.0.1 port=41234 serving=true");
  });

  it("quotes values with spaces and shows an error by its message", () => {
    const line = JSON.stringify({
      level: 40,
      msg: "forwarding failed",
      reason: "next hop down",
      err: { type: "RelayError", message: "NEXT_HOP_UNREACHABLE: closed", stack: "…" },
    });
    assert.equal(
      formatLogLine(line),
      'warn  forwarding failed reason="next hop down" err="NEXT_HOP_UNREACHABLE: closed"',
    );
  });

  it("leaves anything else as it is", () => {
    for (const line of ["plain text", "{not json", JSON.stringify({ hello: "world" }), "[1,2]"])
      assert.equal(formatLogLine(line), line);
  });
});
