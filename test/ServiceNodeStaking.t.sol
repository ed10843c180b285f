// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IRewardRatePool} from "../contracts/interfaces/IRewardRatePool.sol";
import {IServiceNodeStaking} from "../contracts/interfaces/IServiceNodeStaking.sol";
import {RewardRate} from "../contracts/libraries/RewardRate.sol";
import {SeshToken} from "../contracts/SeshToken.sol";
import {StakingFixture} from "./utils/StakingFixture.sol";

contract ServiceNodeStakingTest is StakingFixture {
    address internal constant OPERATOR = address(0xA11CE);
    address internal constant ALICE = address(0xB0B);
    address internal constant NEW_ADMIN = address(0xAD1);
    address internal constant GUARDIAN = address(0x6A4D);

    function setUp() public {
        _deploy();
        _fund(OPERATOR, 1_000_000 * SESH);
        _fund(ALICE, 1_000_000 * SESH);
    }

    function test_onionKey_matchesLibsodiumConversion() public view {
        // RFC 8032 test 1 and 2 public keys and the X25519 keys libsodium derives from their secrets.
        vm.assertEq(
            staking.onionKeyOf(0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a),
            0xd85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e
        );
        vm.assertEq(
            staking.onionKeyOf(0x3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c),
            0x25c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47
        );
    }

    function test_onionKey_rejectsNonCanonicalY() public {
        // y = p (little-endian 0xed ff .. 7f) is not a canonical field element.
        bytes32 key = 0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f;
        vm.expectRevert(abi.encodeWithSelector(IServiceNodeStaking.StakingInvalidEd25519Key.selector, key));
        staking.onionKeyOf(key);
    }

    function test_register_soloNodeIsActiveAtOnce() public {
        uint64 nodeId = _register(OPERATOR, REQUIREMENT, 500);
        IServiceNodeStaking.NodeView memory v = staking.getNode(nodeId);
        vm.assertEq(uint256(v.state), uint256(IServiceNodeStaking.NodeState.Active));
        vm.assertEq(v.activatedAt, block.timestamp);
        vm.assertEq(v.endpoint, "203.0.113.7:22021");
    }

    function test_register_storesLongEndpoints() public {
        IServiceNodeStaking.Registration memory r = _registration(REQUIREMENT, 0);
        r.endpoint = "relay-0123456789.sesh-network-operators.example:22021";
        vm.prank(OPERATOR);
        uint64 nodeId = staking.registerNode(r);
        vm.assertEq(staking.getNode(nodeId).endpoint, r.endpoint);
        vm.prank(OPERATOR);
        staking.updateEndpoint(nodeId, "[2001:db8::17]:22021");
        vm.assertEq(staking.getNode(nodeId).endpoint, "[2001:db8::17]:22021");
    }

    function test_contribute_revertsWhenNodeFull() public {
        uint64 nodeId = _register(OPERATOR, 6_250 * SESH, 0);
        uint256 remaining = 18_750 * SESH;
        for (uint256 i; i < 8; ++i) {
            address c = address(uint160(0x1000 + i));
            _fund(c, 10_000 * SESH);
            uint256 minimum = staking.minContribution(nodeId);
            vm.prank(c);
            staking.contribute(nodeId, minimum);
            remaining -= minimum;
        }
        // One slot left: the minimum is now everything that remains.
        vm.assertEq(staking.minContribution(nodeId), remaining);
        _fund(address(0x2000), 100_000 * SESH);
        vm.prank(address(0x2000));
        vm.expectRevert(
            abi.encodeWithSelector(
                IServiceNodeStaking.StakingContributionTooSmall.selector,
                remaining - 1,
                remaining
            )
        );
        staking.contribute(nodeId, remaining - 1);
        // The operator can always top up the last piece without taking a slot.
        vm.prank(OPERATOR);
        staking.contribute(nodeId, remaining);
        vm.assertEq(uint256(staking.getNode(nodeId).state), uint256(IServiceNodeStaking.NodeState.Active));
    }

    function test_withdraw_worksWhilePausedOnceUnlocked() public {
        uint64 nodeId = _register(OPERATOR, REQUIREMENT, 0);
        vm.prank(OPERATOR);
        staking.requestExit(nodeId);
        staking.pause();
        vm.warp(block.timestamp + 14 days);
        uint256 before = token.balanceOf(OPERATOR);
        vm.prank(OPERATOR);
        staking.withdraw(nodeId);
        vm.assertEq(token.balanceOf(OPERATOR) - before, REQUIREMENT);
    }

    function test_requestExit_revertsForSmallContributorInFirst30Days() public {
        uint64 nodeId = _register(OPERATOR, 20_000 * SESH, 0);
        vm.prank(ALICE);
        staking.contribute(nodeId, 5_000 * SESH);
        vm.warp(block.timestamp + 30 days - 1);
        vm.prank(ALICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IServiceNodeStaking.StakingSmallContributorExitTooEarly.selector,
                nodeId,
                block.timestamp + 1
            )
        );
        staking.requestExit(nodeId);
        vm.warp(block.timestamp + 1);
        vm.prank(ALICE);
        staking.requestExit(nodeId);
    }

    function test_stakeOf_keepsWithdrawnAndClaimedStakes() public {
        uint64 nodeId = _register(OPERATOR, 20_000 * SESH, 0);
        vm.prank(ALICE);
        staking.contribute(nodeId, 5_000 * SESH);
        vm.warp(block.timestamp + 31 days);
        pool.release();
        vm.prank(ALICE);
        staking.requestExit(nodeId);
        vm.warp(block.timestamp + 14 days);
        vm.prank(ALICE);
        staking.withdraw(nodeId);
        vm.prank(ALICE);
        staking.claim(); // prunes Alice's ref to the node
        (uint256 amount, uint256 total) = staking.stakeOf(nodeId, ALICE);
        vm.assertEq(amount, 5_000 * SESH, "other contracts still see what Alice staked");
        vm.assertEq(total, REQUIREMENT);
        (IServiceNodeStaking.NodeState state, address operator, uint16 fee, uint256 staked) = staking
            .nodeStatus(nodeId);
        vm.assertEq(uint256(state), uint256(IServiceNodeStaking.NodeState.Exited));
        vm.assertEq(operator, OPERATOR);
        vm.assertEq(fee, 0);
        vm.assertEq(staked, REQUIREMENT);
        (state, , , ) = staking.nodeStatus(999);
        vm.assertEq(uint256(state), uint256(IServiceNodeStaking.NodeState.None));
    }

    function test_pool_forwardsForeignTokensToTheAdminOnly() public {
        SeshToken other = new SeshToken(address(this));
        other.transfer(address(pool), 123);
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IRewardRatePool.RewardPoolUnauthorized.selector, ALICE));
        pool.forwardForeignToken(address(other));
        vm.expectRevert(IRewardRatePool.RewardPoolCannotForwardSesh.selector);
        pool.forwardForeignToken(address(token));
        uint256 before = other.balanceOf(address(this));
        vm.assertEq(pool.forwardForeignToken(address(other)), 123);
        vm.assertEq(other.balanceOf(address(this)) - before, 123);
    }

    /// The first node Active after launch cannot release the idle weeks to itself in its activation block.
    function test_release_firstActivationAfterIdleLaunchReleasesNothing() public {
        vm.warp(block.timestamp + 60 days);
        _register(OPERATOR, REQUIREMENT, 0); // solo node, Active at once
        vm.assertEq(pool.lastReleaseAt(), block.timestamp, "activation restarts the release clock");
        vm.assertEq(pool.releasable(), 0);
        vm.assertEq(pool.release(), 0, "idle time released");
        vm.assertEq(staking.claimableRewards(OPERATOR), 0);
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(IServiceNodeStaking.StakingNothingToClaim.selector, OPERATOR));
        staking.claim();

        vm.warp(block.timestamp + 1 days);
        uint256 oneDay = RewardRate.releasable(token.balanceOf(address(pool)), 1 days);
        vm.assertEq(pool.release(), oneDay, "one day of activity releases one day");
        vm.prank(OPERATOR);
        uint256 paid = staking.claim();
        vm.assertLe(paid, oneDay);
        vm.assertLe(oneDay - paid, 1, "more than rounding dust left behind");
    }

    /// Once every node has exited, the idle stretch up to the next activation (here by a contribution)
    /// releases nothing, and the exited node's earnings stay as they were.
    function test_release_idleStretchAfterAllNodesExitReleasesNothing() public {
        uint64 first = _register(OPERATOR, REQUIREMENT, 0);
        vm.warp(block.timestamp + 10 days);
        pool.release();
        vm.prank(OPERATOR);
        staking.requestExit(first); // no node Active from here on
        uint256 earned = staking.claimableRewards(OPERATOR);
        vm.assertGt(earned, 0);

        vm.warp(block.timestamp + 45 days);
        uint64 second = _register(OPERATOR, 20_000 * SESH, 0);
        vm.prank(ALICE);
        staking.contribute(second, 5_000 * SESH); // activates the node
        vm.assertEq(uint256(staking.getNode(second).state), uint256(IServiceNodeStaking.NodeState.Active));
        vm.assertEq(pool.release(), 0, "idle stretch released");
        vm.assertEq(staking.claimableRewards(OPERATOR), earned);
        vm.assertEq(staking.claimableRewards(ALICE), 0);

        vm.warp(block.timestamp + 1 days);
        uint256 oneDay = RewardRate.releasable(token.balanceOf(address(pool)), 1 days);
        vm.assertEq(pool.release(), oneDay, "one day of activity releases one day");
        uint256 owed = staking.claimableRewards(ALICE);
        vm.assertLe(owed, oneDay / 5);
        vm.assertLe(oneDay / 5 - owed, 1, "Alice holds a fifth of the only Active node");
    }

    /// The admin's SLASHER and PAUSER roles move with the admin role; roles held by others stay.
    function test_acceptAdminTransfer_movesSlasherAndPauserRoles() public {
        bytes32 adminRole = staking.DEFAULT_ADMIN_ROLE();
        bytes32 slasher = staking.SLASHER_ROLE();
        bytes32 pauser = staking.PAUSER_ROLE();
        uint64 nodeId = _register(OPERATOR, REQUIREMENT, 0);
        staking.grantRole(slasher, GUARDIAN);
        staking.grantRole(pauser, GUARDIAN);
        staking.beginAdminTransfer(NEW_ADMIN);

        vm.expectEmit(address(staking));
        emit IAccessControl.RoleRevoked(adminRole, address(this), NEW_ADMIN);
        vm.expectEmit(address(staking));
        emit IAccessControl.RoleGranted(adminRole, NEW_ADMIN, NEW_ADMIN);
        vm.expectEmit(address(staking));
        emit IAccessControl.RoleRevoked(slasher, address(this), NEW_ADMIN);
        vm.expectEmit(address(staking));
        emit IAccessControl.RoleGranted(slasher, NEW_ADMIN, NEW_ADMIN);
        vm.expectEmit(address(staking));
        emit IAccessControl.RoleRevoked(pauser, address(this), NEW_ADMIN);
        vm.expectEmit(address(staking));
        emit IAccessControl.RoleGranted(pauser, NEW_ADMIN, NEW_ADMIN);
        vm.expectEmit(address(staking));
        emit IServiceNodeStaking.AdminTransferred(address(this), NEW_ADMIN);
        vm.prank(NEW_ADMIN);
        staking.acceptAdminTransfer();

        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                address(this),
                slasher
            )
        );
        staking.deregisterNode(nodeId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                address(this),
                pauser
            )
        );
        staking.pause();
        vm.assertTrue(staking.hasRole(slasher, GUARDIAN), "a third party's slasher role stays");
        vm.assertTrue(staking.hasRole(pauser, GUARDIAN), "a third party's pauser role stays");

        vm.startPrank(NEW_ADMIN);
        staking.pause();
        staking.unpause();
        staking.deregisterNode(nodeId);
        vm.stopPrank();
        vm.assertEq(
            uint256(staking.getNode(nodeId).state),
            uint256(IServiceNodeStaking.NodeState.Deregistered)
        );
    }

    /// A role the previous admin gave up is not handed to the new admin.
    function test_acceptAdminTransfer_movesOnlyRolesThePreviousAdminHolds() public {
        bytes32 pauser = staking.PAUSER_ROLE();
        staking.renounceRole(pauser, address(this));
        staking.beginAdminTransfer(NEW_ADMIN);
        vm.prank(NEW_ADMIN);
        staking.acceptAdminTransfer();
        vm.assertTrue(staking.hasRole(staking.SLASHER_ROLE(), NEW_ADMIN));
        vm.assertFalse(staking.hasRole(pauser, NEW_ADMIN));
        vm.prank(NEW_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                NEW_ADMIN,
                pauser
            )
        );
        staking.pause();
    }

    /// Deregistering an Exiting node never unlocks its stake before its exit unlock (90-day delay).
    function test_deregisterNode_keepsALaterExitUnlock() public {
        staking.setUnlockDelay(90 days);
        uint64 nodeId = _register(OPERATOR, REQUIREMENT, 0);
        vm.prank(OPERATOR);
        staking.requestExit(nodeId);
        uint256 exitUnlock = block.timestamp + 90 days;
        vm.assertEq(staking.getNode(nodeId).unlockAt, exitUnlock);

        vm.warp(block.timestamp + 10 days);
        uint256 penalty = (REQUIREMENT * 20) / 10_000;
        vm.expectEmit(address(staking));
        emit IServiceNodeStaking.NodeDeregistered(nodeId, address(this), penalty, uint64(exitUnlock));
        staking.deregisterNode(nodeId);
        vm.assertEq(staking.getNode(nodeId).unlockAt, exitUnlock);

        vm.warp(block.timestamp + staking.PENALTY_LOCK()); // the penalty lock alone would end here
        vm.prank(OPERATOR);
        vm.expectRevert(
            abi.encodeWithSelector(IServiceNodeStaking.StakingStakeLocked.selector, nodeId, exitUnlock)
        );
        staking.withdraw(nodeId);
        vm.warp(exitUnlock);
        uint256 before = token.balanceOf(OPERATOR);
        vm.prank(OPERATOR);
        staking.withdraw(nodeId);
        vm.assertEq(token.balanceOf(OPERATOR) - before, REQUIREMENT - penalty);
    }
}
