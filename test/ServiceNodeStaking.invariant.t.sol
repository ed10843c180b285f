// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IServiceNodeStaking} from "../contracts/interfaces/IServiceNodeStaking.sol";
import {RewardRatePool} from "../contracts/RewardRatePool.sol";
import {SeshToken} from "../contracts/SeshToken.sol";
import {ServiceNodeStaking} from "../contracts/ServiceNodeStaking.sol";
import {RewardRate} from "../contracts/libraries/RewardRate.sol";
import {StakingFixture} from "./utils/StakingFixture.sol";
import {Vm, VM_ADDRESS} from "./utils/Vm.sol";

/// @notice Drives the staking contract through random sequences of every user action, keeping ghost
/// totals of what went in and out. Actions that the contract refuses are simply skipped.
contract StakingHandler {
    Vm internal constant vm = Vm(VM_ADDRESS);
    uint256 internal constant SESH = 1e9;

    SeshToken public immutable token;
    ServiceNodeStaking public immutable staking;
    RewardRatePool public immutable pool;
    address public immutable admin;

    address[6] public actors;
    uint64[] public nodes;
    mapping(address => uint256) public deposited;
    mapping(address => uint256) public withdrawn;
    uint256 public ghostLiveStake;
    uint256 public ghostReleased;
    uint256 public ghostPaid;
    /// @dev Released beyond what the time since the later of the last release and the last activation of
    /// a node while none was Active (time in which some node was Active throughout) accounts for.
    uint256 public ghostIdleReleased;
    uint256 private _keys;
    uint256 private _lastRelease;
    uint256 private _activeSince;

    constructor(SeshToken token_, ServiceNodeStaking staking_, address admin_) {
        token = token_;
        staking = staking_;
        pool = RewardRatePool(staking_.rewardPool());
        admin = admin_;
        _lastRelease = block.timestamp;
        for (uint256 i; i < 6; ++i) {
            actors[i] = address(uint160(0xA000 + i));
            vm.prank(actors[i]);
            token_.approve(address(staking_), type(uint256).max);
        }
    }

    function actorCount() external pure returns (uint256) {
        return 6;
    }

    function register(uint256 actorSeed, uint256 amountSeed, uint16 fee) external {
        address operator = actors[actorSeed % 6];
        uint256 amount = 6_250 * SESH + (amountSeed % (18_751 * SESH));
        IServiceNodeStaking.Registration memory r;
        r.ed25519Key = keccak256(abi.encode(++_keys)) & bytes32(uint256(type(uint248).max));
        r.x25519Key = staking.onionKeyOf(r.ed25519Key);
        r.endpoint = "198.51.100.1:22021";
        r.signature = new bytes(64);
        r.feeBps = uint16(fee % 10_001);
        r.amount = amount;
        bool idle = _activeStake() == 0;
        vm.prank(operator);
        try staking.registerNode(r) returns (uint64 nodeId) {
            nodes.push(nodeId);
            deposited[operator] += amount;
            ghostLiveStake += amount;
            _noteActivation(idle);
        } catch {}
    }

    function contribute(uint256 actorSeed, uint256 nodeSeed, uint256 amountSeed) external {
        if (nodes.length == 0) return;
        address who = actors[actorSeed % 6];
        uint64 nodeId = nodes[nodeSeed % nodes.length];
        IServiceNodeStaking.NodeView memory v = staking.getNode(nodeId);
        if (v.state != IServiceNodeStaking.NodeState.Open) return;
        uint256 left = v.stakingRequirement - v.totalStaked;
        // Mostly valid amounts, sometimes the whole remainder (which activates the node).
        uint256 amount = amountSeed % 3 == 0 ? left : v.minContribution + (amountSeed % (left + 1));
        if (amount > left) amount = left;
        bool idle = _activeStake() == 0;
        vm.prank(who);
        try staking.contribute(nodeId, amount) {
            deposited[who] += amount;
            ghostLiveStake += amount;
            _noteActivation(idle);
        } catch {}
    }

    function withdraw(uint256 actorSeed, uint256 nodeSeed) external {
        if (nodes.length == 0) return;
        address who = actors[actorSeed % 6];
        uint64 nodeId = nodes[nodeSeed % nodes.length];
        // An operator cancelling refunds other contributors too: measure everyone.
        uint256[6] memory others;
        for (uint256 i; i < 6; ++i) others[i] = token.balanceOf(actors[i]);
        vm.prank(who);
        try staking.withdraw(nodeId) {
            for (uint256 i; i < 6; ++i) {
                uint256 got = token.balanceOf(actors[i]) - others[i];
                withdrawn[actors[i]] += got;
                ghostLiveStake -= got;
            }
        } catch {}
    }

    function requestExit(uint256 actorSeed, uint256 nodeSeed) external {
        if (nodes.length == 0) return;
        vm.prank(actors[actorSeed % 6]);
        try staking.requestExit(nodes[nodeSeed % nodes.length]) {} catch {}
    }

    function deregister(uint256 nodeSeed) external {
        if (nodes.length == 0) return;
        uint256 held = token.balanceOf(address(staking));
        vm.prank(admin);
        try staking.deregisterNode(nodes[nodeSeed % nodes.length]) {
            ghostLiveStake -= held - token.balanceOf(address(staking));
        } catch {}
    }

    function warp(uint32 secondsAhead) external {
        vm.warp(block.timestamp + 1 + (secondsAhead % 20 days));
    }

    function release() external {
        uint256 balance = token.balanceOf(address(pool));
        bool active = _activeStake() != 0;
        uint256 released = pool.release();
        ghostReleased += released;
        uint256 from = _lastRelease > _activeSince ? _lastRelease : _activeSince;
        uint256 earned = active ? RewardRate.releasable(balance, block.timestamp - from) : 0;
        if (released > earned) ghostIdleReleased += released - earned;
        _lastRelease = block.timestamp;
    }

    function claim(uint256 actorSeed) external {
        address who = actors[actorSeed % 6];
        uint256 before = token.balanceOf(who);
        vm.prank(who);
        try staking.claim() {
            ghostPaid += token.balanceOf(who) - before;
        } catch {}
    }

    function _activeStake() private view returns (uint256 totalActiveStake) {
        (, , totalActiveStake, , ) = staking.networkStats();
    }

    /// @dev The network goes from no Active node to some only when a registration or contribution activates.
    function _noteActivation(bool wasIdle) private {
        if (wasIdle && _activeStake() != 0) _activeSince = block.timestamp;
    }
}

contract ServiceNodeStakingInvariantTest is StakingFixture {
    StakingHandler internal handler;

    function setUp() public {
        _deploy();
        handler = new StakingHandler(token, staking, address(this));
        for (uint256 i; i < 6; ++i) token.transfer(handler.actors(i), 1_000_000 * SESH);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Tokens held = live stakes + released rewards not yet paid; unpaid rewards cover every claim.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 60
    function invariant_balanceIsStakesPlusUnclaimedRewards() public view {
        uint256 unpaid = handler.ghostReleased() - handler.ghostPaid();
        vm.assertEq(token.balanceOf(address(staking)), handler.ghostLiveStake() + unpaid, "balance identity");
        uint256 claimable;
        for (uint256 i; i < 6; ++i) claimable += staking.claimableRewards(handler.actors(i));
        vm.assertLe(claimable, unpaid, "claimable rewards exceed what the contract holds for them");
    }

    /// Rewards paid never exceed rewards released.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 60
    function invariant_rewardsPaidNeverExceedReleased() public view {
        vm.assertLe(handler.ghostPaid(), handler.ghostReleased());
    }

    /// Time in which no node is Active releases nothing: every release is at most what the time since the
    /// network last became Active accounts for.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 60
    function invariant_idleTimeReleasesNothing() public view {
        vm.assertEq(handler.ghostIdleReleased(), 0);
    }

    /// No contributor ever withdraws more than it staked.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 60
    function invariant_noContributorWithdrawsMoreThanStaked() public view {
        for (uint256 i; i < 6; ++i) {
            address a = handler.actors(i);
            vm.assertLe(handler.withdrawn(a), handler.deposited(a));
        }
    }
}
