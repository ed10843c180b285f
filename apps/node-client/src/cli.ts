import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeSeshError, SeshError } from "@sesh/sdk";
import { pino } from "pino";
import { BaseError } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { createChainClient, requireStakingContract } from "./chains.ts";
import { createRelayClient, type RelayClient } from "./client.ts";
import { loadInboxes, saveInbox } from "./client-store.ts";
import { type Common, createCommon } from "./common.ts";
import { lockDataDir, startRelayDaemon } from "./daemon.ts";
import { createDirectorySource } from "./directory.ts";
import { InvitationError } from "./e2e.ts";
import { DaemonError, KeyFileError, OptionsError, RelayError } from "./errors.ts";
import {
  type Address,
  initKeyFiles,
  KEY_FILES,
  loadKeyFiles,
  type NodeInfoFile,
  registrationPayload,
} from "./keys.ts";
import { encryptKeystore, KeystoreError } from "./keystore.ts";
import { claimCommand, OperatorError, redeemCommand, registerCommand, statusCommand } from "./operator.ts";
import {
  KEYSTORE_PASSWORD_ENV,
  OPERATOR_KEY_ENV,
  type PasswordPrompt,
  readPasswordFile,
  terminalPasswordPrompt,
} from "./operator-wallet.ts";
import { envName, loadOptions, OPTION_KEYS, type Options, requireOption } from "./options.ts";
import { readCreatePassword } from "./queue-service.ts";
import {
  createMemoryCheckpointStore,
  createSqliteCheckpointStore,
  REGISTRY_DB_FILE,
} from "./registry-checkpoint.ts";
import { createChainRegistrySource } from "./registry-source.ts";
import { createStakeView, isValidEndpoint, type RegistrySource, type StakeView } from "./stake-view.ts";

/** Where the CLI writes: injectable so tests can capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Asks for a secret on the terminal (default: the process's terminal, echo off). */
  prompt?: PasswordPrompt;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  prompt: terminalPasswordPrompt,
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

/** The settings that say which chain, contract and RPC to use. */
const CHAIN_SETTINGS = [
  "registry.chain_id",
  "registry.staking_contract",
  "registry.rpc_url",
  "registry.start_block",
  "registry.rpc_timeout",
];
const CLIENT_SETTINGS = [
  "data_dir",
  "log_level",
  ...CHAIN_SETTINGS,
  "registry.confirmations",
  "registry.log_range",
  "client.directory",
  "client.request_timeout",
];
/** Client commands print their results; their logs go to stderr, errors only by default. */
const CLIENT_DEFAULTS = { log_level: "error" };
const RELAY_SETTINGS = OPTION_KEYS.map((k) => k.key).filter(
  (k) => !k.startsWith("client.") && !k.startsWith("operator.") && k !== "registry.vouchers_contract",
);
const OPERATOR_SETTINGS = [
  "data_dir",
  "log_level",
  ...CHAIN_SETTINGS,
  "operator.keystore",
  "operator.password_file",
];

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
    io.out(
      "Registration payload (paste it into the staking portal's Run a node page; sesh-node register needs none, it signs its own):",
    );
    io.out(JSON.stringify(payload, null, 2));
  } else {
    io.out(
      "Next, register and stake with your operator wallet (or print the payload for the staking portal):",
    );
    io.out(`  sesh-node register --data-dir ${dataDir} --keystore <wallet keystore>`);
    io.out(`  sesh-node payload --data-dir ${dataDir} --operator 0x…`);
  }
  void options;
}

function registrationFor(
  options: Options,
  flags: Record<string, string | boolean | undefined>,
): { operator: Address; chainId: bigint; stakingContract: Address } | undefined {
  if (flags.operator === undefined) return undefined;
  return {
    operator: parseAddress(flags.operator, "operator"),
    chainId: options.registry.chainId,
    stakingContract: requireStakingContract(options),
  };
}

/** The node list a client command uses: the chain (default), or a relay's directory with --directory. */
function clientSource(common: Common, dataDir: string | undefined): RegistrySource {
  const { options } = common;
  if (options.client.directory !== undefined) {
    return createDirectorySource(options.client.directory, {
      chainId: options.registry.chainId,
      stakingContract: requireStakingContract(options),
    });
  }
  return createChainRegistrySource(common, {
    client: createChainClient(options),
    checkpoint:
      dataDir === undefined
        ? createMemoryCheckpointStore()
        : createSqliteCheckpointStore(join(dataDir, REGISTRY_DB_FILE)),
  });
}

async function clientContext(
  common: Common,
  dataDir: string | undefined,
): Promise<{ client: RelayClient; view: StakeView }> {
  const { options } = common;
  const view = createStakeView(common, clientSource(common, dataDir));
  if (!(await view.refresh())) {
    await view.stop();
    throw new UsageError(`cannot load the node list: ${view.status().lastError}`, 1);
  }
  const client = createRelayClient({ directory: view, timeoutMs: options.client.requestTimeoutMs });
  return { client, view };
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: "create the node's data directory and keys, print its node id and registration payload",
    usage:
      "sesh-node init --data-dir <dir> --endpoint <host:port> [--operator 0x… [--chain-id <id>] [--staking 0x…]]",
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
      "sesh-node payload --data-dir <dir> --operator 0x… [--chain-id <id>] [--staking 0x…] [--endpoint <host:port>]",
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
      if (!registration)
        throw new UsageError("give the operator wallet the proof is bound to with --operator 0x…");
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
      // The chain settings are checked before the data directory is taken, and a start that fails
      // after it closes what it opened (the lock last).
      const client = createChainClient(options);
      const lock = lockDataDir(dataDir);
      common.shutdown.onShutdown("data directory lock", () => lock.release());
      try {
        const source = createChainRegistrySource(common, {
          client,
          checkpoint: createSqliteCheckpointStore(join(dataDir, REGISTRY_DB_FILE)),
        });
        if (options.registry.startBlock === 0n && options.registry.chainId !== 31337n) {
          common.logger.warn({
            msg: "registry.start_block is 0: the first sync scans the whole chain for registrations; set it to the staking contract's deployment block",
          });
        }
        const stop = (signal: string) => {
          void common.shutdown.run(signal);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        await startRelayDaemon(common, source);
      } catch (error) {
        await common.shutdown.run("start failed");
        throw error;
      }
      await new Promise<void>((resolve) =>
        common.shutdown.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      await common.shutdown.run("stopped");
      void io;
      return 0;
    },
  },
  register: {
    summary:
      "register the node on chain and stake for it (operator wallet from a keystore or SESH_OPERATOR_KEY)",
    usage:
      "sesh-node register --data-dir <dir> [--keystore <file>] [--stake <SESH>] [--fee-bps <0-10000>] [--endpoint <host:port>]",
    settings: OPERATOR_SETTINGS,
    extraFlags: {
      stake: {
        type: "string",
        description:
          "SESH the operator stakes, from 25% of the requirement to all of it (default: all of it)",
      },
      "fee-bps": {
        type: "string",
        description: "operator fee on the node's rewards in basis points, 0 to 10000 (default 0; 500 = 5%)",
      },
      endpoint: { type: "string", description: "public host:port (default: the one given to init)" },
    },
    async run({ options, flags, io }) {
      return registerCommand(
        options,
        {
          ...(typeof flags.endpoint === "string" ? { endpoint: flags.endpoint } : {}),
          ...(typeof flags.stake === "string" ? { stake: flags.stake } : {}),
          ...(typeof flags["fee-bps"] === "string" ? { feeBps: flags["fee-bps"] } : {}),
        },
        { out: io.out, env: io.env, prompt: io.prompt ?? terminalPasswordPrompt },
      );
    },
  },
  status: {
    summary:
      "show the node's on-chain state, stake, unlock time and rewards, and the running relay's figures",
    usage: "sesh-node status --data-dir <dir> [--relay-url http://127.0.0.1:7450] [--json]",
    settings: ["data_dir", "log_level", "listen", ...CHAIN_SETTINGS, "registry.vouchers_contract"],
    extraFlags: {
      "relay-url": {
        type: "string",
        description: "where the relay answers GET /status (default: http:// + the listen address)",
      },
      json: { type: "boolean", description: "print JSON" },
    },
    async run({ options, flags, io }) {
      return statusCommand(
        options,
        {
          ...(typeof flags["relay-url"] === "string" ? { relayUrl: flags["relay-url"] } : {}),
          json: flags.json === true,
        },
        { out: io.out, env: io.env, prompt: io.prompt ?? terminalPasswordPrompt },
      );
    },
  },
  claim: {
    summary: "claim the operator wallet's SESH rewards and voucher earnings across all its nodes",
    usage: "sesh-node claim [--keystore <file>] [--release]",
    settings: [...OPERATOR_SETTINGS.filter((k) => k !== "data_dir"), "registry.vouchers_contract"],
    extraFlags: {
      release: {
        type: "boolean",
        description:
          "first make the reward pool release what accrued since its last release (one more transaction)",
      },
    },
    async run({ options, flags, io }) {
      return claimCommand(
        options,
        { release: flags.release === true },
        { out: io.out, env: io.env, prompt: io.prompt ?? terminalPasswordPrompt },
      );
    },
  },
  redeem: {
    summary:
      "submit a community's redemption authorization, paying the node for capacity it delivered (wallet pays gas)",
    usage:
      "sesh-node redeem <authorization.json | -> [--data-dir <dir>] [--keystore <file>]   (- reads stdin)",
    settings: [...OPERATOR_SETTINGS, "registry.vouchers_contract"],
    positionals: true,
    async run({ options, positionals, io }) {
      const [file, ...rest] = positionals;
      if (!file || rest.length > 0) {
        throw new UsageError(
          "give one file with the authorization the community sent (the JSON from the staking portal), or - to read it from stdin",
        );
      }
      if (file === "-" && process.stdin.isTTY)
        io.err("Paste the authorization the community sent, then press Ctrl-D on an empty line:");
      const text = file === "-" ? await readStdin() : await readFileNamed(file);
      return redeemCommand(
        options,
        { text, source: file === "-" ? "stdin" : file, dataDir: options.dataDir },
        { out: io.out, env: io.env, prompt: io.prompt ?? terminalPasswordPrompt },
      );
    },
  },
  keystore: {
    summary: `write the operator key (${OPERATOR_KEY_ENV}, or a new one with --new) into an encrypted JSON keystore`,
    usage: `sesh-node keystore --keystore <file> [--new]   (password: --password-file, ${KEYSTORE_PASSWORD_ENV} or asked twice)`,
    settings: ["log_level", "operator.keystore", "operator.password_file"],
    extraFlags: { new: { type: "boolean", description: "create a new random wallet key" } },
    async run({ options, flags, io }) {
      const path = requireOption(options.operator.keystore, "operator.keystore");
      const exists = await access(path).then(
        () => true,
        () => false,
      );
      if (exists) throw new UsageError(`${path} already exists; refusing to overwrite a keystore`, 1);
      const fromEnv = io.env[OPERATOR_KEY_ENV];
      if (flags.new && fromEnv) {
        throw new UsageError(`give either --new or ${OPERATOR_KEY_ENV}, not both`);
      }
      if (!flags.new && !fromEnv) {
        throw new UsageError(`set ${OPERATOR_KEY_ENV} to the key to encrypt, or give --new for a new wallet`);
      }
      const privateKey = flags.new ? generatePrivateKey() : normalizeKey(fromEnv!);
      let password: string | undefined;
      if (options.operator.passwordFile !== undefined) {
        password = await readPasswordFile(options.operator.passwordFile);
      } else if (io.env[KEYSTORE_PASSWORD_ENV] !== undefined) {
        password = io.env[KEYSTORE_PASSWORD_ENV];
      } else {
        const prompt = io.prompt ?? terminalPasswordPrompt;
        password = await prompt("New keystore password: ");
        if (password !== undefined && (await prompt("Repeat the password: ")) !== password) {
          throw new UsageError("the passwords differ; nothing was written", 1);
        }
      }
      if (password === undefined) {
        throw new UsageError(
          `no terminal to ask for a password: give it with --password-file or ${KEYSTORE_PASSWORD_ENV}`,
        );
      }
      if (password.length < 8) throw new UsageError("use a password of at least 8 characters", 1);
      const keystore = await encryptKeystore(privateKey, password);
      await writeFile(path, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600, flag: "wx" });
      io.out(`Wrote ${path} for wallet ${privateKeyToAddress(privateKey)}.`);
      io.out("Back it up and keep the password: without both, the wallet's funds and stakes are lost.");
      return 0;
    },
  },
  invite: {
    summary: "create a queue on a relay and print a one-time invitation link for it",
    usage:
      "sesh-node invite --data-dir <client dir> [--relay <node id> [--create-password-file <file>]] [--rpc-url <url> | --directory <relay URL>]",
    settings: [...CLIENT_SETTINGS, "queue.create_password_file"],
    defaults: CLIENT_DEFAULTS,
    extraFlags: {
      relay: {
        type: "string",
        description: "node id of the relay to hold the queue (default: chosen by stake)",
      },
    },
    async run({ options, flags, io }) {
      const dataDir = requireOption(options.dataDir, "data_dir");
      const relay = typeof flags.relay === "string" ? flags.relay : undefined;
      const passwordFile = options.queue.createPasswordFile;
      if (passwordFile !== undefined && relay === undefined) {
        throw new UsageError(
          "a queue-creation password belongs to one relay: name it with --relay <node id> (its operator tells you which)",
        );
      }
      const password = passwordFile !== undefined ? await readCreatePassword(passwordFile) : undefined;
      const common = createCommon(options, { destination: pino.destination(2) });
      const { client, view } = await clientContext(common, dataDir);
      try {
        const inbox = await client
          .createInvitation({
            ...(relay !== undefined ? { relay } : {}),
            ...(password !== undefined ? { password } : {}),
          })
          .catch((error: unknown) => {
            if (error instanceof RelayError && error.code === "CREATE_FORBIDDEN" && relay !== undefined) {
              throw new UsageError(
                password
                  ? `relay ${relay.slice(0, 16)}… did not accept the password in ${passwordFile}; check it with the relay's operator`
                  : `relay ${relay.slice(0, 16)}… creates queues only for clients with its password: give it with --create-password-file <file>, or leave out --relay to let another relay hold the queue`,
                1,
              );
            }
            throw error;
          });
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
      "sesh-node send <link> <message…> [--data-dir <client dir>] [--rpc-url <url> | --directory <relay URL>]   (message - reads stdin)",
    settings: CLIENT_SETTINGS,
    defaults: CLIENT_DEFAULTS,
    positionals: true,
    async run({ options, positionals, io }) {
      const [link, ...words] = positionals;
      if (!link || words.length === 0) throw new UsageError("give the invitation link and the message");
      const fromStdin = words.length === 1 && words[0] === "-";
      if (fromStdin && process.stdin.isTTY) io.err("Type the message, then press Ctrl-D on an empty line:");
      const message = fromStdin ? await readStdin() : words.join(" ");
      const common = createCommon(options, { destination: pino.destination(2) });
      const { client, view } = await clientContext(common, options.dataDir);
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
    usage: "sesh-node inbox --data-dir <client dir> [--watch] [--rpc-url <url> | --directory <relay URL>]",
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
      const { client, view } = await clientContext(common, dataDir);
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      process.once("SIGINT", stop);
      // The messages go to stdout, one a line; what happened to standard error, so a pipe gets only them.
      const queues = inboxes.length === 1 ? "1 queue" : `${inboxes.length} queues`;
      if (flags.watch) io.err(`Watching ${queues} for messages every 2 s; Ctrl-C stops.`);
      let received = 0;
      try {
        do {
          await view.refresh();
          for (const inbox of inboxes) {
            await client.receive(inbox, {
              onMessage: (m) => {
                received++;
                io.out(`${m.createdAt.toISOString()}  ${m.text.toString("utf8")}`);
              },
            });
          }
          if (flags.watch) await new Promise((r) => setTimeout(r, 2_000));
        } while (flags.watch && !stopped);
        io.err(
          received === 0
            ? `No new messages in ${queues}.`
            : `${received === 1 ? "1 message" : `${received} messages`} received and acknowledged (deleted from the relay).`,
        );
        return 0;
      } finally {
        process.off("SIGINT", stop);
        client.close();
        await view.stop();
      }
    },
  },
};

function normalizeKey(value: string): `0x${string}` {
  const hex = value.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new UsageError(
      `${OPERATOR_KEY_ENV} is not a private key (64 hex characters, optionally 0x-prefixed)`,
    );
  }
  return `0x${hex.toLowerCase()}`;
}

/** A file's text; a directory is a usage error that names the path (main reports other failures, path included). */
async function readFileNamed(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR")
      throw new UsageError(`${file} is a directory; give the file that holds the authorization`, 1);
    throw error;
  }
}

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
  const keyWidth = Math.max(...command.settings.map((key) => key.length));
  const envWidth = Math.max(...command.settings.map((key) => envName(key).length));
  for (const key of command.settings) {
    const spec = OPTION_KEYS.find((k) => k.key === key)!;
    lines.push(`  ${spec.key.padEnd(keyWidth)}  ${envName(spec.key).padEnd(envWidth)}  ${spec.description}`);
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
    if (
      error instanceof KeyFileError ||
      error instanceof DaemonError ||
      error instanceof InvitationError ||
      error instanceof KeystoreError ||
      error instanceof OperatorError
    ) {
      io.err(`sesh-node ${name}: ${error.message}`);
      return 1;
    }
    if (error instanceof RelayError || error instanceof SeshError) {
      io.err(`sesh-node ${name}: ${error.message}${error.retryable ? " (a retry may help)" : ""}`);
      return 1;
    }
    // A chain call that no command wrapped (the RPC unreachable, a revert): in words, as the SDK puts them.
    if (error instanceof BaseError || (error instanceof TypeError && /fetch failed/i.test(error.message))) {
      io.err(`sesh-node ${name}: ${decodeSeshError(error).message}`);
      return 1;
    }
    const system = error as NodeJS.ErrnoException;
    if (error instanceof Error && typeof system.code === "string" && typeof system.syscall === "string") {
      io.err(`sesh-node ${name}: ${describeSystemError(system)}`);
      return 1;
    }
    io.err(`sesh-node ${name}: unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

/** What the file system said, for an operator: `cannot mkdir /x/y: … (ENOTDIR)`. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: "it (or a directory above it) does not exist",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "it is a directory",
  EACCES: "permission denied; run as the user that owns it, or change its permissions",
  EPERM: "operation not permitted; run as the user that owns it, or change its permissions",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
};

function describeSystemError(error: NodeJS.ErrnoException): string {
  const what = SYSTEM_ERRORS[error.code!] ?? error.message.replace(/^[A-Z]+: /, "").replace(/, \w+ .*$/, "");
  return `cannot ${error.syscall}${error.path ? ` ${error.path}` : ""}: ${what} (${error.code})`;
}
