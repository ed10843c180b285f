/** Public actions only transactions need; loaded with the first transaction. */
export { simulateContract, waitForTransactionReceipt, watchEvent } from "viem/actions";
