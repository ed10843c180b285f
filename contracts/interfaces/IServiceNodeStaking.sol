// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IServiceNodeStaking
/// @notice The SESH node registry and stake custody. A node is registered by its operator with its
/// Ed25519 identity key, the X25519 onion key derived from it and a public endpoint, filled by up to
/// ten contributors, becomes Active the moment its stake reaches the requirement, earns a share of
/// the reward pool's releases while Active, and returns every contributor's stake after exit.
///
/// @dev Proof of possession. Registration carries an Ed25519 signature by the node key over
/// `registrationMessage(operator, ed25519Key, x25519Key)` (chain id, this contract, operator, keys).
/// Verifying Ed25519 on-chain costs well over a million gas on Arbitrum (no precompile), far beyond the
/// 250,000 gas target for registration, so the contract does NOT verify it: it is emitted in
/// {NodeRegistered} and every relay verifies it and ignores nodes whose proof fails (as Session does).
///
/// The X25519 onion key is the Montgomery form of the Ed25519 key (the birational map libsodium's
/// `crypto_sign_ed25519_pk_to_curve25519` computes; Session derives its onion key the same way). The
/// contract checks that relation on-chain (one modexp), stores only the Ed25519 key, and so uniqueness
/// of the identity key among live nodes makes the onion key unique too.
///
/// Rewards. {IRewardRatePool} pushes each release here; it is shared among Active nodes in proportion to
/// stake through one accumulator (reward per unit of stake). Inside a node the operator takes its fee,
/// the contributors share the rest pro rata. Stakes inside an Active node never change, so a
/// contributor's claim is `weight × (acc_now_or_end − acc_last_claim)`: O(1) per node, and {claim}
/// pays all of an address's nodes in one transaction. Every division rounds down, so rewards paid never
/// exceed rewards released; the dust stays in the contract.
interface IServiceNodeStaking {
    /// @notice Every state a node can be in.
    /// None: never registered. Open: registered, waiting for contributions. Active: fully staked,
    /// relaying and earning. Exiting: exit requested, stake locked until `unlockAt`. Exited: unlocked,
    /// contributors withdraw. Cancelled: the operator withdrew before activation, everyone refunded.
    /// Deregistered: penalised by a slasher, stake minus penalty locked until `unlockAt`.
    enum NodeState {
        None,
        Open,
        Active,
        Exiting,
        Exited,
        Cancelled,
        Deregistered
    }

    /// @notice A slot kept for a named contributor at registration.
    struct Reservation {
        address contributor;
        uint256 amount;
    }

    /// @notice What the operator submits to register a node.
    /// @param ed25519Key The node's Ed25519 identity public key (32 bytes, as encoded by RFC 8032).
    /// @param x25519Key The node's X25519 onion public key; must be the Montgomery form of `ed25519Key`.
    /// @param endpoint Public `host:port` of the relay, 3 to 64 bytes.
    /// @param signature Ed25519 signature by the node key over {registrationMessage} (64 bytes).
    /// @param feeBps Operator fee on the node's rewards, 0 to 10,000 basis points.
    /// @param amount The operator's own stake, at least 25% of the requirement.
    /// @param reservations Contributor slots kept for named addresses (may be empty).
    struct Registration {
        bytes32 ed25519Key;
        bytes32 x25519Key;
        string endpoint;
        bytes signature;
        uint16 feeBps;
        uint256 amount;
        Reservation[] reservations;
    }

    /// @notice An ERC-2612 permit for the SESH transfer, so staking is one transaction. It is signed for
    /// exactly the amount staked.
    struct Permit {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice A contributor of a node. `amount` is the stake paid (0 for an unfilled reservation).
    struct Contributor {
        address account;
        uint256 amount;
        uint256 reserved;
        uint64 contributedAt;
        bool withdrawn;
    }

    /// @notice Everything the relays and the portal show about a node. `activatedAt` is set while
    /// Active; `unlockAt` once the node is Exiting, Exited or Deregistered. The endpoint reads "" for an
    /// ended node whose identity key a later node registered again.
    struct NodeView {
        uint64 id;
        NodeState state;
        address operator;
        bytes32 ed25519Key;
        bytes32 x25519Key;
        string endpoint;
        uint16 feeBps;
        uint256 stakingRequirement;
        uint256 totalStaked;
        uint256 totalReserved;
        uint8 contributorCount;
        uint8 openSlots;
        uint256 minContribution;
        uint64 registeredAt;
        uint64 activatedAt;
        uint64 unlockAt;
        uint16 penaltyBps;
    }

    /// @notice One of an account's stakes, for the portal's "my stakes".
    struct StakeView {
        uint64 nodeId;
        NodeState state;
        uint256 amount;
        uint256 withdrawable;
        uint256 claimable;
        uint64 unlockAt;
        bool isOperator;
        bool withdrawn;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The amount is zero where a positive amount is needed.
    error StakingZeroAmount();
    /// @notice The Ed25519 key is zero or not a canonical point encoding.
    error StakingInvalidEd25519Key(bytes32 ed25519Key);
    /// @notice The X25519 key given is not the one derived from the Ed25519 key.
    error StakingOnionKeyMismatch(bytes32 x25519Key, bytes32 expected);
    /// @notice A live node (not Exited or Cancelled) already uses this identity key.
    error StakingKeyInUse(bytes32 ed25519Key, uint64 nodeId);
    /// @notice The endpoint is empty, shorter than 3 or longer than 64 bytes.
    error StakingInvalidEndpoint(uint256 length);
    /// @notice The proof-of-possession signature is not 64 bytes long.
    error StakingInvalidSignatureLength(uint256 length);
    /// @notice The fee is above 10,000 basis points.
    error StakingFeeTooHigh(uint256 feeBps, uint256 maximum);
    /// @notice The operator's stake is below 25% of the requirement.
    error StakingOperatorStakeTooSmall(uint256 amount, uint256 minimum);
    /// @notice The stake would take the node above its requirement.
    error StakingStakeExceedsRequirement(uint256 amount, uint256 maximum);
    /// @notice The reservations are invalid: too many, a zero or duplicate address, or more than fits.
    error StakingInvalidReservation(address contributor, uint256 amount);
    /// @notice A contribution is below the minimum for this node.
    error StakingContributionTooSmall(uint256 amount, uint256 minimum);
    /// @notice A reserved contributor pays less than the amount reserved for it.
    error StakingReservationNotMet(uint256 amount, uint256 reserved);
    /// @notice All ten contributor slots are taken (or kept for reserved contributors).
    error StakingNodeFull(uint64 nodeId);
    /// @notice No node has this id.
    error StakingNodeNotFound(uint64 nodeId);
    /// @notice The action is not allowed while the node is in this state.
    error StakingInvalidNodeState(uint64 nodeId, NodeState state);
    /// @notice The caller has no stake in this node.
    error StakingNotContributor(uint64 nodeId, address account);
    /// @notice The caller already withdrew its stake from this node.
    error StakingAlreadyWithdrawn(uint64 nodeId, address account);
    /// @notice The stake is still locked; it can be withdrawn from `unlockAt` on.
    error StakingStakeLocked(uint64 nodeId, uint256 unlockAt);
    /// @notice A small contributor (under 25%) cannot request exit in the node's first 30 days.
    error StakingSmallContributorExitTooEarly(uint64 nodeId, uint256 allowedAt);
    /// @notice The account has no rewards to claim.
    error StakingNothingToClaim(address account);
    /// @notice A setting is outside its bounds.
    error StakingSettingOutOfBounds(uint256 value, uint256 minimum, uint256 maximum);
    /// @notice Only the reward pool may record releases.
    error StakingCallerNotRewardPool(address caller);
    /// @notice The contract is paused; only unlocked stake can be withdrawn.
    error StakingPaused();
    /// @notice An address argument is zero.
    error StakingZeroAddress();
    /// @notice The admin role moves only through {beginAdminTransfer} and {acceptAdminTransfer}.
    error StakingAdminTransferIsTwoStep();
    /// @notice Only the pending admin can accept the admin role.
    error StakingNotPendingAdmin(address caller);

    // ---------------------------------------------------------------- events

    /// @notice A node was registered. Relays verify `signature` over {registrationMessage}.
    event NodeRegistered(
        uint64 indexed nodeId,
        address indexed operator,
        bytes32 indexed ed25519Key,
        bytes32 x25519Key,
        string endpoint,
        uint16 feeBps,
        uint256 operatorStake,
        uint256 stakingRequirement,
        bytes signature
    );
    /// @notice A contributor slot was reserved at registration.
    event ContributorReserved(uint64 indexed nodeId, address indexed contributor, uint256 amount);
    /// @notice Stake was added to an Open node (the operator's own stake is in {NodeRegistered}).
    event StakeContributed(
        uint64 indexed nodeId,
        address indexed contributor,
        uint256 amount,
        uint256 totalStaked
    );
    /// @notice The node reached its requirement and is Active (its operator is in {NodeRegistered}).
    event NodeActivated(uint64 indexed nodeId, uint256 totalStaked);
    /// @notice A contributor left an Open node and was refunded.
    event ContributorWithdrawn(uint64 indexed nodeId, address indexed contributor, uint256 amount);
    /// @notice The operator left its Open node; every contributor was refunded.
    event NodeCancelled(uint64 indexed nodeId, address indexed operator);
    /// @notice A contributor requested the exit of an Active node; its stake unlocks at `unlockAt`.
    event NodeExitRequested(uint64 indexed nodeId, address indexed requester, uint64 unlockAt);
    /// @notice A slasher deregistered the node; `penalty` went to the reward pool.
    event NodeDeregistered(uint64 indexed nodeId, address indexed slasher, uint256 penalty, uint64 unlockAt);
    /// @notice A contributor withdrew its stake after the unlock.
    event StakeWithdrawn(uint64 indexed nodeId, address indexed contributor, uint256 amount);
    /// @notice The operator moved its relay to a new endpoint.
    event EndpointUpdated(uint64 indexed nodeId, string endpoint);
    /// @notice The reward pool released `amount` for the `elapsed` seconds since the last release;
    /// `rewardPerStake` is the new accumulator (×1e18 per unit of active stake).
    event RewardsReleased(uint256 amount, uint256 elapsed, uint256 rewardPerStake);
    /// @notice Rewards were paid to `account`.
    event RewardsClaimed(address indexed account, uint256 amount);
    /// @notice The staking requirement for nodes registered from now on changed.
    event StakingRequirementUpdated(uint256 oldRequirement, uint256 newRequirement);
    /// @notice The unlock delay for exits requested from now on changed.
    event UnlockDelayUpdated(uint256 oldDelay, uint256 newDelay);
    /// @notice The penalty fraction for future deregistrations changed.
    event PenaltyUpdated(uint256 oldPenaltyBps, uint256 newPenaltyBps);
    /// @notice The admin offered its role to `pendingAdmin`.
    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    /// @notice The pending admin accepted; `previousAdmin` lost the role, and the SLASHER and PAUSER roles
    /// it held went to `newAdmin`.
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);
    /// @notice The contract was paused or unpaused.
    event PausedSet(address indexed account, bool paused);

    // ---------------------------------------------------------------- operators and contributors

    /// @notice Registers a node and stakes the operator's share, with a prior SESH allowance.
    /// @return nodeId The new node's id (ids start at 1 and are never reused).
    function registerNode(Registration calldata registration) external returns (uint64 nodeId);

    /// @notice Registers a node in one transaction: the SESH permit is applied first.
    /// @dev A permit that fails (front-run or already used) is ignored if the allowance suffices.
    function registerNodeWithPermit(
        Registration calldata registration,
        Permit calldata permit
    ) external returns (uint64 nodeId);

    /// @notice Adds stake to an Open node, with a prior SESH allowance. A new contributor pays at least
    /// {minContribution} (or its reserved amount); an existing one may top up any amount. The node
    /// becomes Active when the stake reaches the requirement.
    function contribute(uint64 nodeId, uint256 amount) external;

    /// @notice {contribute} in one transaction with an ERC-2612 permit.
    function contributeWithPermit(uint64 nodeId, uint256 amount, Permit calldata permit) external;

    /// @notice Withdraws the caller's stake. On an Open node: a contributor leaves (from one day after
    /// its contribution), the operator cancels the node and refunds everyone. On an Exited or unlocked
    /// Deregistered node: pays the caller's stake (minus its share of any penalty). Works while paused.
    function withdraw(uint64 nodeId) external;

    /// @notice Requests the exit of an Active node; the stake unlocks after the unlock delay and the
    /// node stops earning now. Any contributor may ask; one under 25% not in the first 30 days.
    function requestExit(uint64 nodeId) external;

    /// @notice Pays everything the caller has earned across all its nodes.
    /// @return amount The SESH paid.
    function claim() external returns (uint256 amount);

    /// @notice Moves the node's relay to a new `host:port` (operator only, node not ended).
    function updateEndpoint(uint64 nodeId, string calldata endpoint) external;

    // ---------------------------------------------------------------- reward pool

    /// @notice Called by the reward pool's {IRewardRatePool-release} with its balance: accounts the
    /// release since the last one and returns the amount the pool then transfers here. Time in which no
    /// node is Active releases nothing (the reserve keeps it).
    function recordRelease(uint256 poolBalance) external returns (uint256 amount);

    /// @notice What the pool would release now, and the time it counts from: the last release, or the
    /// latest activation of a node while none was Active if that is later.
    function pendingRelease(uint256 poolBalance) external view returns (uint256 amount, uint64 lastReleaseAt);

    // ---------------------------------------------------------------- governance

    /// @notice Deregisters a misbehaving Active or Exiting node (SLASHER_ROLE): the penalty goes to the
    /// reward pool, the rest stays locked 30 days (an Exiting node: until its exit unlock, if later).
    function deregisterNode(uint64 nodeId) external;

    /// @notice Sets the staking requirement for nodes registered from now on (whole SESH).
    function setStakingRequirement(uint256 requirement) external;

    /// @notice Sets the unlock delay for exits requested from now on.
    function setUnlockDelay(uint256 delay) external;

    /// @notice Sets the penalty fraction for future deregistrations, in basis points.
    function setPenaltyBps(uint256 penaltyBps) external;

    /// @notice Offers the admin role to `newAdmin` (step one of two; the zero address cancels).
    function beginAdminTransfer(address newAdmin) external;

    /// @notice The pending admin takes the admin role (step two); the previous admin loses it. Whichever of
    /// SLASHER_ROLE and PAUSER_ROLE the previous admin holds moves with it; other holders keep theirs.
    function acceptAdminTransfer() external;

    /// @notice The current admin and the pending one (zero if none).
    function admin() external view returns (address current, address pending);

    /// @notice Pauses registration, contributions, exits and claims. Unlocked stake stays withdrawable.
    function pause() external;

    /// @notice Ends a pause.
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice The message the node key signs to prove possession.
    function registrationMessage(
        address operator,
        bytes32 ed25519Key,
        bytes32 x25519Key
    ) external view returns (bytes memory);

    /// @notice The X25519 onion key that belongs to an Ed25519 identity key.
    function onionKeyOf(bytes32 ed25519Key) external view returns (bytes32);

    /// @notice A node by id.
    function getNode(uint64 nodeId) external view returns (NodeView memory);

    /// @notice The live node using an identity key (0 if none).
    function nodeIdByKey(bytes32 ed25519Key) external view returns (uint64);

    /// @notice A node's contributors, reserved slots included.
    function getContributors(uint64 nodeId) external view returns (Contributor[] memory);

    /// @notice Nodes with ids from `startId` on, at most `limit` (<= 200); `stateFilter` None = all.
    /// @return nodes The page. @return nextId The id to continue from (0 when done).
    function getNodes(
        uint64 startId,
        uint256 limit,
        NodeState stateFilter
    ) external view returns (NodeView[] memory nodes, uint64 nextId);

    /// @notice An account's stakes across nodes, with what each can withdraw and claim now.
    function getStakes(address account) external view returns (StakeView[] memory);

    /// @notice What {claim} would pay `account` now.
    function claimableRewards(address account) external view returns (uint256);

    /// @notice The stake `account` has in `nodeId` (0 if none) and the node's total.
    function stakeOf(uint64 nodeId, address account) external view returns (uint256 amount, uint256 total);

    /// @notice The few fields other contracts need about a node, cheaply; state None if it does not exist.
    function nodeStatus(
        uint64 nodeId
    ) external view returns (NodeState state, address operator, uint16 feeBps, uint256 totalStaked);

    /// @notice The minimum a new, unreserved contributor must pay into an Open node now.
    function minContribution(uint64 nodeId) external view returns (uint256);

    /// @notice Network figures: nodes ever registered, Active nodes, stake in Active nodes, the reward
    /// accumulator (×1e18 per unit of stake) and whether the contract is paused.
    function networkStats()
        external
        view
        returns (
            uint64 nodeCount,
            uint64 activeNodeCount,
            uint256 totalActiveStake,
            uint256 rewardPerStake,
            bool paused
        );

    /// @notice Staking requirement for new nodes, unlock delay and penalty.
    function stakingRequirement() external view returns (uint256);
    function unlockDelay() external view returns (uint256);
    function penaltyBps() external view returns (uint256);
    function token() external view returns (address);
    function rewardPool() external view returns (address);
}
