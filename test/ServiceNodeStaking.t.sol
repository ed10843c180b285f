// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRewardRatePool} from "../contracts/interfaces/IRewardRatePool.sol";
import {IServiceNodeStaking} from "../contracts/interfaces/IServiceNodeStaking.sol";
import {SeshToken} from "../contracts/SeshToken.sol";
import {StakingFixture} from "./utils/StakingFixture.sol";

contract ServiceNodeStakingTest is StakingFixture {
    address internal constant OPERATOR = address(0xA11CE);
    address internal constant ALICE = address(0xB0B);

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
}
