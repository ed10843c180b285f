import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSupervisor } from "./supervisor.ts";

/** A child that logs, traps SIGTERM (optionally ignoring it) and can spawn a grandchild. */
function child(name: string, { ignoreTerm = false, grandchild = false } = {}): string {
  // The SIGTERM handler is installed before anything is printed, so "up" means it is in place.
  return `
    const { spawn } = require("node:child_process");
    process.on("SIGTERM", () => { ${ignoreTerm ? `console.log("${name} ignores SIGTERM")` : `console.log("${name} stopping"); process.exit(0)`} });
    ${grandchild ? `const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); console.log("grandchild " + g.pid);` : ""}
    console.error("${name} warns");
    console.log("${name} up");
    setInterval(() => {}, 1000);
  `;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("supervisor", () => {
  it("prefixes output, waits for readiness and stops services last-started first", async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor({ write: (text) => lines.push(text), color: false });
    let ready = false;
    await supervisor.start({
      name: "chain",
      command: process.execPath,
      args: ["-e", child("chain")],
      ready: async () => {
        while (!lines.some((l) => l.includes("chain up"))) await new Promise((r) => setTimeout(r, 10));
        ready = true;
      },
    });
    assert.equal(ready, true);
    await supervisor.start({ name: "relay-1", command: process.execPath, args: ["-e", child("relay-1")] });
    while (!lines.some((l) => l.includes("relay-1 up"))) await new Promise((r) => setTimeout(r, 10));
    assert.equal(supervisor.running().length, 2);
    await supervisor.stopAll();
    assert.equal(supervisor.running().length, 0);
    const text = lines.join("");
    assert.match(text, /^chain +\| chain up$/m);
    assert.match(text, /^relay-1 \| relay-1 warns$/m);
    assert.ok(text.indexOf("relay-1 stopping") < text.indexOf("chain stopping"), text);
  });

  it("kills a service that ignores SIGTERM, and its grandchildren", async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor({ write: (text) => lines.push(text), color: false });
    await supervisor.start({
      name: "stubborn",
      command: process.execPath,
      args: ["-e", child("stubborn", { ignoreTerm: true, grandchild: true })],
      stopTimeoutMs: 300,
      ready: async () => {
        while (!lines.some((l) => l.includes("grandchild"))) await new Promise((r) => setTimeout(r, 10));
      },
    });
    const grandchild = Number(/grandchild (\d+)/.exec(lines.join(""))?.[1]);
    assert.ok(alive(grandchild));
    await supervisor.stopAll();
    assert.match(lines.join(""), /stubborn \| did not stop within 0\.3 s: killing it/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(grandchild), false, "the grandchild must not be orphaned");
  });

  it("reports a service that dies on its own, and one that dies before it is ready", async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor({ write: (text) => lines.push(text), color: false });
    await supervisor.start({
      name: "flaky",
      command: process.execPath,
      args: ["-e", "setTimeout(() => process.exit(3), 100)"],
    });
    const exit = await supervisor.unexpectedExit;
    assert.deepEqual(exit, { name: "flaky", code: 3, signal: null });
    assert.match(lines.join(""), /flaky \| exited unexpectedly \(code 3\)/);
    await assert.rejects(
      supervisor.start({
        name: "broken",
        command: process.execPath,
        args: ["-e", "process.exit(1)"],
        ready: () => new Promise(() => {}),
      }),
      /broken exited before it was ready/,
    );
    await assert.rejects(
      supervisor.start({ name: "missing", command: "/nonexistent/binary" }),
      /missing could not be started/,
    );
    await supervisor.stopAll();
  });

  it("runs one-shot tasks to completion and fails on a non-zero exit", async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor({ write: (text) => lines.push(text), color: false });
    await supervisor.run({ name: "task", command: process.execPath, args: ["-e", "console.log('done')"] });
    await assert.rejects(
      supervisor.run({ name: "bad", command: process.execPath, args: ["-e", "process.exit(2)"] }),
      /bad failed \(exit code 2\)/,
    );
    assert.match(lines.join(""), /task +\| done/);
    await supervisor.stopAll();
  });
});
