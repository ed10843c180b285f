import {
  type Abi,
  BaseError,
  ChainMismatchError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  decodeErrorResult,
  type Hex,
  HttpRequestError,
  InsufficientFundsError,
  SocketClosedError,
  TimeoutError,
  toFunctionSelector,
  UserRejectedRequestError,
  WaitForTransactionReceiptTimeoutError,
  WebSocketRequestError,
} from "viem";
import { describeContractError, type ErrorContext } from "./errorMessages.ts";
import {
  SeshConfigError,
  SeshContractError,
  SeshError,
  SeshInsufficientFundsError,
  SeshNetworkError,
  SeshTransactionError,
  SeshUserRejectedError,
} from "./errors.ts";
import * as abis from "./generated/abis.ts";

type AbiError = Extract<Abi[number], { type: "error" }>;

/** Every custom error of every SESH contract, deduplicated by selector, for decoding raw revert data. */
export const seshErrorsAbi: readonly AbiError[] = (() => {
  const bySelector = new Map<string, AbiError>();
  for (const abi of Object.values(abis) as Abi[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${item.inputs.map((input) => input.type).join(",")})`;
      bySelector.set(toFunctionSelector(signature), item);
    }
  }
  return [...bySelector.values()];
})();

const panicMessages: Record<number, string> = {
  1: "an internal check failed",
  17: "a calculation overflowed",
  18: "a division by zero",
  33: "an invalid enum value",
  50: "an out-of-range array access",
  65: "it ran out of memory",
};

/**
 * Turns anything thrown while talking to the chain into a SeshError whose message a user understands:
 * contract reverts name the custom error and its arguments in words, wallet rejections, missing gas
 * funds and network failures each say what to do. Never returns raw hex in a message.
 */
export function decodeSeshError(error: unknown, context: ErrorContext = {}): SeshError {
  if (error instanceof SeshError) return error;

  if (isUserRejection(error)) {
    return new SeshUserRejectedError(
      "You rejected the request in your wallet, so nothing was sent. Try again and approve it to continue.",
      { cause: error },
    );
  }

  const revert = findRevert(error);
  if (revert) {
    if (revert.errorName === "Error") {
      const reason = String(revert.args[0] ?? "").trim();
      return new SeshContractError(
        `The contract rejected the transaction: ${sanitize(reason).replace(/\.$/, "") || "no reason given"}. Check the values you entered and try again.`,
        "Error",
        revert.args,
        { cause: error },
      );
    }
    if (revert.errorName === "Panic") {
      const code = Number(revert.args[0] ?? 0);
      return new SeshContractError(
        `The contract stopped because of ${panicMessages[code] ?? "an internal error"}. This is a bug: please report it with what you were doing.`,
        "Panic",
        revert.args,
        { cause: error },
      );
    }
    return new SeshContractError(
      describeContractError(revert.errorName, revert.args, context),
      revert.errorName,
      revert.args,
      {
        cause: error,
      },
    );
  }

  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof InsufficientFundsError)) {
      return new SeshInsufficientFundsError(
        "The account does not have enough ETH to pay for this transaction's gas. Add ETH to it on this network and try again.",
        { cause: error },
      );
    }
    if (error.walk((e) => e instanceof ChainMismatchError)) {
      return new SeshConfigError(
        "Your wallet is connected to a different network than this app. Switch the wallet's network and try again.",
        { cause: error },
      );
    }
    if (error.walk((e) => e instanceof ContractFunctionZeroDataError)) {
      return new SeshConfigError(
        "No SESH contract answered at the configured address on this network. Check that the wallet is on the right network and the SDK has the right addresses.",
        { cause: error },
      );
    }
    if (error.walk((e) => e instanceof WaitForTransactionReceiptTimeoutError)) {
      return new SeshNetworkError(
        "The transaction was sent but not confirmed in time. Check it in your wallet or a block explorer before trying again, so it is not sent twice.",
        { cause: error, retryable: false },
      );
    }
    const network = error.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof WebSocketRequestError ||
        e instanceof SocketClosedError,
    );
    if (network) {
      const url = (network as { url?: string }).url;
      return new SeshNetworkError(
        `Could not reach the network${url ? ` at ${hostOf(url)}` : ""}. Check your internet connection and the RPC URL, then try again.`,
        { cause: error, retryable: true },
      );
    }
    if (error.walk((e) => e instanceof ContractFunctionRevertedError)) {
      return new SeshContractError(
        "The contract rejected the transaction without giving a reason. Check the values you entered and the network, then try again.",
        "Unknown",
        [],
        { cause: error },
      );
    }
    return new SeshTransactionError(
      `The request failed: ${sanitize(error.shortMessage || error.message)} Check the values and the network, then try again.`,
      { cause: error },
    );
  }

  if (error instanceof TypeError && /fetch failed|Failed to fetch|NetworkError/i.test(error.message)) {
    return new SeshNetworkError(
      "Could not reach the network. Check your internet connection and the RPC URL, then try again.",
      { cause: error, retryable: true },
    );
  }

  const message = error instanceof Error ? error.message : String(error);
  return new SeshError(`Something went wrong: ${sanitize(message)}`, { cause: error });
}

type DecodedRevert = { errorName: string; args: readonly unknown[] };

function findRevert(error: unknown): DecodedRevert | undefined {
  for (const data of revertData(error)) {
    try {
      const decoded = decodeErrorResult({ abi: seshErrorsAbi, data });
      return { errorName: decoded.errorName, args: decoded.args ?? [] };
    } catch {
      // Not one of ours (or not an error at all): keep looking down the cause chain.
    }
  }
  if (error instanceof BaseError) {
    const reverted = error.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (reverted?.data?.errorName) {
      return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
    if (reverted?.reason) return { errorName: "Error", args: [reverted.reason] };
  }
  return undefined;
}

/** Hex revert payloads found anywhere in the cause chain (`raw` on viem's errors, `data` on RPC errors). */
function revertData(error: unknown): Hex[] {
  const found: Hex[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const record = current as { raw?: unknown; data?: unknown; cause?: unknown };
    for (const candidate of [
      record.raw,
      record.data,
      (record.data as { data?: unknown } | undefined)?.data,
    ]) {
      if (typeof candidate === "string" && /^0x[0-9a-fA-F]{8,}$/.test(candidate))
        found.push(candidate as Hex);
    }
    current = record.cause;
  }
  return found;
}

function isUserRejection(error: unknown): boolean {
  if (error instanceof BaseError && error.walk((e) => e instanceof UserRejectedRequestError)) return true;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    if ((current as { code?: unknown }).code === 4001) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the configured RPC URL";
  }
}

/** Drops long hex blobs (calldata, revert data) from a message; addresses (20 bytes) stay readable. */
export function sanitize(message: string): string {
  const firstLine = message.split("\n")[0] ?? "";
  const cleaned = firstLine.replace(/0x[0-9a-fA-F]+/g, (hex) => (hex.length === 42 ? hex : "(data)")).trim();
  if (cleaned === "") return "";
  return /[.!?]$/.test(cleaned) ? cleaned : `${cleaned}.`;
}
