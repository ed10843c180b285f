// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IServiceNodeStaking} from "./interfaces/IServiceNodeStaking.sol";
import {RewardRatePool} from "./RewardRatePool.sol";
import {Curve25519} from "./libraries/Curve25519.sol";
import {RewardRate} from "./libraries/RewardRate.sol";

/// @title ServiceNodeStaking
/// @notice Node registry, stake custody and on-chain reward accounting for SESH relays.
/// @dev Storage is packed so that the gas targets hold: a node is two header words, its key, its
/// endpoint and one word per contributor; an account's stakes are one word per node. Amounts fit in
/// 48 bits (2.8e14 base units = 281,474 SESH > the maximum staking requirement) and the reward
/// accumulator in 88 bits (at most 2.4e17 released × 1e18 / 1e12 minimum active stake = 2.4e23 < 3e26).
/// No upgradeability: stake custody is simpler to trust when the code cannot change.
contract ServiceNodeStaking is IServiceNodeStaking, AccessControl {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Role allowed to deregister misbehaving nodes.
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice Role allowed to pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice At most ten contributors per node, the operator included.
    uint256 public constant MAX_CONTRIBUTORS = 10;
    /// @notice A contributor may leave a node that is not yet Active one day after contributing.
    uint256 public constant OPEN_WITHDRAW_DELAY = 1 days;
    /// @notice Contributors under 25% may not request exit in the node's first 30 days.
    uint256 public constant SMALL_CONTRIBUTOR_LOCK = 30 days;
    /// @notice A deregistered node's stake stays locked this long.
    uint256 public constant PENALTY_LOCK = 30 days;
    uint256 public constant MIN_STAKING_REQUIREMENT = 1_000 * 1e9;
    uint256 public constant MAX_STAKING_REQUIREMENT = 250_000 * 1e9;
    uint256 public constant MIN_UNLOCK_DELAY = 1 days;
    uint256 public constant MAX_UNLOCK_DELAY = 90 days;
    uint256 public constant MAX_PENALTY_BPS = 1_000;
    uint256 public constant MAX_FEE_BPS = 10_000;

    uint256 private constant _BPS = 10_000;
    uint256 private constant _PRECISION = 1e18;
    uint256 private constant _SESH = 1e9;
    uint256 private constant _MIN_ENDPOINT = 3;
    uint256 private constant _MAX_ENDPOINT = 64;
    uint256 private constant _MAX_PAGE = 200;
    bytes private constant _REGISTRATION_DOMAIN = "SESH node registration v1";

    uint8 private constant _FLAG_RESERVED = 1; // a reservation not yet paid
    uint8 private constant _FLAG_WITHDRAWN = 2; // stake paid back

    /// @dev The whole state of a node in one word, so that every transition writes one slot.
    struct NodeHeader {
        uint48 totalStaked;
        uint16 feeBps;
        NodeState state;
        uint8 liveCount; // contributors and unpaid reservations holding a slot
        uint8 highWater; // entries used so far (free entries below it are reused)
        uint8 openReservations; // reservations not yet paid (their sum is in _reservedUnfilled)
        uint24 requirement; // whole SESH
        uint16 penaltyBps; // set when deregistered
        uint32 since; // Active: activation time. Exiting, Exited, Deregistered: unlock time.
        uint88 rewardMark; // Active: accumulator at activation. Ended: reward per stake earned while Active.
    }

    /// @dev A live identity key: its node and the relay endpoint (the first 23 bytes; the rest, rarely
    /// needed, in _endpointTails). Sharing the key's word saves a storage slot per registration.
    struct KeyRecord {
        uint64 nodeId;
        uint8 endpointLength;
        bytes23 endpointHead;
    }

    /// @dev One word per contributor. Index 0 is the operator.
    struct Entry {
        address account;
        uint48 amount; // paid, or reserved while _FLAG_RESERVED
        uint32 contributedAt;
        uint8 flags;
    }

    /// @dev One word per node an account staked in; entry 0 also holds the list length.
    struct StakeRef {
        uint64 nodeId;
        uint8 index;
        uint32 contributedAt; // identifies the contribution: a ref whose entry changed is stale
        uint88 claimed; // reward per stake already paid
        uint16 length;
    }

    /// @dev The global reward state: one word read and written by every activation, exit and release.
    struct Global {
        uint88 acc;
        uint64 totalActiveStake;
        uint32 nodeCount;
        uint32 activeNodeCount;
        bool paused;
        uint32 lastReleaseAt;
    }

    struct Config {
        uint24 requirement; // whole SESH
        uint32 unlockDelay;
        uint16 penaltyBps;
    }

    IERC20 private immutable _token;
    address private immutable _rewardPool;
    address private _admin;
    address private _pendingAdmin;
    uint256 private immutable _chainId;

    Global private _global;
    Config private _config;

    mapping(uint64 nodeId => NodeHeader) private _headers;
    mapping(uint64 nodeId => uint256) private _reservedUnfilled;
    mapping(uint64 nodeId => bytes32) private _edKeys;
    mapping(uint64 nodeId => bytes) private _endpointTails;
    mapping(uint64 nodeId => mapping(uint256 index => Entry)) private _entries;
    mapping(bytes32 ed25519Key => KeyRecord) private _keys;
    mapping(address account => mapping(uint256 position => StakeRef)) private _refs;

    modifier whenNotPaused() {
        if (_global.paused) revert StakingPaused();
        _;
    }

    /// @param token_ The SESH token.
    /// @param admin_ Holds DEFAULT_ADMIN_ROLE, SLASHER and PAUSER (all moved by the two-step transfer).
    /// @param requirement Staking requirement in base units (whole SESH).
    /// @param delay Unlock delay after an exit request.
    /// @param penalty Deregistration penalty in basis points.
    /// @dev Creates the reward pool, so that each contract holds the other's address as an immutable. The
    /// pool's creation code lives in this constructor only, not in the deployed code.
    constructor(address token_, address admin_, uint256 requirement, uint256 delay, uint256 penalty) {
        if (admin_ == address(0)) revert StakingZeroAddress();
        _rewardPool = address(new RewardRatePool(token_));
        _global.lastReleaseAt = uint32(block.timestamp);
        _admin = admin_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin_);
        if (token_ == address(0)) revert StakingZeroAddress();
        _token = IERC20(token_);
        _chainId = block.chainid;
        _grantRole(SLASHER_ROLE, admin_);
        _grantRole(PAUSER_ROLE, admin_);
        _setStakingRequirement(requirement);
        _setUnlockDelay(delay);
        _setPenaltyBps(penalty);
    }

    // ================================================================ registration and contributions

    /// @inheritdoc IServiceNodeStaking
    function registerNode(Registration calldata registration) external whenNotPaused returns (uint64) {
        return _register(registration);
    }

    /// @inheritdoc IServiceNodeStaking
    function registerNodeWithPermit(
        Registration calldata registration,
        Permit calldata permit
    ) external whenNotPaused returns (uint64) {
        _permit(permit, registration.amount);
        return _register(registration);
    }

    /// @inheritdoc IServiceNodeStaking
    function contribute(uint64 nodeId, uint256 amount) external whenNotPaused {
        _contribute(nodeId, amount);
    }

    /// @inheritdoc IServiceNodeStaking
    function contributeWithPermit(
        uint64 nodeId,
        uint256 amount,
        Permit calldata permit
    ) external whenNotPaused {
        _permit(permit, amount);
        _contribute(nodeId, amount);
    }

    function _register(Registration calldata r) private returns (uint64 nodeId) {
        Config memory config = _config;
        uint256 requirement = uint256(config.requirement) * _SESH;

        if (r.ed25519Key == bytes32(0)) revert StakingInvalidEd25519Key(r.ed25519Key);
        (bytes32 onionKey, bool ok) = Curve25519.toMontgomery(r.ed25519Key);
        if (!ok) revert StakingInvalidEd25519Key(r.ed25519Key);
        if (onionKey != r.x25519Key) revert StakingOnionKeyMismatch(r.x25519Key, onionKey);
        uint64 holder = _keys[r.ed25519Key].nodeId;
        if (holder != 0 && _isLive(holder)) revert StakingKeyInUse(r.ed25519Key, holder);
        if (r.signature.length != 64) revert StakingInvalidSignatureLength(r.signature.length);
        if (r.feeBps > MAX_FEE_BPS) revert StakingFeeTooHigh(r.feeBps, MAX_FEE_BPS);
        uint256 operatorMinimum = (requirement + 3) / 4;
        if (r.amount < operatorMinimum) revert StakingOperatorStakeTooSmall(r.amount, operatorMinimum);

        Global memory g = _global;
        unchecked {
            // nodeCount is a uint32 counter: four billion registrations are out of reach.
            nodeId = ++g.nodeCount;
        }

        if (r.amount > requirement) revert StakingStakeExceedsRequirement(r.amount, requirement);
        uint256 reservedTotal = _reserve(nodeId, r.reservations, msg.sender);
        if (reservedTotal > requirement - r.amount) {
            revert StakingInvalidReservation(address(0), reservedTotal);
        }

        _edKeys[nodeId] = r.ed25519Key;
        _storeEndpoint(nodeId, r.ed25519Key, r.endpoint);
        _writeEntry(_entries[nodeId][0], msg.sender, r.amount); // r.amount <= requirement < 2^48
        _pushRef(msg.sender, nodeId, 0);

        NodeHeader memory h = NodeHeader({
            totalStaked: uint48(r.amount),
            feeBps: r.feeBps,
            state: NodeState.Open,
            liveCount: uint8(1 + r.reservations.length),
            highWater: uint8(1 + r.reservations.length),
            openReservations: uint8(r.reservations.length),
            requirement: config.requirement,
            penaltyBps: 0,
            since: 0,
            rewardMark: 0
        });

        _emitRegistered(nodeId, r, requirement);
        if (r.amount == requirement) _activate(nodeId, h, g);
        _writeHeader(nodeId, h);
        _writeGlobal(g);

        _token.safeTransferFrom(msg.sender, address(this), r.amount);
    }

    function _emitRegistered(uint64 nodeId, Registration calldata r, uint256 requirement) private {
        emit NodeRegistered(
            nodeId,
            msg.sender,
            r.ed25519Key,
            r.x25519Key,
            r.endpoint,
            r.feeBps,
            r.amount,
            requirement,
            r.signature
        );
    }

    /// @dev Stores reservations as entries 1..n flagged reserved; returns their sum.
    function _reserve(
        uint64 nodeId,
        Reservation[] calldata reservations,
        address operator
    ) private returns (uint256 total) {
        uint256 n = reservations.length;
        if (n == 0) return 0;
        if (n > MAX_CONTRIBUTORS - 1) revert StakingInvalidReservation(reservations[n - 1].contributor, n);
        for (uint256 i; i < n; ++i) {
            Reservation calldata res = reservations[i];
            if (res.contributor == address(0) || res.contributor == operator || res.amount == 0) {
                revert StakingInvalidReservation(res.contributor, res.amount);
            }
            for (uint256 j; j < i; ++j) {
                if (reservations[j].contributor == res.contributor) {
                    revert StakingInvalidReservation(res.contributor, res.amount);
                }
            }
            total += res.amount;
            if (total > MAX_STAKING_REQUIREMENT)
                revert StakingInvalidReservation(res.contributor, res.amount);
            _entries[nodeId][i + 1] = Entry({
                account: res.contributor,
                amount: uint48(res.amount),
                contributedAt: 0,
                flags: _FLAG_RESERVED
            });
            emit ContributorReserved(nodeId, res.contributor, res.amount);
        }
        _reservedUnfilled[nodeId] = total;
    }

    function _contribute(uint64 nodeId, uint256 amount) private {
        if (amount == 0) revert StakingZeroAmount();
        NodeHeader memory h = _header(nodeId);
        if (h.state != NodeState.Open) revert StakingInvalidNodeState(nodeId, h.state);

        uint256 requirement = uint256(h.requirement) * _SESH;
        uint256 reservedUnfilled = h.openReservations == 0 ? 0 : _reservedUnfilled[nodeId];
        uint256 unreserved = requirement - h.totalStaked - reservedUnfilled;

        (bool found, uint256 index, uint256 freeIndex) = _find(nodeId, h, msg.sender);
        if (found) {
            Entry storage e = _entries[nodeId][index];
            if (e.flags & _FLAG_RESERVED != 0) {
                uint256 reservedAmount = e.amount;
                if (amount < reservedAmount) revert StakingReservationNotMet(amount, reservedAmount);
                if (amount - reservedAmount > unreserved) {
                    revert StakingStakeExceedsRequirement(amount, reservedAmount + unreserved);
                }
                _reservedUnfilled[nodeId] = reservedUnfilled - reservedAmount;
                h.openReservations -= 1;
                e.amount = uint48(amount);
                e.contributedAt = uint32(block.timestamp);
                e.flags = 0;
                _pushRef(msg.sender, nodeId, index);
            } else {
                // A top-up by a contributor already in the node takes no new slot.
                if (amount > unreserved) revert StakingStakeExceedsRequirement(amount, unreserved);
                e.amount += uint48(amount);
            }
        } else {
            uint256 openSlots = MAX_CONTRIBUTORS - h.liveCount;
            if (openSlots == 0) revert StakingNodeFull(nodeId);
            if (amount > unreserved) revert StakingStakeExceedsRequirement(amount, unreserved);
            uint256 minimum = _ceilDiv(unreserved, openSlots);
            if (amount < minimum) revert StakingContributionTooSmall(amount, minimum);
            if (freeIndex == type(uint256).max) {
                freeIndex = h.highWater;
                h.highWater += 1;
            }
            _writeEntry(_entries[nodeId][freeIndex], msg.sender, amount);
            h.liveCount += 1;
            _pushRef(msg.sender, nodeId, freeIndex);
        }

        h.totalStaked += uint48(amount); // bounded by requirement above
        emit StakeContributed(nodeId, msg.sender, amount, h.totalStaked);
        if (h.totalStaked == requirement) {
            Global memory g = _global;
            _activate(nodeId, h, g);
            _writeGlobal(g);
        }
        _writeHeader(nodeId, h);

        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev The only path that adds active stake. The first node Active after an idle stretch restarts
    /// the release clock, so that time in which no node was Active releases nothing.
    function _activate(uint64 nodeId, NodeHeader memory h, Global memory g) private {
        if (g.totalActiveStake == 0) g.lastReleaseAt = uint32(block.timestamp);
        h.state = NodeState.Active;
        h.since = uint32(block.timestamp);
        h.rewardMark = g.acc;
        g.totalActiveStake += h.totalStaked;
        g.activeNodeCount += 1;
        emit NodeActivated(nodeId, h.totalStaked);
    }

    // ================================================================ leaving

    /// @inheritdoc IServiceNodeStaking
    function requestExit(uint64 nodeId) external whenNotPaused {
        NodeHeader memory h = _header(nodeId);
        if (h.state != NodeState.Active) revert StakingInvalidNodeState(nodeId, h.state);
        (bool found, uint256 index, ) = _find(nodeId, h, msg.sender);
        Entry memory e = _entries[nodeId][index];
        if (!found || e.flags & _FLAG_RESERVED != 0) revert StakingNotContributor(nodeId, msg.sender);
        if (uint256(e.amount) * 4 < h.totalStaked) {
            uint256 allowedAt = uint256(h.since) + SMALL_CONTRIBUTOR_LOCK;
            if (block.timestamp < allowedAt) revert StakingSmallContributorExitTooEarly(nodeId, allowedAt);
        }

        Global memory g = _global;
        uint32 unlockAt = uint32(block.timestamp + _config.unlockDelay);
        _endActiveLife(h, g);
        h.state = NodeState.Exiting;
        h.since = unlockAt;
        _writeHeader(nodeId, h);
        _writeGlobal(g);

        emit NodeExitRequested(nodeId, msg.sender, unlockAt);
    }

    /// @inheritdoc IServiceNodeStaking
    function deregisterNode(uint64 nodeId) external onlyRole(SLASHER_ROLE) {
        NodeHeader memory h = _header(nodeId);
        NodeState state = _effectiveState(h);
        if (state != NodeState.Active && state != NodeState.Exiting)
            revert StakingInvalidNodeState(nodeId, state);

        uint16 penaltyBps_ = _config.penaltyBps;
        if (state == NodeState.Active) {
            Global memory g = _global;
            _endActiveLife(h, g);
            _writeGlobal(g);
        }
        uint64 unlockAt = uint64(block.timestamp + PENALTY_LOCK);
        // A penalty never shortens a lock: an Exiting node keeps its exit unlock if that is later.
        if (state == NodeState.Exiting && h.since > unlockAt) unlockAt = h.since;
        h.state = NodeState.Deregistered;
        h.since = uint32(unlockAt);
        h.penaltyBps = penaltyBps_;
        _writeHeader(nodeId, h);

        uint256 penalty = (uint256(h.totalStaked) * penaltyBps_) / _BPS;
        emit NodeDeregistered(nodeId, msg.sender, penalty, unlockAt);
        if (penalty != 0) _token.safeTransfer(_rewardPool, penalty);
    }

    /// @inheritdoc IServiceNodeStaking
    /// @dev Not paused: every path pays only stake that is unlocked.
    function withdraw(uint64 nodeId) external {
        NodeHeader memory h = _header(nodeId);
        (bool found, uint256 index, ) = _find(nodeId, h, msg.sender);
        Entry memory e = _entries[nodeId][index];
        if (!found || e.flags & _FLAG_RESERVED != 0) revert StakingNotContributor(nodeId, msg.sender);
        if (e.flags & _FLAG_WITHDRAWN != 0) revert StakingAlreadyWithdrawn(nodeId, msg.sender);

        if (h.state == NodeState.Open) {
            if (index == 0) return _cancel(nodeId, h);
            uint256 allowedAt = uint256(e.contributedAt) + OPEN_WITHDRAW_DELAY;
            if (block.timestamp < allowedAt) revert StakingStakeLocked(nodeId, allowedAt);
            delete _entries[nodeId][index];
            h.totalStaked -= e.amount;
            h.liveCount -= 1;
            _writeHeader(nodeId, h);
            emit ContributorWithdrawn(nodeId, msg.sender, e.amount);
            _token.safeTransfer(msg.sender, e.amount);
            return;
        }

        if (
            h.state != NodeState.Exiting && h.state != NodeState.Exited && h.state != NodeState.Deregistered
        ) {
            revert StakingInvalidNodeState(nodeId, h.state);
        }
        if (block.timestamp < h.since) revert StakingStakeLocked(nodeId, h.since);
        if (h.state == NodeState.Exiting) _headers[nodeId].state = NodeState.Exited;

        uint256 payout = _payout(e.amount, h.penaltyBps, h.state);
        _entries[nodeId][index].flags = e.flags | _FLAG_WITHDRAWN;
        emit StakeWithdrawn(nodeId, msg.sender, payout);
        _token.safeTransfer(msg.sender, payout);
    }

    /// @dev The operator leaves an Open node: every paid contributor is refunded at once.
    function _cancel(uint64 nodeId, NodeHeader memory h) private {
        _headers[nodeId].state = NodeState.Cancelled;
        emit NodeCancelled(nodeId, msg.sender);
        for (uint256 i; i < h.highWater; ++i) {
            Entry memory e = _entries[nodeId][i];
            if (e.account == address(0) || e.flags & _FLAG_RESERVED != 0) continue;
            _entries[nodeId][i].flags = e.flags | _FLAG_WITHDRAWN;
            emit ContributorWithdrawn(nodeId, e.account, e.amount);
            _token.safeTransfer(e.account, e.amount);
        }
    }

    // ================================================================ rewards

    /// @inheritdoc IServiceNodeStaking
    function recordRelease(uint256 poolBalance) external returns (uint256 amount) {
        if (msg.sender != _rewardPool) revert StakingCallerNotRewardPool(msg.sender);
        Global memory g = _global;
        uint256 elapsed = block.timestamp - g.lastReleaseAt;
        if (elapsed == 0) return 0;
        g.lastReleaseAt = uint32(block.timestamp);
        if (g.totalActiveStake != 0) {
            amount = RewardRate.releasable(poolBalance, elapsed);
            g.acc += ((amount * _PRECISION) / g.totalActiveStake).toUint88();
        }
        _writeGlobal(g);
        emit RewardsReleased(amount, elapsed, g.acc);
    }

    /// @inheritdoc IServiceNodeStaking
    function pendingRelease(
        uint256 poolBalance
    ) external view returns (uint256 amount, uint64 lastReleaseAt) {
        Global memory g = _global;
        lastReleaseAt = g.lastReleaseAt;
        if (g.totalActiveStake != 0)
            amount = RewardRate.releasable(poolBalance, block.timestamp - lastReleaseAt);
    }

    /// @inheritdoc IServiceNodeStaking
    function claim() external whenNotPaused returns (uint256 amount) {
        uint256 acc = _global.acc;
        uint256 length = _refs[msg.sender][0].length;
        uint256 i;
        while (i < length) {
            StakeRef memory ref = _refs[msg.sender][i];
            (bool stale, uint256 owed, uint256 earned, bool finished) = _owed(msg.sender, ref, acc);
            amount += owed;
            if (stale || finished) {
                // Finished: ended, withdrawn and now fully paid. Swap the last ref in, re-examine i.
                length -= 1;
                _removeRef(msg.sender, i, length);
            } else {
                if (owed != 0) _refs[msg.sender][i].claimed = uint88(earned);
                ++i;
            }
        }
        if (amount == 0) revert StakingNothingToClaim(msg.sender);
        emit RewardsClaimed(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @dev What `ref` owes its account now, the node's reward per stake so far, and whether the ref can go.
    function _owed(
        address account,
        StakeRef memory ref,
        uint256 acc
    ) private view returns (bool stale, uint256 owed, uint256 earned, bool finished) {
        Entry memory e = _entries[ref.nodeId][ref.index];
        if (e.account != account || e.contributedAt != ref.contributedAt || e.flags & _FLAG_RESERVED != 0) {
            return (true, 0, 0, false);
        }
        NodeHeader memory h = _headers[ref.nodeId];
        bool withdrawn = e.flags & _FLAG_WITHDRAWN != 0;
        if (h.state == NodeState.Open || h.state == NodeState.Cancelled) return (false, 0, 0, withdrawn);
        earned = h.state == NodeState.Active ? acc - h.rewardMark : h.rewardMark;
        if (earned > ref.claimed) {
            uint256 weight = uint256(e.amount) * (_BPS - h.feeBps);
            if (ref.index == 0) weight += uint256(h.totalStaked) * h.feeBps;
            owed = (weight * (earned - ref.claimed)) / (_BPS * _PRECISION);
        }
        finished = withdrawn;
    }

    // ================================================================ operator settings

    /// @inheritdoc IServiceNodeStaking
    function updateEndpoint(uint64 nodeId, string calldata endpoint) external whenNotPaused {
        NodeHeader memory h = _header(nodeId);
        if (_entries[nodeId][0].account != msg.sender) revert StakingNotContributor(nodeId, msg.sender);
        if (h.state != NodeState.Open && h.state != NodeState.Active)
            revert StakingInvalidNodeState(nodeId, h.state);
        _storeEndpoint(nodeId, _edKeys[nodeId], endpoint);
        emit EndpointUpdated(nodeId, endpoint);
    }

    // ================================================================ governance

    /// @inheritdoc IServiceNodeStaking
    function setStakingRequirement(uint256 requirement) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setStakingRequirement(requirement);
    }

    /// @inheritdoc IServiceNodeStaking
    function setUnlockDelay(uint256 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setUnlockDelay(delay);
    }

    /// @inheritdoc IServiceNodeStaking
    function setPenaltyBps(uint256 penalty) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPenaltyBps(penalty);
    }

    /// @inheritdoc IServiceNodeStaking
    function beginAdminTransfer(address newAdmin) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(_admin, newAdmin);
    }

    /// @inheritdoc IServiceNodeStaking
    function acceptAdminTransfer() external {
        address previous = _admin;
        if (msg.sender != _pendingAdmin || msg.sender == address(0))
            revert StakingNotPendingAdmin(msg.sender);
        _admin = msg.sender;
        delete _pendingAdmin;
        _revokeRole(DEFAULT_ADMIN_ROLE, previous);
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        // The operational roles the previous admin holds (the constructor granted both) go with it.
        if (_revokeRole(SLASHER_ROLE, previous)) _grantRole(SLASHER_ROLE, msg.sender);
        if (_revokeRole(PAUSER_ROLE, previous)) _grantRole(PAUSER_ROLE, msg.sender);
        emit AdminTransferred(previous, msg.sender);
    }

    /// @notice Grants a role; the admin role itself moves only by the two-step transfer.
    function grantRole(bytes32 role, address account) public override {
        if (role == DEFAULT_ADMIN_ROLE) revert StakingAdminTransferIsTwoStep();
        super.grantRole(role, account);
    }

    /// @inheritdoc IServiceNodeStaking
    function admin() external view returns (address current, address pending) {
        return (_admin, _pendingAdmin);
    }

    /// @inheritdoc IServiceNodeStaking
    function pause() external onlyRole(PAUSER_ROLE) {
        _global.paused = true;
        emit PausedSet(msg.sender, true);
    }

    /// @inheritdoc IServiceNodeStaking
    function unpause() external onlyRole(PAUSER_ROLE) {
        _global.paused = false;
        emit PausedSet(msg.sender, false);
    }

    function _setStakingRequirement(uint256 requirement) private {
        if (
            requirement < MIN_STAKING_REQUIREMENT ||
            requirement > MAX_STAKING_REQUIREMENT ||
            requirement % _SESH != 0
        ) {
            revert StakingSettingOutOfBounds(requirement, MIN_STAKING_REQUIREMENT, MAX_STAKING_REQUIREMENT);
        }
        uint256 old = uint256(_config.requirement) * _SESH;
        _config.requirement = uint24(requirement / _SESH);
        emit StakingRequirementUpdated(old, requirement);
    }

    function _setUnlockDelay(uint256 delay) private {
        if (delay < MIN_UNLOCK_DELAY || delay > MAX_UNLOCK_DELAY) {
            revert StakingSettingOutOfBounds(delay, MIN_UNLOCK_DELAY, MAX_UNLOCK_DELAY);
        }
        emit UnlockDelayUpdated(_config.unlockDelay, delay);
        _config.unlockDelay = uint32(delay);
    }

    function _setPenaltyBps(uint256 penalty) private {
        if (penalty > MAX_PENALTY_BPS) revert StakingSettingOutOfBounds(penalty, 0, MAX_PENALTY_BPS);
        emit PenaltyUpdated(_config.penaltyBps, penalty);
        _config.penaltyBps = uint16(penalty);
    }

    // ================================================================ views

    /// @inheritdoc IServiceNodeStaking
    function registrationMessage(
        address operator,
        bytes32 ed25519Key,
        bytes32 x25519Key
    ) external view returns (bytes memory) {
        return
            abi.encodePacked(_REGISTRATION_DOMAIN, _chainId, address(this), operator, ed25519Key, x25519Key);
    }

    /// @inheritdoc IServiceNodeStaking
    function onionKeyOf(bytes32 ed25519Key) external view returns (bytes32 x25519Key) {
        bool ok;
        (x25519Key, ok) = Curve25519.toMontgomery(ed25519Key);
        if (!ok || ed25519Key == bytes32(0)) revert StakingInvalidEd25519Key(ed25519Key);
    }

    /// @inheritdoc IServiceNodeStaking
    function getNode(uint64 nodeId) external view returns (NodeView memory) {
        _header(nodeId);
        return _nodeView(nodeId);
    }

    /// @inheritdoc IServiceNodeStaking
    function nodeIdByKey(bytes32 ed25519Key) external view returns (uint64) {
        uint64 nodeId = _keys[ed25519Key].nodeId;
        return nodeId != 0 && _isLive(nodeId) ? nodeId : 0;
    }

    /// @inheritdoc IServiceNodeStaking
    function getContributors(uint64 nodeId) external view returns (Contributor[] memory list) {
        NodeHeader memory h = _header(nodeId);
        list = new Contributor[](h.liveCount);
        uint256 n;
        for (uint256 i; i < h.highWater; ++i) {
            Entry memory e = _entries[nodeId][i];
            if (e.account == address(0)) continue;
            bool reserved = e.flags & _FLAG_RESERVED != 0;
            list[n++] = Contributor({
                account: e.account,
                amount: reserved ? 0 : e.amount,
                reserved: reserved ? e.amount : 0,
                contributedAt: e.contributedAt,
                withdrawn: e.flags & _FLAG_WITHDRAWN != 0
            });
        }
    }

    /// @inheritdoc IServiceNodeStaking
    function getNodes(
        uint64 startId,
        uint256 limit,
        NodeState stateFilter
    ) external view returns (NodeView[] memory nodes, uint64 nextId) {
        if (limit > _MAX_PAGE) limit = _MAX_PAGE;
        uint64 count = _global.nodeCount;
        if (startId == 0) startId = 1;
        if (startId > count || limit == 0) return (new NodeView[](0), 0);
        uint256 end = uint256(startId) + limit - 1;
        if (end > count) end = count;
        nodes = new NodeView[](end - startId + 1);
        uint256 n;
        for (uint256 id = startId; id <= end; ++id) {
            NodeView memory v = _nodeView(uint64(id));
            if (stateFilter == NodeState.None || v.state == stateFilter) nodes[n++] = v;
        }
        assembly ("memory-safe") {
            mstore(nodes, n)
        }
        nextId = end < count ? uint64(end + 1) : 0;
    }

    /// @inheritdoc IServiceNodeStaking
    function getStakes(address account) external view returns (StakeView[] memory list) {
        uint256 length = _refs[account][0].length;
        uint256 acc = _global.acc;
        list = new StakeView[](length);
        uint256 n;
        for (uint256 i; i < length; ++i) {
            StakeRef memory ref = _refs[account][i];
            (bool stale, uint256 owed, , ) = _owed(account, ref, acc);
            if (stale) continue;
            Entry memory e = _entries[ref.nodeId][ref.index];
            NodeHeader memory h = _headers[ref.nodeId];
            NodeState state = _effectiveState(h);
            bool withdrawn = e.flags & _FLAG_WITHDRAWN != 0;
            if (withdrawn && owed == 0) continue;
            uint256 withdrawable;
            if (!withdrawn) {
                if (state == NodeState.Open && ref.index != 0) {
                    if (block.timestamp >= uint256(e.contributedAt) + OPEN_WITHDRAW_DELAY)
                        withdrawable = e.amount;
                } else if (
                    (state == NodeState.Exited || state == NodeState.Deregistered) &&
                    block.timestamp >= h.since
                ) {
                    withdrawable = _payout(e.amount, h.penaltyBps, h.state);
                }
            }
            list[n++] = StakeView({
                nodeId: ref.nodeId,
                state: state,
                amount: e.amount,
                withdrawable: withdrawable,
                claimable: owed,
                unlockAt: _unlockAt(h, e),
                isOperator: ref.index == 0,
                withdrawn: withdrawn
            });
        }
        assembly ("memory-safe") {
            mstore(list, n)
        }
    }

    /// @inheritdoc IServiceNodeStaking
    function claimableRewards(address account) external view returns (uint256 amount) {
        uint256 length = _refs[account][0].length;
        uint256 acc = _global.acc;
        for (uint256 i; i < length; ++i) {
            (, uint256 owed, , ) = _owed(account, _refs[account][i], acc);
            amount += owed;
        }
    }

    /// @inheritdoc IServiceNodeStaking
    /// @dev Scans the node's entries (at most ten): unlike the write paths it must also find stakes
    /// whose refs were pruned after they were withdrawn and claimed.
    function stakeOf(uint64 nodeId, address account) external view returns (uint256 amount, uint256 total) {
        NodeHeader memory h = _headers[nodeId];
        total = h.totalStaked;
        for (uint256 i; i < h.highWater; ++i) {
            Entry memory e = _entries[nodeId][i];
            if (e.account == account) return (e.flags & _FLAG_RESERVED == 0 ? e.amount : 0, total);
        }
    }

    /// @inheritdoc IServiceNodeStaking
    function nodeStatus(
        uint64 nodeId
    ) external view returns (NodeState state, address operator, uint16 feeBps, uint256 totalStaked) {
        NodeHeader memory h = _headers[nodeId];
        return (_effectiveState(h), _entries[nodeId][0].account, h.feeBps, h.totalStaked);
    }

    /// @inheritdoc IServiceNodeStaking
    function minContribution(uint64 nodeId) public view returns (uint256) {
        NodeHeader memory h = _header(nodeId);
        if (h.state != NodeState.Open || h.liveCount >= MAX_CONTRIBUTORS) return 0;
        uint256 unreserved = uint256(h.requirement) * _SESH - h.totalStaked - _reservedUnfilled[nodeId];
        return _ceilDiv(unreserved, MAX_CONTRIBUTORS - h.liveCount);
    }

    /// @inheritdoc IServiceNodeStaking
    function networkStats()
        external
        view
        returns (
            uint64 nodeCount,
            uint64 activeNodeCount,
            uint256 totalActiveStake,
            uint256 rewardPerStake,
            bool paused
        )
    {
        Global memory g = _global;
        return (g.nodeCount, g.activeNodeCount, g.totalActiveStake, g.acc, g.paused);
    }

    /// @inheritdoc IServiceNodeStaking
    function stakingRequirement() external view returns (uint256) {
        return uint256(_config.requirement) * _SESH;
    }

    /// @inheritdoc IServiceNodeStaking
    function unlockDelay() external view returns (uint256) {
        return _config.unlockDelay;
    }

    /// @inheritdoc IServiceNodeStaking
    function penaltyBps() external view returns (uint256) {
        return _config.penaltyBps;
    }

    /// @inheritdoc IServiceNodeStaking
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IServiceNodeStaking
    function rewardPool() external view returns (address) {
        return _rewardPool;
    }

    // ================================================================ internals

    function _header(uint64 nodeId) private view returns (NodeHeader memory h) {
        h = _headers[nodeId];
        if (h.state == NodeState.None) revert StakingNodeNotFound(nodeId);
    }

    function _nodeView(uint64 nodeId) private view returns (NodeView memory v) {
        NodeHeader memory h = _headers[nodeId];
        bytes32 edKey = _edKeys[nodeId];
        (bytes32 xKey, ) = Curve25519.toMontgomery(edKey);
        Entry memory operatorEntry = _entries[nodeId][0];
        v.id = nodeId;
        v.state = _effectiveState(h);
        v.operator = operatorEntry.account;
        v.ed25519Key = edKey;
        v.x25519Key = xKey;
        v.endpoint = _endpoint(nodeId, edKey);
        v.feeBps = h.feeBps;
        v.stakingRequirement = uint256(h.requirement) * _SESH;
        v.totalStaked = h.totalStaked;
        v.contributorCount = h.liveCount;
        if (h.state == NodeState.Open) {
            v.totalReserved = _reservedUnfilled[nodeId];
            v.openSlots = uint8(MAX_CONTRIBUTORS - h.liveCount);
            v.minContribution = minContribution(nodeId);
        }
        v.registeredAt = operatorEntry.contributedAt;
        if (h.state == NodeState.Active) v.activatedAt = h.since;
        else if (h.state != NodeState.Open && h.state != NodeState.Cancelled) v.unlockAt = h.since;
        v.penaltyBps = h.penaltyBps;
    }

    /// @dev Exiting becomes Exited at its unlock time without a transaction.
    function _effectiveState(NodeHeader memory h) private view returns (NodeState) {
        if (h.state == NodeState.Exiting && block.timestamp >= h.since) return NodeState.Exited;
        return h.state;
    }

    /// @dev Live nodes hold their identity key: anything before its stake is unlocked.
    function _isLive(uint64 nodeId) private view returns (bool) {
        NodeHeader memory h = _headers[nodeId];
        NodeState state = _effectiveState(h);
        if (state == NodeState.Exited || state == NodeState.Cancelled) return false;
        if (state == NodeState.Deregistered) return block.timestamp < h.since;
        return true;
    }

    /// @dev Freezes the node's reward per stake and takes its stake out of the active total.
    function _endActiveLife(NodeHeader memory h, Global memory g) private pure {
        h.rewardMark = g.acc - h.rewardMark;
        g.totalActiveStake -= h.totalStaked;
        g.activeNodeCount -= 1;
    }

    function _unlockAt(NodeHeader memory h, Entry memory e) private pure returns (uint64) {
        if (h.state == NodeState.Open) return uint64(e.contributedAt) + uint64(OPEN_WITHDRAW_DELAY);
        if (h.state == NodeState.Active || h.state == NodeState.Cancelled) return 0;
        return h.since;
    }

    /// @dev Validates and stores an endpoint in the key's word (first 23 bytes) and a tail if longer.
    function _storeEndpoint(uint64 nodeId, bytes32 edKey, string calldata endpoint) private {
        uint256 length = bytes(endpoint).length;
        if (length < _MIN_ENDPOINT || length > _MAX_ENDPOINT) revert StakingInvalidEndpoint(length);
        _keys[edKey] = KeyRecord({
            nodeId: nodeId,
            endpointLength: uint8(length),
            endpointHead: bytes23(bytes(endpoint))
        });
        if (length > 23) _endpointTails[nodeId] = bytes(endpoint[23:]);
    }

    /// @dev The node's endpoint, or "" once a later node took over its identity key.
    function _endpoint(uint64 nodeId, bytes32 edKey) private view returns (string memory) {
        KeyRecord memory rec = _keys[edKey];
        if (rec.nodeId != nodeId) return "";
        uint256 headLength = rec.endpointLength > 23 ? 23 : rec.endpointLength;
        bytes memory head = new bytes(headLength);
        for (uint256 i; i < headLength; ++i) {
            head[i] = rec.endpointHead[i];
        }
        return
            rec.endpointLength > 23
                ? string.concat(string(head), string(_endpointTails[nodeId]))
                : string(head);
    }

    /// @dev Finds `account`'s entry in the node, and a free entry below the high water if it has none.
    /// Looks through whichever is shorter: the account's own stakes (whose refs hold the entry index) or
    /// the node's entries. Unpaid reservations have no ref yet, so a node with any is searched directly.
    function _find(
        uint64 nodeId,
        NodeHeader memory h,
        address account
    ) private view returns (bool found, uint256 index, uint256 freeIndex) {
        freeIndex = type(uint256).max;
        uint256 refCount = _refs[account][0].length;
        if (h.openReservations == 0 && refCount < h.highWater) {
            for (uint256 i; i < refCount; ++i) {
                StakeRef memory ref = _refs[account][i];
                if (ref.nodeId != nodeId) continue;
                Entry memory e = _entries[nodeId][ref.index];
                if (e.account == account && e.contributedAt == ref.contributedAt)
                    return (true, ref.index, freeIndex);
            }
            // Not a contributor: new entries go at the high water unless all ten were used once.
            if (h.highWater < MAX_CONTRIBUTORS) return (false, 0, freeIndex);
        }
        for (uint256 i; i < h.highWater; ++i) {
            address a = _entries[nodeId][i].account;
            if (a == account) return (true, i, type(uint256).max);
            if (a == address(0) && freeIndex == type(uint256).max) freeIndex = i;
        }
    }

    function _payout(uint256 amount, uint256 penalty, NodeState state) private pure returns (uint256) {
        if (state != NodeState.Deregistered || penalty == 0) return amount;
        // Each contributor bears its share of the penalty rounded up, so payouts never exceed what is left.
        return amount - _ceilDiv(amount * penalty, _BPS);
    }

    function _pushRef(address account, uint64 nodeId, uint256 index) private {
        StakeRef storage head = _refs[account][0];
        uint256 length = head.length;
        // Layout of StakeRef: nodeId [0,64) index [64,72) contributedAt [72,104) claimed [104,192) length [192,208).
        uint256 word = uint256(nodeId) | (index << 64) | (block.timestamp << 72);
        if (length == 0) {
            _store(head, word | (uint256(1) << 192));
        } else {
            StakeRef storage slot = _refs[account][length];
            _store(slot, word);
            head.length = uint16(length + 1);
        }
    }

    /// @dev One SSTORE for the header (assigning a memory struct to storage copies it field by field).
    function _writeHeader(uint64 nodeId, NodeHeader memory h) private {
        uint256 word =
            uint256(h.totalStaked) |
                (uint256(h.feeBps) << 48) |
                (uint256(h.state) << 64) |
                (uint256(h.liveCount) << 72) |
                (uint256(h.highWater) << 80) |
                (uint256(h.openReservations) << 88) |
                (uint256(h.requirement) << 96) |
                (uint256(h.penaltyBps) << 120) |
                (uint256(h.since) << 136) |
                (uint256(h.rewardMark) << 168);
        NodeHeader storage slot = _headers[nodeId];
        assembly ("memory-safe") {
            sstore(slot.slot, word)
        }
    }

    /// @dev One SSTORE for the global word.
    function _writeGlobal(Global memory g) private {
        uint256 word =
            uint256(g.acc) |
                (uint256(g.totalActiveStake) << 88) |
                (uint256(g.nodeCount) << 152) |
                (uint256(g.activeNodeCount) << 184) |
                (g.paused ? uint256(1) << 216 : 0) |
                (uint256(g.lastReleaseAt) << 224);
        Global storage slot = _global;
        assembly ("memory-safe") {
            sstore(slot.slot, word)
        }
    }

    /// @dev One SSTORE for a new contributor entry (a struct literal is copied field by field).
    function _writeEntry(Entry storage e, address account, uint256 amount) private {
        // Layout of Entry: account [0,160) amount [160,208) contributedAt [208,240) flags [240,248).
        _store(e, uint256(uint160(account)) | (amount << 160) | (block.timestamp << 208));
    }

    function _store(Entry storage e, uint256 word) private {
        assembly ("memory-safe") {
            sstore(e.slot, word)
        }
    }

    function _store(StakeRef storage ref, uint256 word) private {
        assembly ("memory-safe") {
            sstore(ref.slot, word)
        }
    }

    /// @dev Removes ref `i` by moving the last one (at `last`) into its place; entry 0 keeps the length.
    function _removeRef(address account, uint256 i, uint256 last) private {
        mapping(uint256 position => StakeRef) storage refs = _refs[account];
        if (i != last) {
            StakeRef memory moved = refs[last];
            moved.length = 0;
            refs[i] = moved;
        }
        if (last != 0) delete refs[last];
        refs[0].length = uint16(last);
        if (last == 0) delete refs[0];
    }

    function _permit(Permit calldata p, uint256 value) private {
        // A permit already used (for example front-run from the mempool) is fine if the allowance is there.
        try
            IERC20Permit(address(_token)).permit(msg.sender, address(this), value, p.deadline, p.v, p.r, p.s)
        {} catch {}
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
