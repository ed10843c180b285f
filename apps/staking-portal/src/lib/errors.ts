/**
 * Words for wallet errors that happen outside contract calls (connecting, switching network). Contract
 * calls go through the SDK, whose errors already carry a message written for people.
 */
export function walletErrorMessage(error: unknown): string {
  const e = error as {
    name?: string;
    code?: number;
    shortMessage?: string;
    message?: string;
    cause?: unknown;
  };
  const text = `${e?.name ?? ""} ${e?.shortMessage ?? ""} ${e?.message ?? ""}`;
  if (e?.code === 4001 || /UserRejected|rejected|denied/i.test(text)) {
    return "The wallet declined the request. Try again and approve it in your wallet.";
  }
  if (e?.code === 4902 || /Unrecognized chain|not been added|ChainNotConfigured/i.test(text)) {
    return "Your wallet does not know this network yet. Add it in your wallet, then try again.";
  }
  if (/ProviderNotFound|Provider not found/i.test(text)) {
    return "No wallet answered. Unlock your wallet extension, or reload the page, and try again.";
  }
  if (/already pending|ResourceUnavailable|-32002/i.test(text)) {
    return "Your wallet already has a request waiting. Open the wallet and answer it first.";
  }
  if (/fetch|network|ECONNREFUSED|HttpRequestError/i.test(text)) {
    return "The network could not be reached. Check your connection (or that the local chain is running) and try again.";
  }
  return "The wallet could not complete the request. Try again, or reload the page if it keeps failing.";
}
