/**
 * Every error the SDK throws is a SeshError subclass whose message says what happened and what to do.
 * `decodeSeshError` turns anything thrown by viem, a wallet or the chain into one of them.
 */

export type SeshErrorOptions = {
  cause?: unknown;
  /** Whether trying again unchanged can succeed (a network blip can; a contract rule cannot). */
  retryable?: boolean;
};

/** Base class of every error thrown by @sesh/sdk. */
export class SeshError extends Error {
  override name: string = "SeshError";
  /** Whether trying again unchanged can succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: SeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** A contract rejected a call with one of its custom errors; `message` explains it in plain words. */
export class SeshContractError extends SeshError {
  override readonly name = "SeshContractError" as const;
  /** The custom error's name, e.g. "StakingContributionTooSmall". */
  readonly errorName: string;
  /** The custom error's arguments, in ABI order. */
  readonly args: readonly unknown[];

  constructor(message: string, errorName: string, args: readonly unknown[], options: SeshErrorOptions = {}) {
    super(message, options);
    this.errorName = errorName;
    this.args = args;
  }
}

/** The SDK is set up wrongly: an unknown chain, a missing account or address. */
export class SeshConfigError extends SeshError {
  override readonly name = "SeshConfigError" as const;
}

/** An amount could not be parsed or formatted. */
export class SeshAmountError extends SeshError {
  override readonly name = "SeshAmountError" as const;
  /** The input that was rejected. */
  readonly value: unknown;

  constructor(message: string, options: SeshErrorOptions & { value?: unknown } = {}) {
    super(message, options);
    this.value = options.value;
  }
}

/** The user declined a signature or transaction in the wallet. */
export class SeshUserRejectedError extends SeshError {
  override readonly name = "SeshUserRejectedError" as const;
}

/** The account cannot pay for the transaction's gas. */
export class SeshInsufficientFundsError extends SeshError {
  override readonly name = "SeshInsufficientFundsError" as const;
}

/** The network node could not be reached or did not answer in time. */
export class SeshNetworkError extends SeshError {
  override readonly name = "SeshNetworkError" as const;
}

/** A transaction failed for a reason the contracts do not name (reverted without data, dropped, ...). */
export class SeshTransactionError extends SeshError {
  override readonly name = "SeshTransactionError" as const;
}
