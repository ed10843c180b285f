// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IServiceNodeStaking} from "./interfaces/IServiceNodeStaking.sol";
import {Curve25519} from "./libraries/Curve25519.sol";

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

    /// @dev Written at registration, updated on every contribution and state change.
    struct NodeHeader {
        uint48 totalStaked;
        uint16 feeBps;
        NodeState state;
        uint8 liveCount; // contributors and unpaid reservations holding a slot
        uint8 highWater; // entries used so far (free entries below it are reused)
        uint24 requirement; // whole SESH
        uint32 activatedAt;
        uint88 accStart; // reward accumulator when the node became Active
        uint8 openReservations; // reservations not yet paid (their sum is in NodeEnd)
    }

    /// @dev Written only when the node has reservations or its active life ends.
    struct NodeEnd {
        uint48 reservedUnfilled;
        uint32 exitRequestedAt;
        uint32 unlockAt;
        uint88 accEnd;
        uint16 penaltyBps;
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
        uint88 claimedAcc;
        uint16 length;
    }

    /// @dev The global reward state: one word read and written by every activation, exit and release.
    struct Global {
        uint88 acc;
        uint64 totalActiveStake;
        uint32 nodeCount;
        uint32 activeNodeCount;
        bool paused;
    }

    struct Config {
        uint24 requirement; // whole SESH
        uint32 unlockDelay;
        uint16 penaltyBps;
        address rewardPool;
    }

    IERC20 private immutable _token;
    address private _admin;
    address private _pendingAdmin;
    uint256 private immutable _chainId;

    Global private _global;
    Config private _config;

    mapping(uint64 nodeId => NodeHeader) private _headers;
    mapping(uint64 nodeId => NodeEnd) private _ends;
    mapping(uint64 nodeId => bytes32) private _edKeys;
    mapping(uint64 nodeId => string) private _endpoints;
    mapping(uint64 nodeId => mapping(uint256 index => Entry)) private _entries;
    mapping(bytes32 ed25519Key => uint64 nodeId) private _nodeByKey;
    mapping(address account => mapping(uint256 position => StakeRef)) private _refs;

    modifier whenNotPaused() {
        if (_global.paused) revert StakingPaused();
        _;
    }

    /// @param token_ The SESH token.
    /// @param admin_ Holds DEFAULT_ADMIN_ROLE (moved only by the two-step transfer), SLASHER and PAUSER.
    /// @param requirement Staking requirement in base units (whole SESH).
    /// @param delay Unlock delay after an exit request.
    /// @param penalty Deregistration penalty in basis points.
    constructor(address token_, address admin_, uint256 requirement, uint256 delay, uint256 penalty)
    {
        if (admin_ == address(0)) revert StakingZeroAddress();
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
    function registerNodeWithPermit(Registration calldata registration, Permit calldata permit)
        external
        whenNotPaused
        returns (uint64)
    {
        _permit(permit);
        return _register(registration);
    }

    /// @inheritdoc IServiceNodeStaking
    function contribute(uint64 nodeId, uint256 amount) external whenNotPaused {
        _contribute(nodeId, amount);
    }

    /// @inheritdoc IServiceNodeStaking
    function contributeWithPermit(uint64 nodeId, uint256 amount, Permit calldata permit) external whenNotPaused {
        _permit(permit);
        _contribute(nodeId, amount);
    }

    function _register(Registration calldata r) private returns (uint64 nodeId) {
        Config memory config = _config;
        uint256 requirement = uint256(config.requirement) * _SESH;

        if (r.ed25519Key == bytes32(0)) revert StakingInvalidEd25519Key(r.ed25519Key);
        (bytes32 onionKey, bool ok) = Curve25519.toMontgomery(r.ed25519Key);
        if (!ok) revert StakingInvalidEd25519Key(r.ed25519Key);
        if (onionKey != r.x25519Key) revert StakingOnionKeyMismatch(r.x25519Key, onionKey);
        uint64 holder = _nodeByKey[r.ed25519Key];
        if (holder != 0 && _isLive(holder)) revert StakingKeyInUse(r.ed25519Key, holder);
        uint256 endpointLength = bytes(r.endpoint).length;
        if (endpointLength < _MIN_ENDPOINT || endpointLength > _MAX_ENDPOINT) {
            revert StakingInvalidEndpoint(endpointLength);
        }
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

        _nodeByKey[r.ed25519Key] = nodeId;
        _edKeys[nodeId] = r.ed25519Key;
        _endpoints[nodeId] = r.endpoint;
        _entries[nodeId][0] = Entry({
            account: msg.sender,
            amount: uint48(r.amount), // r.amount <= requirement < 2^48
            contributedAt: uint32(block.timestamp),
            flags: 0
        });
        _pushRef(msg.sender, nodeId, 0);

        NodeHeader memory h = NodeHeader({
            totalStaked: uint48(r.amount),
            feeBps: r.feeBps,
            state: NodeState.Open,
            liveCount: uint8(1 + r.reservations.length),
            highWater: uint8(1 + r.reservations.length),
            requirement: config.requirement,
            activatedAt: 0,
            accStart: 0,
            openReservations: uint8(r.reservations.length)
        });

        _emitRegistered(nodeId, r, requirement);
        emit StakeContributed(nodeId, msg.sender, r.amount, r.amount);
        if (r.amount == requirement) _activate(nodeId, h, g, msg.sender);
        _headers[nodeId] = h;
        _global = g;

        _token.safeTransferFrom(msg.sender, address(this), r.amount);
    }

    function _emitRegistered(uint64 nodeId, Registration calldata r, uint256 requirement) private {
        emit NodeRegistered(
            nodeId, msg.sender, r.ed25519Key, r.x25519Key, r.endpoint, r.feeBps, requirement, r.signature
        );
    }

    /// @dev Stores reservations as entries 1..n flagged reserved; returns their sum.
    function _reserve(uint64 nodeId, Reservation[] calldata reservations, address operator)
        private
        returns (uint256 total)
    {
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
            if (total > MAX_STAKING_REQUIREMENT) revert StakingInvalidReservation(res.contributor, res.amount);
            _entries[nodeId][i + 1] =
                Entry({account: res.contributor, amount: uint48(res.amount), contributedAt: 0, flags: _FLAG_RESERVED});
            emit ContributorReserved(nodeId, res.contributor, res.amount);
        }
        _ends[nodeId].reservedUnfilled = uint48(total);
    }

    function _contribute(uint64 nodeId, uint256 amount) private {
        if (amount == 0) revert StakingZeroAmount();
        NodeHeader memory h = _header(nodeId);
        if (h.state != NodeState.Open) revert StakingInvalidNodeState(nodeId, h.state);

        uint256 requirement = uint256(h.requirement) * _SESH;
        uint256 reservedUnfilled = h.openReservations == 0 ? 0 : _ends[nodeId].reservedUnfilled;
        uint256 unreserved = requirement - h.totalStaked - reservedUnfilled;

        (bool found, uint256 index, uint256 freeIndex) = _find(nodeId, h.highWater, msg.sender);
        if (found) {
            Entry storage e = _entries[nodeId][index];
            if (e.flags & _FLAG_RESERVED != 0) {
                uint256 reservedAmount = e.amount;
                if (amount < reservedAmount) revert StakingReservationNotMet(amount, reservedAmount);
                if (amount - reservedAmount > unreserved) {
                    revert StakingStakeExceedsRequirement(amount, reservedAmount + unreserved);
                }
                _ends[nodeId].reservedUnfilled = uint48(reservedUnfilled - reservedAmount);
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
            _entries[nodeId][freeIndex] = Entry({
                account: msg.sender,
                amount: uint48(amount),
                contributedAt: uint32(block.timestamp),
                flags: 0
            });
            h.liveCount += 1;
            _pushRef(msg.sender, nodeId, freeIndex);
        }

        h.totalStaked += uint48(amount); // bounded by requirement above
        emit StakeContributed(nodeId, msg.sender, amount, h.totalStaked);
        if (h.totalStaked == requirement) {
            Global memory g = _global;
            _activate(nodeId, h, g, _entries[nodeId][0].account);
            _global = g;
        }
        _headers[nodeId] = h;

        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    function _activate(uint64 nodeId, NodeHeader memory h, Global memory g, address operator) private {
        h.state = NodeState.Active;
        h.activatedAt = uint32(block.timestamp);
        h.accStart = g.acc;
        g.totalActiveStake += h.totalStaked;
        g.activeNodeCount += 1;
        emit NodeActivated(nodeId, operator, h.totalStaked);
    }

    // ================================================================ leaving

    /// @inheritdoc IServiceNodeStaking
    function requestExit(uint64 nodeId) external whenNotPaused {
        NodeHeader memory h = _header(nodeId);
        if (h.state != NodeState.Active) revert StakingInvalidNodeState(nodeId, h.state);
        (bool found, uint256 index,) = _find(nodeId, h.highWater, msg.sender);
        Entry memory e = _entries[nodeId][index];
        if (!found || e.flags & _FLAG_RESERVED != 0) revert StakingNotContributor(nodeId, msg.sender);
        if (uint256(e.amount) * 4 < h.totalStaked) {
            uint256 allowedAt = uint256(h.activatedAt) + SMALL_CONTRIBUTOR_LOCK;
            if (block.timestamp < allowedAt) revert StakingSmallContributorExitTooEarly(nodeId, allowedAt);
        }

        Global memory g = _global;
        uint32 unlockAt = uint32(block.timestamp + _config.unlockDelay);
        NodeEnd storage end = _ends[nodeId];
        end.exitRequestedAt = uint32(block.timestamp);
        end.unlockAt = unlockAt;
        end.accEnd = g.acc;
        _headers[nodeId].state = NodeState.Exiting;
        g.totalActiveStake -= h.totalStaked;
        g.activeNodeCount -= 1;
        _global = g;

        emit NodeExitRequested(nodeId, msg.sender, unlockAt);
    }

    /// @inheritdoc IServiceNodeStaking
    function deregisterNode(uint64 nodeId) external onlyRole(SLASHER_ROLE) {
        NodeHeader memory h = _header(nodeId);
        NodeState state = _effectiveState(nodeId, h.state);
        if (state != NodeState.Active && state != NodeState.Exiting) revert StakingInvalidNodeState(nodeId, state);

        Config memory config = _config;
        NodeEnd storage end = _ends[nodeId];
        if (state == NodeState.Active) {
            Global memory g = _global;
            end.accEnd = g.acc;
            g.totalActiveStake -= h.totalStaked;
            g.activeNodeCount -= 1;
            _global = g;
        }
        uint64 unlockAt = uint64(block.timestamp + PENALTY_LOCK);
        end.unlockAt = uint32(unlockAt);
        end.penaltyBps = config.penaltyBps;
        _headers[nodeId].state = NodeState.Deregistered;

        uint256 penalty = uint256(h.totalStaked) * config.penaltyBps / _BPS;
        emit NodeDeregistered(nodeId, msg.sender, penalty, unlockAt);
        if (penalty != 0) _token.safeTransfer(config.rewardPool, penalty);
    }

    /// @inheritdoc IServiceNodeStaking
    /// @dev Not paused: every path pays only stake that is unlocked.
    function withdraw(uint64 nodeId) external {
        NodeHeader memory h = _header(nodeId);
        (bool found, uint256 index,) = _find(nodeId, h.highWater, msg.sender);
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
            _headers[nodeId] = h;
            emit ContributorWithdrawn(nodeId, msg.sender, e.amount);
            _token.safeTransfer(msg.sender, e.amount);
            return;
        }

        if (h.state != NodeState.Exiting && h.state != NodeState.Exited && h.state != NodeState.Deregistered) {
            revert StakingInvalidNodeState(nodeId, h.state);
        }
        NodeEnd memory end = _ends[nodeId];
        if (block.timestamp < end.unlockAt) revert StakingStakeLocked(nodeId, end.unlockAt);
        if (h.state == NodeState.Exiting) _headers[nodeId].state = NodeState.Exited;

        uint256 payout = _payout(e.amount, end.penaltyBps, h.state);
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
    function notifyRewardsReleased(uint256 amount) external {
        Config memory config = _config;
        if (msg.sender != config.rewardPool) revert StakingCallerNotRewardPool(msg.sender);
        Global memory g = _global;
        if (g.totalActiveStake == 0) {
            // Nobody to pay: the release goes back to the reserve.
            if (amount != 0) _token.safeTransfer(config.rewardPool, amount);
            emit RewardsReleased(0, g.acc, 0);
            return;
        }
        g.acc += (amount * _PRECISION / g.totalActiveStake).toUint88();
        _global = g;
        emit RewardsReleased(amount, g.acc, g.totalActiveStake);
    }

    /// @inheritdoc IServiceNodeStaking
    function claim() external whenNotPaused returns (uint256 amount) {
        uint256 acc = _global.acc;
        uint256 length = _refs[msg.sender][0].length;
        uint256 i;
        while (i < length) {
            StakeRef memory ref = _refs[msg.sender][i];
            (bool stale, uint256 owed, uint256 accTo, bool finished) = _owed(msg.sender, ref, acc);
            amount += owed;
            if (stale || finished) {
                // Finished: ended, withdrawn and now fully paid. Swap the last ref in, re-examine i.
                length -= 1;
                _removeRef(msg.sender, i, length);
            } else {
                if (owed != 0) _refs[msg.sender][i].claimedAcc = uint88(accTo);
                ++i;
            }
        }
        if (amount == 0) revert StakingNothingToClaim(msg.sender);
        emit RewardsClaimed(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @dev What `ref` owes its account now, up to which accumulator value, and whether the ref can go.
    function _owed(address account, StakeRef memory ref, uint256 acc)
        private
        view
        returns (bool stale, uint256 owed, uint256 accTo, bool finished)
    {
        Entry memory e = _entries[ref.nodeId][ref.index];
        if (e.account != account || e.contributedAt != ref.contributedAt || e.flags & _FLAG_RESERVED != 0) {
            return (true, 0, 0, false);
        }
        NodeHeader memory h = _headers[ref.nodeId];
        bool withdrawn = e.flags & _FLAG_WITHDRAWN != 0;
        if (h.state == NodeState.Open || h.state == NodeState.Cancelled) return (false, 0, 0, withdrawn);
        accTo = h.state == NodeState.Active ? acc : _ends[ref.nodeId].accEnd;
        uint256 from = ref.claimedAcc > h.accStart ? ref.claimedAcc : h.accStart;
        if (accTo > from) {
            uint256 weight = uint256(e.amount) * (_BPS - h.feeBps);
            if (ref.index == 0) weight += uint256(h.totalStaked) * h.feeBps;
            owed = weight * (accTo - from) / (_BPS * _PRECISION);
        }
        finished = withdrawn;
    }

    // ================================================================ operator settings

    /// @inheritdoc IServiceNodeStaking
    function updateEndpoint(uint64 nodeId, string calldata endpoint) external whenNotPaused {
        NodeHeader memory h = _header(nodeId);
        if (_entries[nodeId][0].account != msg.sender) revert StakingNotContributor(nodeId, msg.sender);
        if (h.state != NodeState.Open && h.state != NodeState.Active) revert StakingInvalidNodeState(nodeId, h.state);
        uint256 length = bytes(endpoint).length;
        if (length < _MIN_ENDPOINT || length > _MAX_ENDPOINT) revert StakingInvalidEndpoint(length);
        _endpoints[nodeId] = endpoint;
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
    function setRewardPool(address pool) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (pool == address(0)) revert StakingZeroAddress();
        if (_config.rewardPool != address(0)) revert StakingRewardPoolAlreadySet(_config.rewardPool);
        _config.rewardPool = pool;
        emit RewardPoolSet(pool);
    }

    /// @inheritdoc IServiceNodeStaking
    function beginAdminTransfer(address newAdmin) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(_admin, newAdmin);
    }

    /// @inheritdoc IServiceNodeStaking
    function acceptAdminTransfer() external {
        address previous = _admin;
        if (msg.sender != _pendingAdmin || msg.sender == address(0)) revert StakingNotPendingAdmin(msg.sender);
        _admin = msg.sender;
        delete _pendingAdmin;
        _revokeRole(DEFAULT_ADMIN_ROLE, previous);
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
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
            requirement < MIN_STAKING_REQUIREMENT || requirement > MAX_STAKING_REQUIREMENT
                || requirement % _SESH != 0
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
    function registrationMessage(address operator, bytes32 ed25519Key, bytes32 x25519Key)
        external
        view
        returns (bytes memory)
    {
        return abi.encodePacked(_REGISTRATION_DOMAIN, _chainId, address(this), operator, ed25519Key, x25519Key);
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
        uint64 nodeId = _nodeByKey[ed25519Key];
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
    function getNodes(uint64 startId, uint256 limit, NodeState stateFilter)
        external
        view
        returns (NodeView[] memory nodes, uint64 nextId)
    {
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
            (bool stale, uint256 owed,,) = _owed(account, ref, acc);
            if (stale) continue;
            Entry memory e = _entries[ref.nodeId][ref.index];
            NodeHeader memory h = _headers[ref.nodeId];
            NodeEnd memory end = _ends[ref.nodeId];
            NodeState state = _effectiveState(ref.nodeId, h.state);
            bool withdrawn = e.flags & _FLAG_WITHDRAWN != 0;
            if (withdrawn && owed == 0) continue;
            uint256 withdrawable;
            if (!withdrawn) {
                if (state == NodeState.Open && ref.index != 0) {
                    if (block.timestamp >= uint256(e.contributedAt) + OPEN_WITHDRAW_DELAY) withdrawable = e.amount;
                } else if (
                    (state == NodeState.Exited || state == NodeState.Deregistered) && block.timestamp >= end.unlockAt
                ) {
                    withdrawable = _payout(e.amount, end.penaltyBps, h.state);
                }
            }
            list[n++] = StakeView({
                nodeId: ref.nodeId,
                state: state,
                amount: e.amount,
                withdrawable: withdrawable,
                claimable: owed,
                unlockAt: state == NodeState.Open ? uint64(e.contributedAt) + uint64(OPEN_WITHDRAW_DELAY) : end.unlockAt,
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
            (, uint256 owed,,) = _owed(account, _refs[account][i], acc);
            amount += owed;
        }
    }

    /// @inheritdoc IServiceNodeStaking
    function stakeOf(uint64 nodeId, address account) external view returns (uint256 amount, uint256 total) {
        NodeHeader memory h = _headers[nodeId];
        total = h.totalStaked;
        (bool found, uint256 index,) = _find(nodeId, h.highWater, account);
        if (found) {
            Entry memory e = _entries[nodeId][index];
            if (e.flags & _FLAG_RESERVED == 0) amount = e.amount;
        }
    }

    /// @inheritdoc IServiceNodeStaking
    function minContribution(uint64 nodeId) public view returns (uint256) {
        NodeHeader memory h = _header(nodeId);
        if (h.state != NodeState.Open || h.liveCount >= MAX_CONTRIBUTORS) return 0;
        uint256 unreserved = uint256(h.requirement) * _SESH - h.totalStaked - _ends[nodeId].reservedUnfilled;
        return _ceilDiv(unreserved, MAX_CONTRIBUTORS - h.liveCount);
    }

    /// @inheritdoc IServiceNodeStaking
    function networkStats()
        external
        view
        returns (uint64 nodeCount, uint64 activeNodeCount, uint256 totalActiveStake, uint256 rewardPerStake, bool paused)
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
        return _config.rewardPool;
    }

    // ================================================================ internals

    function _header(uint64 nodeId) private view returns (NodeHeader memory h) {
        h = _headers[nodeId];
        if (h.state == NodeState.None) revert StakingNodeNotFound(nodeId);
    }

    function _nodeView(uint64 nodeId) private view returns (NodeView memory v) {
        NodeHeader memory h = _headers[nodeId];
        NodeEnd memory end = _ends[nodeId];
        bytes32 edKey = _edKeys[nodeId];
        (bytes32 xKey,) = Curve25519.toMontgomery(edKey);
        Entry memory operatorEntry = _entries[nodeId][0];
        v.id = nodeId;
        v.state = _effectiveState(nodeId, h.state);
        v.operator = operatorEntry.account;
        v.ed25519Key = edKey;
        v.x25519Key = xKey;
        v.endpoint = _endpoints[nodeId];
        v.feeBps = h.feeBps;
        v.stakingRequirement = uint256(h.requirement) * _SESH;
        v.totalStaked = h.totalStaked;
        v.contributorCount = h.liveCount;
        if (h.state == NodeState.Open) {
            v.totalReserved = end.reservedUnfilled;
            v.openSlots = uint8(MAX_CONTRIBUTORS - h.liveCount);
            v.minContribution = minContribution(nodeId);
        }
        v.registeredAt = operatorEntry.contributedAt;
        v.activatedAt = h.activatedAt;
        v.exitRequestedAt = end.exitRequestedAt;
        v.unlockAt = end.unlockAt;
        if (h.state == NodeState.Deregistered) v.penaltyBps = end.penaltyBps;
    }

    /// @dev Exiting becomes Exited at its unlock time without a transaction.
    function _effectiveState(uint64 nodeId, NodeState stored) private view returns (NodeState) {
        if (stored == NodeState.Exiting && block.timestamp >= _ends[nodeId].unlockAt) return NodeState.Exited;
        return stored;
    }

    /// @dev Live nodes hold their identity key: anything before its stake is unlocked.
    function _isLive(uint64 nodeId) private view returns (bool) {
        NodeState state = _effectiveState(nodeId, _headers[nodeId].state);
        if (state == NodeState.Exited || state == NodeState.Cancelled) return false;
        if (state == NodeState.Deregistered) return block.timestamp < _ends[nodeId].unlockAt;
        return true;
    }

    /// @dev Finds `account` among the node's entries, and the first free entry below the high water.
    function _find(uint64 nodeId, uint256 highWater, address account)
        private
        view
        returns (bool found, uint256 index, uint256 freeIndex)
    {
        freeIndex = type(uint256).max;
        for (uint256 i; i < highWater; ++i) {
            address a = _entries[nodeId][i].account;
            if (a == account) return (true, i, freeIndex);
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
        uint16 length = head.length;
        StakeRef memory ref = StakeRef({
            nodeId: nodeId,
            index: uint8(index),
            contributedAt: uint32(block.timestamp),
            claimedAcc: 0,
            length: 0
        });
        if (length == 0) {
            ref.length = 1;
            _refs[account][0] = ref;
        } else {
            _refs[account][length] = ref;
            head.length = length + 1;
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

    function _permit(Permit calldata p) private {
        // A permit already used (for example front-run from the mempool) is fine if the allowance is there.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), p.value, p.deadline, p.v, p.r, p.s) {}
            catch {}
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
