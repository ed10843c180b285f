/** @sesh/node-client: the SESH staked relay, its client library and their building blocks. */

export {
  type ChainDefaults,
  chainDefaults,
  createChainClient,
  createOperatorChainClient,
  LOCAL_CHAIN_ID,
  LOCAL_RPC_URL,
  viemChain,
} from "./chains.ts";
export {
  type CreateQueueOptions,
  createRelayClient,
  type FetchedMessage,
  type Inbox,
  MAX_MESSAGE_BYTES,
  type NodeDirectory,
  type QueueCredentials,
  type ReceivedMessage,
  type RelayClient,
  type RelayClientOptions,
} from "./client.ts";
export { type Common, createCommon } from "./common.ts";
export { PACKET_LOG_DIR, QUEUE_DB_FILE, startRelayDaemon } from "./daemon.ts";
export {
  createDirectorySource,
  type NodeDirectoryJson,
  type NodeRecordJson,
  recordFromJson,
  recordToJson,
} from "./directory.ts";
export {
  decodeInvitation,
  encodeInvitation,
  type Invitation,
  InvitationError,
  openBody,
  sealBody,
} from "./e2e.ts";
export { ERROR_CODES, KeyFileError, OptionsError, RelayError, type RelayErrorCode } from "./errors.ts";
export {
  type Address,
  ed25519ToX25519,
  generateNodeKeys,
  type Hex,
  initKeyFiles,
  isDerivedX25519,
  keysFromSeed,
  loadKeyFiles,
  type NodeKeys,
  type RegistrationPayload,
  type RegistryDomain,
  registrationMessage,
  registrationPayload,
  signRegistration,
  verifyRegistration,
} from "./keys.ts";
export {
  decryptKeystore,
  type EncryptKeystoreOptions,
  encryptKeystore,
  KeystoreError,
  type KeystoreV3,
  parseKeystore,
} from "./keystore.ts";
export { createMetrics, type Metrics } from "./metrics.ts";
export {
  BLOCK_SIZE,
  type OnionCircuit,
  type OnionHop,
  type PeeledLayer,
  peelOnion,
  requestCapacity,
  responseCapacity,
  unwrapResponse,
  wrapOnion,
} from "./onion.ts";
export { OperatorError } from "./operator.ts";
export {
  KEYSTORE_PASSWORD_ENV,
  loadOperatorWallet,
  OPERATOR_KEY_ENV,
  type OperatorWallet,
  type PasswordPrompt,
} from "./operator-wallet.ts";
export {
  buildOptions,
  defaultOptions,
  envName,
  type LogLevel,
  loadOptions,
  OPTION_KEYS,
  type OptionKey,
  type Options,
  parseDuration,
} from "./options.ts";
export { createMemoryPacketLog, createPacketLog, type PacketLog } from "./packet-log.ts";
export { type PathCandidate, selectPath } from "./path.ts";
export { createQueueStore, type QueueStore, type StoredMessage } from "./queue-store.ts";
export {
  type ChainNodeRecord,
  createMemoryCheckpointStore,
  createSqliteCheckpointStore,
  REGISTRY_DB_FILE,
  type RegistryCheckpoint,
  type RegistryCheckpointStore,
} from "./registry-checkpoint.ts";
export {
  type ChainRegistrySource,
  type ChainRegistrySourceOptions,
  type ChainSyncStats,
  createChainRegistrySource,
} from "./registry-source.ts";
export { createRelay, type Relay, type RelayDeps, type RelayStatus, type ServingState } from "./relay.ts";
export { createShutdown, type Shutdown } from "./shutdown.ts";
export {
  createStakeView,
  isValidEndpoint,
  NODE_STATES,
  type NodeRecord,
  type NodeState,
  type RegistrySource,
  type RegistryUpdate,
  type StakeView,
  type StakeViewHealth,
  type StakeViewStatus,
  type ViewNode,
} from "./stake-view.ts";
