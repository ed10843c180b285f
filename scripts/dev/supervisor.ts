/**
 * A small process supervisor for the local network: starts services in order, prefixes and colours their
 * output, notices when one dies, and stops them in reverse order (SIGTERM, then SIGKILL after a grace
 * period), each in its own process group so nothing is orphaned.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { styleText } from "node:util";

type Color = Parameters<typeof styleText>[0];

const palette: Color[] = ["cyan", "magenta", "yellow", "blue", "green", "red"];

export type ServiceSpec = {
  /** Short name used as the log prefix, e.g. "chain". */
  name: string;
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves once the service is usable; `start` waits for it. */
  ready?: () => Promise<unknown>;
  /** Signal that asks the service to stop (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Milliseconds to wait after stopSignal before SIGKILL (default 5,000). */
  stopTimeoutMs?: number;
  /** Rewrites each output line before it is printed (e.g. JSON logs for a terminal). */
  format?: (line: string) => string;
};

export type ServiceExit = { name: string; code: number | null; signal: NodeJS.Signals | null };

export type Service = { name: string; pid: number; process: ChildProcess };

export type Supervisor = {
  /** Starts a service and waits until it is ready; rejects (naming it) if it dies or fails first. */
  start: (spec: ServiceSpec) => Promise<Service>;
  /** Runs a one-shot task (a deploy) to completion with prefixed output; rejects if it fails. */
  run: (spec: Omit<ServiceSpec, "ready">) => Promise<void>;
  /** Prints a line under a prefix (the orchestrator's own messages use its name). */
  log: (name: string, line: string) => void;
  /** Resolves with the first service that exits while it was meant to run. */
  unexpectedExit: Promise<ServiceExit>;
  /** Stops every service, last started first. Safe to call more than once. */
  stopAll: () => Promise<void>;
  /** The services still running, in start order. */
  running: () => Service[];
  /** Whether output is coloured. */
  color: boolean;
};

export type SupervisorOptions = {
  /** Where lines go (default process.stdout). */
  write?: (text: string) => void;
  /** Colour prefixes (default: when stdout is a terminal and NO_COLOR is unset). */
  color?: boolean;
};

/** Creates a supervisor. It also kills its children if the orchestrator process exits abruptly. */
export function createSupervisor(options: SupervisorOptions = {}): Supervisor {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const useColor = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const services: {
    spec: ServiceSpec;
    service: Service;
    stopping: boolean;
    closed: Promise<void>;
    exited: Promise<void>;
  }[] = [];
  const colors = new Map<string, Color>();
  let width = 5;
  let reportExit: (exit: ServiceExit) => void = () => {};
  const unexpectedExit = new Promise<ServiceExit>((resolve) => {
    reportExit = resolve;
  });
  let stopping: Promise<void> | undefined;

  const prefix = (name: string) => {
    if (!colors.has(name)) colors.set(name, palette[colors.size % palette.length]!);
    width = Math.max(width, name.length);
    const label = `${name.padEnd(width)} |`;
    return useColor ? styleText(colors.get(name)!, label, { validateStream: false }) : label;
  };
  const log = (name: string, line: string) => write(`${prefix(name)} ${line}\n`);

  const killGroup = (pid: number, signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  process.on("exit", () => {
    for (const { service } of services) {
      if (service.process.exitCode === null && service.process.signalCode === null)
        killGroup(service.pid, "SIGKILL");
    }
  });

  const start = (spec: ServiceSpec): Promise<Service> => launch(spec, false);

  const launch = async (spec: ServiceSpec, oneShot: boolean): Promise<Service> => {
    if (stopping) throw new Error(`Not starting ${spec.name}: shutting down.`);
    const child = spawn(spec.command, spec.args ?? [], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const spawned = await new Promise<boolean>((resolve) => {
      child.once("spawn", () => resolve(true));
      child.once("error", (error) => {
        log(spec.name, `could not start ${spec.command}: ${error.message}`);
        resolve(false);
      });
    });
    if (!spawned || child.pid === undefined)
      throw new Error(`${spec.name} could not be started (${spec.command}).`);
    const service: Service = { name: spec.name, pid: child.pid, process: child };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) {
        createInterface({ input: stream }).on("line", (line) => {
          if (line.trim() !== "") log(spec.name, spec.format ? spec.format(line) : line);
        });
      }
    }
    const entry = {
      spec,
      service,
      stopping: oneShot,
      closed: new Promise<void>((resolve) => child.once("close", () => resolve())),
      exited: new Promise<void>((resolve) => {
        child.once("exit", (code, signal) => {
          if (!entry.stopping) {
            log(spec.name, `exited unexpectedly (${signal ?? `code ${code}`})`);
            reportExit({ name: spec.name, code, signal });
          }
          resolve();
        });
      }),
    };
    services.push(entry);
    if (spec.ready) {
      const died = entry.exited.then(() => {
        throw new Error(`${spec.name} exited before it was ready: see its log lines above.`);
      });
      await Promise.race([spec.ready(), died]);
    }
    return service;
  };

  const run = async (spec: Omit<ServiceSpec, "ready">): Promise<void> => {
    const service = await launch(spec, true);
    const entry = services.find((e) => e.service === service)!;
    await entry.exited;
    await drained(entry);
    const { exitCode, signalCode } = service.process;
    if (exitCode !== 0) {
      throw new Error(
        `${spec.name} failed (${signalCode ?? `exit code ${exitCode}`}): see its log lines above.`,
      );
    }
  };

  const stopOne = async (entry: (typeof services)[number]) => {
    const { process: child, pid } = entry.service;
    entry.stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(pid, entry.spec.stopSignal ?? "SIGTERM");
    const timeout = entry.spec.stopTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeout);
    });
    const graceful = entry.exited.then(() => false);
    if (await Promise.race([graceful, forced])) {
      log(entry.spec.name, `did not stop within ${timeout / 1000} s: killing it`);
      killGroup(pid, "SIGKILL");
      await entry.exited;
    }
    clearTimeout(timer);
    // Grandchildren left in the group (a wrapper's children) go too.
    killGroup(pid, "SIGKILL");
    await drained(entry);
  };

  /** Waits (briefly) until the service's last output lines are printed. */
  const drained = (entry: (typeof services)[number]) =>
    Promise.race([entry.closed, new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);

  const stopAll = () => {
    stopping ??= (async () => {
      for (const entry of [...services].reverse()) await stopOne(entry);
    })();
    return stopping;
  };

  const running = () =>
    services
      .filter(({ service }) => service.process.exitCode === null && service.process.signalCode === null)
      .map(({ service }) => service);

  return { start, run, log, unexpectedExit, stopAll, running, color: useColor };
}
