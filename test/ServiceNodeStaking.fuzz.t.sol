// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IServiceNodeStaking} from "../contracts/interfaces/IServiceNodeStaking.sol";
import {RewardRate} from "../contracts/libraries/RewardRate.sol";
import {StakingFixture} from "./utils/StakingFixture.sol";

contract ServiceNodeStakingFuzzTest is StakingFixture {
    address internal constant OPERATOR = address(0xA11CE);

    function setUp() public {
        _deploy();
        _fund(OPERATOR, 10_000_000 * SESH);
    }

    /// A new contributor is accepted exactly between the minimum and what is left.
    function testFuzz_contribute_acceptsExactlyTheAllowedRange(uint256 operatorStake, uint256 amount) public {
        operatorStake = _bound(operatorStake, 6_250 * SESH, REQUIREMENT - 1);
        uint64 nodeId = _register(OPERATOR, operatorStake, 0);
        uint256 left = REQUIREMENT - operatorStake;
        uint256 minimum = staking.minContribution(nodeId);
        vm.assertEq(minimum, (left + 8) / 9);
        amount = _bound(amount, 1, left + 1_000 * SESH);
        address c = address(0xC0FFEE);
        _fund(c, 100_000 * SESH);
        vm.prank(c);
        if (amount < minimum) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IServiceNodeStaking.StakingContributionTooSmall.selector,
                    amount,
                    minimum
                )
            );
        } else if (amount > left) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IServiceNodeStaking.StakingStakeExceedsRequirement.selector,
                    amount,
                    left
                )
            );
        }
        staking.contribute(nodeId, amount);
    }

    /// Whatever the stakes, fees and timing, everyone's rewards add up to at most what was released, and
    /// the shortfall is rounding dust only.
    function testFuzz_rewardsNeverExceedReleased(uint256 seed, uint16 fee, uint32 elapsed) public {
        fee = uint16(_bound(fee, 0, 10_000));
        elapsed = uint32(_bound(elapsed, 1, 730 days));
        address[4] memory people = [address(0x1001), address(0x1002), address(0x1003), address(0x1004)];
        for (uint256 i; i < 4; ++i) _fund(people[i], 100_000 * SESH);
        uint256 operatorStake = _bound(uint256(keccak256(abi.encode(seed, 0))), 6_250 * SESH, 20_000 * SESH);
        uint64 shared = _register(people[0], operatorStake, fee);
        vm.prank(people[1]);
        staking.contribute(shared, REQUIREMENT - operatorStake);
        _register(people[2], REQUIREMENT, uint16(_bound(seed, 0, 10_000)));

        vm.warp(block.timestamp + elapsed);
        uint256 poolBefore = token.balanceOf(address(pool));
        uint256 released = pool.release();
        vm.assertEq(released, RewardRate.releasable(poolBefore, elapsed));

        uint256 owed;
        for (uint256 i; i < 4; ++i) owed += staking.claimableRewards(people[i]);
        vm.assertLe(owed, released, "claims exceed the release");
        vm.assertLe(released - owed, 10, "more than rounding dust left behind");

        uint256 paid;
        for (uint256 i; i < 3; ++i) {
            uint256 before = token.balanceOf(people[i]);
            vm.prank(people[i]);
            staking.claim();
            paid += token.balanceOf(people[i]) - before;
        }
        vm.assertEq(paid, owed);
    }

    /// A deregistered node pays back each stake minus its share of the penalty, never more than it holds.
    function testFuzz_penaltyPayoutsNeverExceedWhatIsLeft(uint256 a, uint256 b, uint16 penalty) public {
        penalty = uint16(_bound(penalty, 0, 1_000));
        staking.setPenaltyBps(penalty);
        a = _bound(a, 6_250 * SESH, REQUIREMENT - 2_500 * SESH);
        b = _bound(b, (REQUIREMENT - a + 8) / 9, REQUIREMENT - a);
        uint64 nodeId = _register(OPERATOR, a, 100);
        address c = address(0xD00D);
        _fund(c, REQUIREMENT);
        vm.prank(c);
        staking.contribute(nodeId, b);
        if (a + b < REQUIREMENT) {
            vm.prank(OPERATOR);
            staking.contribute(nodeId, REQUIREMENT - a - b);
        }
        uint256 held = token.balanceOf(address(staking));
        staking.deregisterNode(nodeId);
        uint256 penaltyPaid = held - token.balanceOf(address(staking));
        vm.assertEq(penaltyPaid, (REQUIREMENT * penalty) / 10_000);

        vm.warp(block.timestamp + 30 days);
        uint256 before = token.balanceOf(c);
        vm.prank(c);
        staking.withdraw(nodeId);
        uint256 paidC = token.balanceOf(c) - before;
        vm.assertLe(paidC, b);
        before = token.balanceOf(OPERATOR);
        vm.prank(OPERATOR);
        staking.withdraw(nodeId);
        uint256 paidOp = token.balanceOf(OPERATOR) - before;
        vm.assertLe(paidC + paidOp + penaltyPaid, REQUIREMENT);
        vm.assertLe(REQUIREMENT - (paidC + paidOp + penaltyPaid), 2);
    }

    /// Time in which no node is Active releases nothing, however long: the first release after the first
    /// activation pays for the time since that activation only.
    function testFuzz_release_idleTimeReleasesNothing(uint32 idle, uint32 active) public {
        idle = uint32(_bound(idle, 0, 730 days));
        active = uint32(_bound(active, 0, 730 days));
        vm.warp(block.timestamp + idle);
        _register(OPERATOR, REQUIREMENT, 0);
        vm.warp(block.timestamp + active);
        uint256 poolBefore = token.balanceOf(address(pool));
        vm.assertEq(pool.release(), RewardRate.releasable(poolBefore, active));
    }

    /// Deregistering an Exiting node unlocks its stake at the later of its exit unlock and the penalty lock.
    function testFuzz_deregisterNode_neverShortensAnExitLock(uint256 delay, uint256 wait) public {
        delay = _bound(delay, staking.MIN_UNLOCK_DELAY(), staking.MAX_UNLOCK_DELAY());
        staking.setUnlockDelay(delay);
        uint64 nodeId = _register(OPERATOR, REQUIREMENT, 0);
        vm.prank(OPERATOR);
        staking.requestExit(nodeId);
        uint256 exitUnlock = block.timestamp + delay;
        vm.warp(block.timestamp + _bound(wait, 0, delay - 1)); // still Exiting
        staking.deregisterNode(nodeId);
        uint256 penaltyUnlock = block.timestamp + staking.PENALTY_LOCK();
        uint256 expected = exitUnlock > penaltyUnlock ? exitUnlock : penaltyUnlock;
        vm.assertEq(staking.getNode(nodeId).unlockAt, expected);
    }

    /// The onion key is defined for every canonical y but 1, and the map is one-to-one.
    function testFuzz_onionKey_isInjective(bytes32 a, bytes32 b) public view {
        a &= bytes32(uint256(type(uint248).max));
        b &= bytes32(uint256(type(uint248).max));
        vm.assume(a != b && a != 0 && b != 0);
        vm.assume(a != bytes32(uint256(1) << 248) && b != bytes32(uint256(1) << 248));
        vm.assertTrue(staking.onionKeyOf(a) != staking.onionKeyOf(b));
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}
