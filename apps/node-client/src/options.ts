import { readFile } from "node:fs/promises";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { chainDefaults } from "./chains.ts";
import { OptionsError } from "./errors.ts";
import type { Address } from "./keys.ts";

/** Every setting of sesh-node, built once at start from defaults, a config file, env and flags. */
export interface Options {
  /** Where the node keeps its keys and its SQLite database (relay) or the client's queues (client). */
  dataDir: string | undefined;
  listen: { host: string; port: number };
  logLevel: LogLevel;
  registry: {
    chainId: bigint;
    /** From the setting, else the SDK address book's contract for the chain; undefined if neither. */
    stakingContract: Address | undefined;
    /** From the setting, else the SDK address book's (when the staking contract is the book's). */
    vouchersContract: Address | undefined;
    /** From the setting, else the chain's well-known RPC (local: http://127.0.0.1:8545). */
    rpcUrl: string | undefined;
    /** First block scanned for registry events: the setting, else the address book's deployment block, else 0. */
    startBlock: bigint;
    confirmations: number;
    pollIntervalMs: number;
    graceMs: number;
    logRange: number;
    rpcTimeoutMs: number;
  };
  operator: {
    /** Encrypted JSON keystore with the operator wallet's key (register, claim). */
    keystore: string | undefined;
    /** File holding the keystore's password (else SESH_OPERATOR_KEYSTORE_PASSWORD, else a prompt). */
    passwordFile: string | undefined;
  };
  onion: {
    maxPacketTtlMs: number;
    replayCacheSize: number;
    forwardTimeoutMs: number;
    maxInFlight: number;
    /** Bytes of answers kept for links that do not read them, in all, before those links are not read. */
    maxUnreadAnswers: number;
  };
  http: {
    maxConnections: number;
    maxConnectionsPerIp: number;
    ratePerConnection: number;
    burstPerConnection: number;
    requestTimeoutMs: number;
    shutdownTimeoutMs: number;
  };
  queue: {
    messageTtlMs: number;
    maxMessages: number;
    maxBodyBytes: number;
    synchronous: "full" | "normal";
    /** File with the queue-creation password: run requires it of NEW requests, invite sends it. */
    createPasswordFile: string | undefined;
  };
  client: {
    directory: string | undefined;
    requestTimeoutMs: number;
  };
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

type Kind = "string" | "int" | "duration" | "bigint" | "address" | "hostport" | "url" | "enum";

/** One setting: its config-file key (dotted for TOML/JSON sections), env var, flag and meaning. */
export interface OptionKey {
  readonly key: string;
  readonly kind: Kind;
  readonly flag?: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly default?: string;
  readonly description: string;
}

/** The settings table: the README's configuration section is written from it. */
export const OPTION_KEYS: readonly OptionKey[] = [
  {
    key: "data_dir",
    kind: "string",
    flag: "data-dir",
    description: "directory with the node keys and database (or the client's queues)",
  },
  {
    key: "listen",
    kind: "hostport",
    flag: "listen",
    default: "127.0.0.1:7450",
    description: "address the relay's HTTP server binds, host:port",
  },
  {
    key: "log_level",
    kind: "enum",
    flag: "log-level",
    default: "info",
    values: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    description: "pino log level",
  },
  {
    key: "registry.chain_id",
    kind: "bigint",
    flag: "chain-id",
    default: "31337",
    description:
      "chain id the node registry lives on (binds the proof of possession); 31337 is the local chain of ./sesh up",
  },
  {
    key: "registry.staking_contract",
    kind: "address",
    flag: "staking",
    description: "ServiceNodeStaking contract address (default: the SDK address book's, for the chain)",
  },
  {
    key: "registry.vouchers_contract",
    kind: "address",
    flag: "vouchers",
    description:
      "CommunityVouchers contract address, for voucher earnings (status, claim) and redeem (default: the SDK address book's, with its staking contract)",
  },
  {
    key: "registry.rpc_url",
    kind: "url",
    flag: "rpc-url",
    description:
      "JSON-RPC URL of the chain (default: http://127.0.0.1:8545 for chain 31337, the public RPC for Arbitrum One and Sepolia)",
  },
  {
    key: "registry.start_block",
    kind: "int",
    flag: "start-block",
    min: 0,
    description:
      "first block scanned for registry events (default: the deployment block from the address book, else 0)",
  },
  {
    key: "registry.confirmations",
    kind: "int",
    flag: "confirmations",
    default: "3",
    min: 0,
    max: 1000,
    description: "blocks a registry event must be buried under before the view applies it",
  },
  {
    key: "registry.poll_interval",
    kind: "duration",
    flag: "poll-interval",
    default: "5s",
    min: 100,
    description: "how often the stake view syncs with the registry",
  },
  {
    key: "registry.grace",
    kind: "duration",
    flag: "grace",
    default: "10m",
    min: 0,
    description:
      "how long the last verified view is kept while the registry is unreachable; then the relay fails closed",
  },
  {
    key: "registry.log_range",
    kind: "int",
    default: "10000",
    min: 1,
    max: 10_000_000,
    description:
      "largest block range per eth_getLogs request; halved automatically when the RPC refuses a range",
  },
  {
    key: "registry.rpc_timeout",
    kind: "duration",
    default: "10s",
    min: 100,
    description: "how long one JSON-RPC request may take before the sync counts as failed",
  },
  {
    key: "operator.keystore",
    kind: "string",
    flag: "keystore",
    description:
      "operator wallet: encrypted JSON keystore file (or set SESH_OPERATOR_KEY); register, claim and redeem sign with it",
  },
  {
    key: "operator.password_file",
    kind: "string",
    flag: "password-file",
    description:
      "file holding the keystore password (else SESH_OPERATOR_KEYSTORE_PASSWORD, else asked on the terminal)",
  },
  {
    key: "onion.max_packet_ttl",
    kind: "duration",
    default: "2m",
    min: 1000,
    max: 3_600_000,
    description: "longest packet lifetime accepted (bounds the replay cache)",
  },
  {
    key: "onion.replay_cache_size",
    kind: "int",
    default: "200000",
    min: 100,
    max: 10_000_000,
    description: "packet ids remembered against replays; when full the relay answers BUSY",
  },
  {
    key: "onion.forward_timeout",
    kind: "duration",
    default: "10s",
    min: 100,
    description: "how long a hop waits for the next hop",
  },
  {
    key: "onion.max_in_flight",
    kind: "int",
    default: "512",
    min: 1,
    max: 100_000,
    description: "onion requests handled at once, counted once a packet is in; more are answered BUSY",
  },
  {
    key: "onion.max_unread_answers",
    kind: "int",
    default: "67108864",
    min: 262_144,
    max: 2 ** 40,
    description:
      "bytes of answers the relay holds, in all, for links that do not read them; past it (or 4 MiB on one link) such a link is not read from until it catches up",
  },
  {
    key: "http.max_connections",
    kind: "int",
    default: "1024",
    min: 1,
    max: 1_000_000,
    description: "open connections accepted at once",
  },
  {
    key: "http.max_connections_per_ip",
    kind: "int",
    default: "64",
    min: 1,
    max: 1_000_000,
    description: "open connections accepted at once from one address (an IPv6 /64); more are closed at once",
  },
  {
    key: "http.rate_per_connection",
    kind: "int",
    default: "200",
    min: 1,
    description: "client requests per second allowed on one connection (token bucket rate)",
  },
  {
    key: "http.burst_per_connection",
    kind: "int",
    default: "400",
    min: 1,
    description: "client requests one connection may burst (token bucket size)",
  },
  {
    key: "http.request_timeout",
    kind: "duration",
    default: "30s",
    min: 1000,
    description: "longest time to receive one request",
  },
  {
    key: "http.shutdown_timeout",
    kind: "duration",
    default: "15s",
    min: 0,
    description: "how long a graceful shutdown waits for in-flight requests",
  },
  {
    key: "queue.message_ttl",
    kind: "duration",
    default: "14d",
    min: 1000,
    description: "how long an undelivered message is kept",
  },
  {
    key: "queue.max_messages",
    kind: "int",
    default: "128",
    min: 1,
    max: 100_000,
    description: "undelivered messages per queue before senders get QUOTA",
  },
  {
    key: "queue.max_body_bytes",
    kind: "int",
    default: "16000",
    min: 1,
    max: 16_000,
    description: "largest message body a queue stores (16 KB)",
  },
  {
    key: "queue.synchronous",
    kind: "enum",
    default: "normal",
    values: ["normal", "full"],
    description: "SQLite synchronous mode: normal survives kill -9 and restarts, full also power loss",
  },
  {
    key: "queue.create_password_file",
    kind: "string",
    flag: "create-password-file",
    description:
      "file (owner-only) with a password for creating queues: run requires it of clients (unset: anyone may create queues here; sending and reading never need it), invite gives it to --relay",
  },
  {
    key: "client.directory",
    kind: "url",
    flag: "directory",
    description: "client: a relay's base URL to read the node list from (e.g. http://127.0.0.1:7450)",
  },
  {
    key: "client.request_timeout",
    kind: "duration",
    default: "15s",
    min: 100,
    description: "client: how long to wait for a response through the path",
  },
];

/** The environment variable of a setting: SESH_NODE_ + the key in upper case with dots as underscores. */
export function envName(key: string): string {
  return `SESH_NODE_${key.replace(/\./g, "_").toUpperCase()}`;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "500ms", "30s", "10m", "2h", "14d" or a plain number of milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = DURATION_RE.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? "ms"]!;
  return Number.isSafeInteger(Math.round(ms)) ? Math.round(ms) : undefined;
}

const hostPort = z.string().transform((value, ctx) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port < 0 || port > 65_535) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not host:port (e.g. 127.0.0.1:7450)` });
    return z.NEVER;
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
});

function schemaFor(spec: OptionKey): z.ZodType<unknown> {
  const text = z.union([z.string(), z.number(), z.bigint()]).transform((v) => String(v).trim());
  switch (spec.kind) {
    case "string":
      return text.pipe(z.string().min(1, "must not be empty"));
    case "url":
      return text.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }));
    case "hostport":
      return text.pipe(hostPort);
    case "enum":
      return text.pipe(
        z.enum(spec.values as [string, ...string[]], { error: `must be one of ${spec.values?.join(", ")}` }),
      );
    case "address":
      return text.pipe(
        z
          .string()
          .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
          .transform((v) => v.toLowerCase()),
      );
    case "bigint":
      return text.pipe(
        z
          .string()
          .regex(/^\d+$/, "must be a positive whole number")
          .transform((v) => BigInt(v))
          .refine((v) => v > 0n, "must be positive"),
      );
    case "int": {
      const min = spec.min ?? 0;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      const range = spec.max === undefined ? `${min} or more` : `from ${min} to ${max}`;
      return text.transform((v, ctx) => {
        const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
          ctx.addIssue({ code: "custom", message: `"${v}" is not a whole number ${range}` });
          return z.NEVER;
        }
        return n;
      });
    }
    case "duration":
      return text.transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined) {
          ctx.addIssue({
            code: "custom",
            message: `"${v}" is not a duration (e.g. 500ms, 30s, 10m, 2h, 14d)`,
          });
          return z.NEVER;
        }
        if (spec.min !== undefined && ms < spec.min)
          ctx.addIssue({ code: "custom", message: `must be at least ${spec.min} ms` });
        if (spec.max !== undefined && ms > spec.max)
          ctx.addIssue({ code: "custom", message: `must be at most ${spec.max} ms` });
        return ms;
      });
  }
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>, file: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    out.set(prefix, value);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date))
      flatten(v, key, out, file);
    else out.set(key, v);
  }
}

/** Reads a JSON or TOML config file into dotted keys. */
export async function readConfigFile(path: string): Promise<Map<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new OptionsError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith(".json") ? JSON.parse(text) : parseToml(text);
  } catch (error) {
    throw new OptionsError(
      `config file ${path} is not valid ${path.endsWith(".json") ? "JSON" : "TOML"}: ${(error as Error).message}`,
    );
  }
  const out = new Map<string, unknown>();
  flatten(parsed, "", out, path);
  return out;
}

/** Where the raw settings come from, highest precedence last. */
export interface OptionSources {
  /** Defaults that replace the table's, for one command (e.g. quieter logs for client commands). */
  defaults?: Record<string, string>;
  file?: Map<string, unknown>;
  filePath?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, string | undefined>;
}

/**
 * Builds and validates the Options from defaults, the config file, the environment and flags (each
 * overriding the one before). Every problem is reported at once, naming where the bad value came from.
 */
export function buildOptions(sources: OptionSources): Options {
  const known = new Set(OPTION_KEYS.map((k) => k.key));
  const problems: string[] = [];
  for (const key of sources.file?.keys() ?? []) {
    if (!known.has(key)) problems.push(`${sources.filePath ?? "config file"}: unknown setting "${key}"`);
  }
  const values = new Map<string, unknown>();
  for (const spec of OPTION_KEYS) {
    const candidates: [unknown, string][] = [];
    const fallback = sources.defaults?.[spec.key] ?? spec.default;
    if (fallback !== undefined) candidates.push([fallback, "default"]);
    const fromFile = sources.file?.get(spec.key);
    if (fromFile !== undefined)
      candidates.push([fromFile, `${sources.filePath ?? "config file"} (${spec.key})`]);
    const fromEnv = sources.env?.[envName(spec.key)];
    if (fromEnv !== undefined && fromEnv !== "")
      candidates.push([fromEnv, `environment ${envName(spec.key)}`]);
    const fromFlag = spec.flag ? sources.flags?.[spec.flag] : undefined;
    if (fromFlag !== undefined) candidates.push([fromFlag, `flag --${spec.flag}`]);
    const chosen = candidates.at(-1);
    if (!chosen) continue;
    const result = schemaFor(spec).safeParse(chosen[0]);
    if (result.success) values.set(spec.key, result.data);
    else problems.push(`${chosen[1]}: ${result.error.issues.map((i) => i.message).join("; ")}`);
  }
  if (problems.length > 0) {
    throw new OptionsError(
      `invalid configuration:\n  - ${problems.join("\n  - ")}\nSee sesh-node --help for the settings.`,
    );
  }
  const v = <T>(key: string): T => values.get(key) as T;
  const chainId = v<bigint>("registry.chain_id");
  const chain = chainDefaults(chainId);
  const stakingContract = v<Address | undefined>("registry.staking_contract") ?? chain.stakingContract;
  const startBlock = v<number | undefined>("registry.start_block");
  return {
    dataDir: v("data_dir"),
    listen: v("listen"),
    logLevel: v("log_level"),
    registry: {
      chainId,
      stakingContract,
      vouchersContract: v<Address | undefined>("registry.vouchers_contract"),
      rpcUrl: v<string | undefined>("registry.rpc_url") ?? chain.rpcUrl,
      startBlock:
        startBlock !== undefined
          ? BigInt(startBlock)
          : stakingContract !== undefined && stakingContract === chain.stakingContract
            ? chain.deployedAtBlock
            : 0n,
      confirmations: v("registry.confirmations"),
      pollIntervalMs: v("registry.poll_interval"),
      graceMs: v("registry.grace"),
      logRange: v("registry.log_range"),
      rpcTimeoutMs: v("registry.rpc_timeout"),
    },
    operator: {
      keystore: v("operator.keystore"),
      passwordFile: v("operator.password_file"),
    },
    onion: {
      maxPacketTtlMs: v("onion.max_packet_ttl"),
      replayCacheSize: v("onion.replay_cache_size"),
      forwardTimeoutMs: v("onion.forward_timeout"),
      maxInFlight: v("onion.max_in_flight"),
      maxUnreadAnswers: v("onion.max_unread_answers"),
    },
    http: {
      maxConnections: v("http.max_connections"),
      maxConnectionsPerIp: v("http.max_connections_per_ip"),
      ratePerConnection: v("http.rate_per_connection"),
      burstPerConnection: v("http.burst_per_connection"),
      requestTimeoutMs: v("http.request_timeout"),
      shutdownTimeoutMs: v("http.shutdown_timeout"),
    },
    queue: {
      messageTtlMs: v("queue.message_ttl"),
      maxMessages: v("queue.max_messages"),
      maxBodyBytes: v("queue.max_body_bytes"),
      synchronous: v("queue.synchronous"),
      createPasswordFile: v("queue.create_password_file"),
    },
    client: {
      directory: v("client.directory"),
      requestTimeoutMs: v("client.request_timeout"),
    },
  };
}

/** Options with every default and the given overrides (for tests and embedding). */
export function defaultOptions(flags: Record<string, string | undefined> = {}): Options {
  return buildOptions({ flags });
}

/** Loads options the way the CLI does: config file from --config or SESH_NODE_CONFIG, then env, then flags. */
export async function loadOptions(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
  defaults: Record<string, string> = {},
): Promise<Options> {
  const filePath = flags.config ?? env.SESH_NODE_CONFIG;
  const file = filePath ? await readConfigFile(filePath) : undefined;
  return buildOptions({ ...(file ? { file, filePath } : {}), env, flags, defaults });
}

/** Names the sources of a required setting in an error message. */
export function requireOption<T>(value: T | undefined, key: string): T {
  if (value === undefined) {
    const spec = OPTION_KEYS.find((k) => k.key === key);
    const flag = spec?.flag ? `--${spec.flag}, ` : "";
    throw new OptionsError(
      `missing setting ${key}: give it with ${flag}${envName(key)} or "${key}" in the config file`,
    );
  }
  return value;
}
