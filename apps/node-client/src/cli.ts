import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { createRelayClient, type RelayClient } from "./client.ts";
import { loadInboxes, saveInbox } from "./client-store.ts";
import { type Common, createCommon } from "./common.ts";
import { startRelayDaemon } from "./daemon.ts";
import { createDirectorySource } from "./directory.ts";
import { InvitationError } from "./e2e.ts";
import { KeyFileError, OptionsError, RelayError } from "./errors.ts";
import {
  type Address,
  initKeyFiles,
  KEY_FILES,
  loadKeyFiles,
  type NodeInfoFile,
  registrationPayload,
} from "./keys.ts";
import { envName, loadOptions, OPTION_KEYS, type Options, requireOption } from "./options.ts";
import { createRegistrySource } from "./registry-source.ts";
import { createStakeView, isValidEndpoint, type StakeView } from "./stake-view.ts";

/** Where the CLI writes: injectable so tests can capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

interface Command {
  summary: string;
  usage: string;
  /** Setting keys (from OPTION_KEYS) this command reads; their flags are accepted. */
  settings: string[];
  /** Defaults of this command that differ from the settings table. */
  defaults?: Record<string, string>;
  extraFlags?: Record<string, { type: "string" | "boolean"; description: string }>;
  positionals?: boolean;
  run(args: {
    options: Options;
    flags: Record<string, string | boolean | undefined>;
    positionals: string[];
    io: CliIo;
  }): Promise<number>;
}

const CLIENT_SETTINGS = [
  "data_dir",
  "log_level",
  "registry.chain_id",
  "registry.staking_contract",
  "client.directory",
  "client.request_timeout",
];
/** Client commands print their results; their logs go to stderr, errors only by default. */
const CLIENT_DEFAULTS = { log_level: "error" };
const RELAY_SETTINGS = OPTION_KEYS.map((k) => k.key).filter((k) => !k.startsWith("client."));

/** A problem the user can fix; exit code 2 for usage and configuration, 1 otherwise. */
class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

function parseAddress(value: string | boolean | undefined, flag: string): Address {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new UsageError(`--${flag} must be a 0x-prefixed 20-byte address`);
  }
  return value.toLowerCase() as Address;
}

function printPayload(
  io: CliIo,
  options: Options,
  dataDir: string,
  keysNodeId: string,
  payload: unknown,
): void {
  io.out(`Node id: ${keysNodeId}`);
  io.out(
    `Data directory: ${dataDir} (${KEY_FILES.identity} and ${KEY_FILES.onion} are readable by the owner only; back them up)`,
  );
  if (payload) {
    io.out("Registration payload (paste it into the staking portal, or pass it to sesh-node register):");
    io.out(JSON.stringify(payload, null, 2));
  } else {
    io.out("To print the registration payload, give the operator wallet, chain and staking contract:");
    io.out(`  sesh-node payload --data-dir ${dataDir} --operator 0x… --chain-id <id> --staking 0x…`);
  }
  void options;
}

function registrationFor(
  options: Options,
  flags: Record<string, string | boolean | undefined>,
): { operator: Address; chainId: bigint; stakingContract: Address } | undefined {
  const { chainId, stakingContract } = options.registry;
  const operator = flags.operator;
  if (operator === undefined && chainId === undefined && stakingContract === undefined) return undefined;
  const missing = [
    operator === undefined ? "--operator" : undefined,
    chainId === undefined ? "--chain-id" : undefined,
    stakingContract === undefined ? "--staking" : undefined,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(
      `the proof of possession is bound to operator, chain and staking contract: also give ${missing.join(", ")}`,
    );
  }
  return {
    operator: parseAddress(operator, "operator"),
    chainId: chainId!,
    stakingContract: stakingContract!,
  };
}

async function clientContext(common: Common): Promise<{ client: RelayClient; view: StakeView }> {
  const { options } = common;
  const directory = requireOption(options.client.directory, "client.directory");
  const chainId = requireOption(options.registry.chainId, "registry.chain_id");
  const stakingContract = requireOption(options.registry.stakingContract, "registry.staking_contract");
  const view = createStakeView(common, createDirectorySource(directory, { chainId, stakingContract }));
  if (!(await view.refresh())) {
    throw new UsageError(`cannot load the node list: ${view.status().lastError}`, 1);
  }
  const client = createRelayClient({ directory: view, timeoutMs: options.client.requestTimeoutMs });
  return { client, view };
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: "create the node's data directory and keys, print its node id and registration payload",
    usage:
      "sesh-node init --data-dir <dir> --endpoint <host:port> [--operator 0x… --chain-id <id> --staking 0x…]",
    settings: ["data_dir", "log_level", "registry.chain_id", "registry.staking_contract"],
    extraFlags: {
      endpoint: {
        type: "string",
        description: "public host:port other relays and clients reach this relay at",
      },
      operator: {
        type: "string",
        description: "operator wallet address the proof of possession is bound to",
      },
    },
    async run({ options, flags, io }) {
      const dataDir = requireOption(options.dataDir, "data_dir");
      const endpoint = flags.endpoint;
      if (typeof endpoint !== "string" || !isValidEndpoint(endpoint)) {
        throw new UsageError(
          "--endpoint must be the relay's public host:port, 3 to 64 bytes (e.g. relay.example.org:7450)",
        );
      }
      const registration = registrationFor(options, flags);
      const keys = await initKeyFiles(dataDir, endpoint);
      const payload = registration
        ? registrationPayload(
            keys,
            { chainId: registration.chainId, stakingContract: registration.stakingContract },
            registration.operator,
            endpoint,
          )
        : undefined;
      printPayload(io, options, dataDir, keys.nodeId, payload);
      return 0;
    },
  },
  payload: {
    summary: "print the registration payload for existing keys (for another operator, chain or endpoint)",
    usage:
      "sesh-node payload --data-dir <dir> --operator 0x… --chain-id <id> --staking 0x… [--endpoint <host:port>]",
    settings: ["data_dir", "log_level", "registry.chain_id", "registry.staking_contract"],
    extraFlags: {
      endpoint: { type: "string", description: "public host:port (default: the one given to init)" },
      operator: {
        type: "string",
        description: "operator wallet address the proof of possession is bound to",
      },
    },
    async run({ options, flags, io }) {
      const dataDir = requireOption(options.dataDir, "data_dir");
      const keys = await loadKeyFiles(dataDir);
      const registration = registrationFor(options, flags);
      if (!registration) throw new UsageError("give --operator, --chain-id and --staking");
      let endpoint = typeof flags.endpoint === "string" ? flags.endpoint : undefined;
      if (endpoint === undefined) {
        const info = JSON.parse(await readFile(join(dataDir, KEY_FILES.node), "utf8")) as NodeInfoFile;
        endpoint = info.endpoint;
      }
      if (!isValidEndpoint(endpoint)) throw new UsageError("--endpoint must be host:port, 3 to 64 bytes");
      const payload = registrationPayload(keys, registration, registration.operator, endpoint);
      printPayload(io, options, dataDir, keys.nodeId, payload);
      return 0;
    },
  },
  run: {
    summary: "run the relay daemon (stops gracefully on SIGINT/SIGTERM)",
    usage: "sesh-node run --data-dir <dir> [--listen <host:port>] [--config <file>]",
    settings: RELAY_SETTINGS,
    async run({ options, io }) {
      const common = createCommon(options);
      const dataDir = requireOption(options.dataDir, "data_dir");
      await loadKeyFiles(dataDir);
      const source = await createRegistrySource(common);
      const stop = (signal: string) => {
        void common.shutdown.run(signal);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      await startRelayDaemon(common, source);
      await new Promise<void>((resolve) =>
        common.shutdown.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      await common.shutdown.run("stopped");
      void io;
      return 0;
    },
  },
  invite: {
    summary: "create a queue on a relay and print a one-time invitation link for it",
    usage:
      "sesh-node invite --data-dir <client dir> --directory <relay URL> --chain-id <id> --staking 0x… [--relay <node id>]",
    settings: CLIENT_SETTINGS,
    defaults: CLIENT_DEFAULTS,
    extraFlags: {
      relay: {
        type: "string",
        description: "node id of the relay to hold the queue (default: chosen by stake)",
      },
    },
    async run({ options, flags, io }) {
      const dataDir = requireOption(options.dataDir, "data_dir");
      const common = createCommon(options, { destination: pino.destination(2) });
      const { client, view } = await clientContext(common);
      try {
        const inbox = await client.createInvitation(
          typeof flags.relay === "string" ? { relay: flags.relay } : {},
        );
        await saveInbox(dataDir, inbox);
        io.out(inbox.link);
        io.err(
          `Queue created on relay ${inbox.relay.slice(0, 16)}…; give the link above to one contact, then read with: sesh-node inbox --data-dir ${dataDir}`,
        );
        return 0;
      } finally {
        client.close();
        await view.stop();
      }
    },
  },
  send: {
    summary: "send a message to an invitation link",
    usage:
      "sesh-node send <link> <message…> --directory <relay URL> --chain-id <id> --staking 0x…   (message - reads stdin)",
    settings: CLIENT_SETTINGS,
    defaults: CLIENT_DEFAULTS,
    positionals: true,
    async run({ options, positionals, io }) {
      const [link, ...words] = positionals;
      if (!link || words.length === 0) throw new UsageError("give the invitation link and the message");
      const message = words.length === 1 && words[0] === "-" ? await readStdin() : words.join(" ");
      const common = createCommon(options, { destination: pino.destination(2) });
      const { client, view } = await clientContext(common);
      try {
        await client.sendToInvitation(link, message);
        io.err("Sent: the relay stored the message.");
        return 0;
      } finally {
        client.close();
        await view.stop();
      }
    },
  },
  inbox: {
    summary: "fetch, print and acknowledge the messages waiting in this client's queues",
    usage:
      "sesh-node inbox --data-dir <client dir> --directory <relay URL> --chain-id <id> --staking 0x… [--watch]",
    settings: CLIENT_SETTINGS,
    defaults: CLIENT_DEFAULTS,
    extraFlags: { watch: { type: "boolean", description: "keep checking every 2 s until interrupted" } },
    async run({ options, flags, io }) {
      const dataDir = requireOption(options.dataDir, "data_dir");
      const inboxes = await loadInboxes(dataDir);
      if (inboxes.length === 0)
        throw new UsageError(
          `no queues in ${dataDir}; create one with: sesh-node invite --data-dir ${dataDir}`,
        );
      const common = createCommon(options, { destination: pino.destination(2) });
      const { client, view } = await clientContext(common);
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      process.once("SIGINT", stop);
      try {
        do {
          await view.refresh();
          for (const inbox of inboxes) {
            await client.receive(inbox, {
              onMessage: (m) => io.out(`${m.createdAt.toISOString()}  ${m.text.toString("utf8")}`),
            });
          }
          if (flags.watch) await new Promise((r) => setTimeout(r, 2_000));
        } while (flags.watch && !stopped);
        return 0;
      } finally {
        process.off("SIGINT", stop);
        client.close();
        await view.stop();
      }
    },
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\n$/, "");
}

function mainHelp(): string {
  const lines = [
    "sesh-node: the SESH staked relay and its client",
    "",
    "Usage: sesh-node <command> [flags]   (sesh-node <command> --help for details)",
    "",
    "Commands:",
  ];
  for (const [name, command] of Object.entries(COMMANDS))
    lines.push(`  ${name.padEnd(8)} ${command.summary}`);
  lines.push(
    "",
    "Settings come from a config file (--config or SESH_NODE_CONFIG; TOML or JSON), then SESH_NODE_* environment variables, then flags.",
  );
  return lines.join("\n");
}

function commandHelp(name: string, command: Command): string {
  const lines = [`sesh-node ${name}: ${command.summary}`, "", `Usage: ${command.usage}`, "", "Flags:"];
  for (const [flag, spec] of Object.entries(command.extraFlags ?? {}))
    lines.push(`  --${flag.padEnd(20)} ${spec.description}`);
  lines.push(`  --${"config".padEnd(20)} config file (TOML or JSON)`);
  for (const key of command.settings) {
    const spec = OPTION_KEYS.find((k) => k.key === key);
    if (spec?.flag)
      lines.push(
        `  --${spec.flag.padEnd(20)} ${spec.description}${spec.default ? ` (default ${spec.default})` : ""}`,
      );
  }
  lines.push("", "Settings (config key / environment variable):");
  for (const key of command.settings) {
    const spec = OPTION_KEYS.find((k) => k.key === key)!;
    lines.push(`  ${spec.key.padEnd(28)} ${envName(spec.key).padEnd(36)} ${spec.description}`);
  }
  return lines.join("\n");
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(mainHelp());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`sesh-node: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  const flagSpecs: Record<string, { type: "string" | "boolean" }> = {
    help: { type: "boolean" },
    config: { type: "string" },
  };
  for (const key of command.settings) {
    const spec = OPTION_KEYS.find((k) => k.key === key);
    if (spec?.flag) flagSpecs[spec.flag] = { type: "string" };
  }
  for (const [flag, spec] of Object.entries(command.extraFlags ?? {})) flagSpecs[flag] = { type: spec.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: flagSpecs,
      allowPositionals: command.positionals === true,
      strict: true,
    });
  } catch (error) {
    io.err(`sesh-node ${name}: ${(error as Error).message}\n\n${commandHelp(name, command)}`);
    return 2;
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.help) {
    io.out(commandHelp(name, command));
    return 0;
  }
  try {
    const stringFlags = Object.fromEntries(
      Object.entries(flags).filter(([, v]) => typeof v === "string"),
    ) as Record<string, string>;
    const options = await loadOptions(stringFlags, io.env, command.defaults);
    return await command.run({ options, flags, positionals: parsed.positionals, io });
  } catch (error) {
    if (error instanceof OptionsError || error instanceof UsageError) {
      io.err(`sesh-node ${name}: ${error.message}`);
      return error instanceof UsageError ? error.exitCode : 2;
    }
    if (error instanceof KeyFileError || error instanceof InvitationError) {
      io.err(`sesh-node ${name}: ${error.message}`);
      return 1;
    }
    if (error instanceof RelayError) {
      io.err(`sesh-node ${name}: ${error.message}${error.retryable ? " (a retry may help)" : ""}`);
      return 1;
    }
    io.err(`sesh-node ${name}: unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
