// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommunityVouchers} from "../contracts/interfaces/ICommunityVouchers.sol";
import {VoucherFixture} from "./utils/VoucherFixture.sol";

contract CommunityVouchersFuzzTest is VoucherFixture {
    address internal operator = address(0x0BE7);
    address internal alice = address(0xA11CE);
    address internal carol = address(0xCA201);
    uint256 internal communityKey = 0xC0FFEE;
    address internal community;

    function setUp() public {
        _deploy();
        community = vm.addr(communityKey);
    }

    function testFuzz_buy_chargesUnitsTimesTheCurrentPrice(
        uint256 units,
        uint256 price,
        address buyer
    ) public {
        vm.assume(uint160(buyer) > 0xffff && buyer.code.length == 0);
        units = _bound(units, 1, 1_000_000);
        price = _bound(price, MIN_PRICE, MAX_PRICE);
        vouchers.setUnitPrice(price);
        uint256 id = _buy(buyer, units);
        ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
        vm.assertEq(v.unitPrice, price);
        vm.assertEq(v.units, units);
        vm.assertEq(v.valueLeft, units * price);
        vm.assertEq(usd.balanceOf(address(vouchers)), units * price);
        vm.assertEq(usd.balanceOf(buyer), 0);
        vm.assertEq(vouchers.ownerOf(id), buyer);
        _assertBooksBalance();
    }

    function testFuzz_redeem_splitConservesMoneyWithinTheShareBounds(
        uint256 units,
        uint256 redeemed,
        uint256 price,
        uint256 operatorBps,
        uint256 treasuryBps
    ) public {
        units = _bound(units, 1, 1_000_000);
        redeemed = _bound(redeemed, 1, units);
        price = _bound(price, MIN_PRICE, MAX_PRICE);
        operatorBps = _bound(operatorBps, 3_000, 6_000);
        treasuryBps = _bound(treasuryBps, 0, 2_000);
        vouchers.setShares(operatorBps, 10_000 - operatorBps - treasuryBps, treasuryBps);
        vouchers.setUnitPrice(price);
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(address(0xB0B), community, units);

        vm.prank(community);
        vouchers.redeem(id, nodeId, redeemed);
        uint256 amount = redeemed * price;
        ICommunityVouchers.Accounting memory a = vouchers.accounting();
        vm.assertEq(a.operatorsOwed + a.poolOwed + a.treasuryOwed, amount, "split adds up");
        vm.assertLe(a.operatorsOwed * 10_000, amount * 6_000, "operators get at most 60%");
        vm.assertEq(a.operatorsOwed, (amount * operatorBps) / 10_000);
        vm.assertEq(a.escrowed, (units - redeemed) * price);
        vm.assertEq(vouchers.claimableEarnings(nodeId, operator), a.operatorsOwed);
        _assertBooksBalance();
    }

    function testFuzz_claims_neverExceedWhatWasCredited(
        uint256 operatorStake,
        uint256 aliceStake,
        uint16 feeBps,
        uint256[4] memory redemptions,
        uint8 claimOrder
    ) public {
        operatorStake = _bound(operatorStake, REQUIREMENT / 4, (REQUIREMENT * 9) / 10);
        uint256 rest = REQUIREMENT - operatorStake;
        aliceStake = _bound(aliceStake, (rest + 8) / 9, rest - 1);
        feeBps = uint16(_bound(feeBps, 0, 10_000));
        uint64 nodeId = _registerNode(operator, operatorStake, feeBps);
        _contribute(alice, nodeId, aliceStake);
        _contribute(carol, nodeId, rest - aliceStake);
        vouchers.setUnitPrice(_bound(uint256(keccak256(abi.encode(redemptions))), MIN_PRICE, 3 * USD));
        uint256 id = _buyAssigned(address(0xB0B), community, 4_000);

        address[3] memory accounts = [operator, alice, carol];
        uint256 paid;
        uint256 claims;
        for (uint256 round = 0; round < 4; ++round) {
            vm.prank(community);
            vouchers.redeem(id, nodeId, _bound(redemptions[round], 1, 1_000));
            // Claim in an order that changes from round to round, sometimes skipping an account.
            for (uint256 k = 0; k < 3; ++k) {
                address account = accounts[(k + claimOrder + round) % 3];
                if ((claimOrder >> (round + k)) & 1 == 1) continue;
                uint256 claimable = vouchers.claimableEarnings(nodeId, account);
                if (claimable == 0) continue;
                vm.prank(account);
                paid += vouchers.claimEarnings(nodeId);
                ++claims;
            }
            uint256 credited = vouchers.nodeTotals(nodeId).operatorsAmount;
            vm.assertLe(paid, credited, "never pays more than credited");
            _assertBooksBalance();
        }
        // Everyone collects the rest: what stays is rounding dust, at most one unit per claim and term.
        for (uint256 k = 0; k < 3; ++k) {
            if (vouchers.claimableEarnings(nodeId, accounts[k]) == 0) continue;
            vm.prank(accounts[k]);
            paid += vouchers.claimEarnings(nodeId);
            ++claims;
        }
        uint256 total = vouchers.nodeTotals(nodeId).operatorsAmount;
        vm.assertLe(paid, total);
        vm.assertLe(total - paid, 2 * claims + 3, "only rounding dust is left");
        vm.assertEq(vouchers.accounting().operatorsOwed, total - paid);
    }

    function testFuzz_redeemWithAuthorization_onlyTheCommunitySignatureWorks(uint256 signerKey) public {
        signerKey = _bound(signerKey, 1, 2 ** 128);
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(address(0xB0B), community, 10);
        ICommunityVouchers.RedemptionAuthorization memory auth = ICommunityVouchers.RedemptionAuthorization({
            voucherId: id,
            nodeId: nodeId,
            units: 3,
            nonce: signerKey,
            deadline: block.timestamp + 1 hours
        });
        bytes memory signature = _sign(signerKey, auth);
        if (vm.addr(signerKey) != community) {
            vm.expectRevert(
                abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidSignature.selector, id, community)
            );
        }
        vouchers.redeemWithAuthorization(auth, signature);
    }

    function testFuzz_expiry_redeemBeforeSweepAfter(uint256 elapsed) public {
        elapsed = _bound(elapsed, 0, 800 days);
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(address(0xB0B), community, 10);
        uint256 expiresAt = vouchers.expiryOf(id);
        vm.warp(block.timestamp + elapsed);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        if (vm.getBlockTimestamp() < expiresAt) {
            vm.prank(community);
            vouchers.redeem(id, nodeId, 10);
            vm.expectRevert(ICommunityVouchers.VoucherNothingToSweep.selector);
            vouchers.sweepExpired(ids);
        } else {
            vm.prank(community);
            vm.expectRevert(
                abi.encodeWithSelector(ICommunityVouchers.VoucherExpired.selector, id, expiresAt)
            );
            vouchers.redeem(id, nodeId, 1);
            vm.assertEq(vouchers.sweepExpired(ids), 10 * PRICE);
        }
        vm.assertEq(vouchers.accounting().escrowed, 0);
        _assertBooksBalance();
    }

    /// forge-config: default.fuzz.runs = 128
    function testFuzz_sequence_buyAssignRedeemExpire(uint256 seed) public {
        uint64[2] memory nodes = [
            _soloNode(operator, 500),
            _sharedNode(alice, carol, address(0xD0D0), 2_000)
        ];
        address[3] memory people = [address(0xB0B), address(0xB0B1), address(0xB0B2)];
        uint256 unitsBought;
        uint256 unitsRedeemed;
        for (uint256 step = 0; step < 24; ++step) {
            seed = uint256(keccak256(abi.encode(seed, step)));
            uint256 action = seed % 5;
            uint256 count = vouchers.voucherCount();
            uint256 id = count == 0 ? 0 : 1 + ((seed >> 8) % count);
            if (action == 0 || count == 0) {
                uint256 units = 1 + ((seed >> 16) % 500);
                _buy(people[(seed >> 32) % 3], units);
                unitsBought += units;
            } else if (action == 1) {
                ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
                if (v.assigned || v.expired) continue;
                vm.prank(v.owner);
                vouchers.assign(id, community);
                // A second move is impossible, whoever tries.
                vm.prank(community);
                vm.expectRevert(
                    abi.encodeWithSelector(ICommunityVouchers.VoucherAlreadyAssigned.selector, id, community)
                );
                vouchers.assign(id, v.owner);
            } else if (action == 2) {
                ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
                if (!v.assigned || v.unitsLeft == 0) continue;
                uint256 units = 1 + ((seed >> 16) % v.unitsLeft);
                vm.prank(v.owner);
                vouchers.redeem(id, nodes[(seed >> 40) % 2], units);
                unitsRedeemed += units;
                vm.prank(v.owner);
                vm.expectRevert(
                    abi.encodeWithSelector(
                        ICommunityVouchers.VoucherInsufficientUnits.selector,
                        id,
                        v.unitsLeft - units + 1,
                        v.unitsLeft - units
                    )
                );
                vouchers.redeem(id, nodes[0], v.unitsLeft - units + 1);
            } else if (action == 3) {
                vm.warp(vm.getBlockTimestamp() + 1 days + ((seed >> 16) % 120 days));
            } else {
                uint256[] memory ids = new uint256[](1);
                ids[0] = id;
                ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
                if (!v.expired || v.swept || v.units == v.unitsRedeemed) continue;
                vouchers.sweepExpired(ids);
            }
            _assertBooksBalance();
            _assertEscrowMatchesVouchers();
        }
        vm.assertEq(
            vouchers.nodeTotals(nodes[0]).units + vouchers.nodeTotals(nodes[1]).units,
            unitsRedeemed,
            "node units add up"
        );
        vm.assertEq(vouchers.communityTotals(community).units, unitsRedeemed, "community units add up");
        vm.assertLe(unitsRedeemed, unitsBought, "never more redeemed than bought");
    }

    function _assertEscrowMatchesVouchers() private view {
        uint256 escrow;
        for (uint256 id = 1; id <= vouchers.voucherCount(); ++id) {
            ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
            vm.assertLe(v.unitsRedeemed, v.units);
            if (!v.swept) escrow += (v.units - v.unitsRedeemed) * v.unitPrice;
        }
        vm.assertEq(vouchers.accounting().escrowed, escrow, "escrow == unredeemed units of unswept vouchers");
    }
}
