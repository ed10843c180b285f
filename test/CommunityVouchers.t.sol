// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {CommunityVouchers} from "../contracts/CommunityVouchers.sol";
import {ICommunityVouchers, IERC5192} from "../contracts/interfaces/ICommunityVouchers.sol";
import {IServiceNodeStaking} from "../contracts/interfaces/IServiceNodeStaking.sol";
import {TestStablecoin} from "../contracts/test/TestStablecoin.sol";
import {VoucherFixture} from "./utils/VoucherFixture.sol";

/// @notice A minimal smart-account community owner: accepts what its owner key signed (ERC-1271).
contract OwnerWallet is IERC1271 {
    address private immutable _owner;

    constructor(address owner) {
        _owner = owner;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, , ) = ECDSA.tryRecover(hash, signature);
        return signer == _owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

contract CommunityVouchersTest is VoucherFixture {
    address internal buyer = address(0xB0B);
    address internal stranger = address(0x5757);
    address internal operator = address(0x0BE7);
    address internal alice = address(0xA11CE);
    address internal carol = address(0xCA201);
    uint256 internal communityKey = 0xC0FFEE;
    address internal community;

    function setUp() public {
        _deploy();
        community = vm.addr(communityKey);
    }

    // ================================================================ deployment

    function test_constructor_setsDefaults() public view {
        vm.assertEq(vouchers.paymentToken(), address(usd));
        vm.assertEq(vouchers.staking(), address(staking));
        vm.assertEq(vouchers.unitPrice(), PRICE);
        (uint256 minPrice, uint256 maxPrice) = vouchers.priceBounds();
        vm.assertEq(minPrice, MIN_PRICE);
        vm.assertEq(maxPrice, MAX_PRICE);
        vm.assertEq(vouchers.validity(), 365 days);
        (uint256 operatorBps, uint256 poolBps, uint256 treasuryBps) = vouchers.shares();
        vm.assertEq(operatorBps, 6_000);
        vm.assertEq(poolBps, 3_000);
        vm.assertEq(treasuryBps, 1_000);
        (address poolRecipient, address treasuryRecipient) = vouchers.networkRecipients();
        vm.assertEq(poolRecipient, address(rewardPool));
        vm.assertEq(treasuryRecipient, treasury);
        vm.assertEq(vouchers.priceHistoryLength(), 1);
        vm.assertEq(vouchers.voucherCount(), 0);
        vm.assertEq(vouchers.name(), "SESH Community Voucher");
        vm.assertEq(vouchers.symbol(), "SESHV");
        vm.assertTrue(vouchers.hasRole(vouchers.PRICE_SETTER_ROLE(), address(this)));
        vm.assertTrue(vouchers.hasRole(vouchers.DEFAULT_ADMIN_ROLE(), address(this)));
        vm.assertEq(vouchers.owner(), address(this));
    }

    function test_constructor_revertsOnBadArguments() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidAddress.selector, address(0))
        );
        new CommunityVouchers(
            usd,
            IServiceNodeStaking(address(0)),
            address(this),
            PRICE,
            1,
            10 * PRICE,
            buyer,
            treasury
        );
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherSettingOutOfBounds.selector, 0, 1, 10 * PRICE)
        );
        new CommunityVouchers(usd, staking, address(this), PRICE, 0, 10 * PRICE, buyer, treasury);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICommunityVouchers.VoucherSettingOutOfBounds.selector,
                10 * PRICE + 1,
                1,
                10 * PRICE
            )
        );
        new CommunityVouchers(usd, staking, address(this), 10 * PRICE + 1, 1, 10 * PRICE, buyer, treasury);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidAddress.selector, address(0))
        );
        new CommunityVouchers(usd, staking, address(this), PRICE, 1, 10 * PRICE, buyer, address(0));
    }

    function test_testStablecoin_isAPlainSixDecimalTestToken() public {
        vm.assertEq(usd.decimals(), 6);
        vm.assertEq(usd.symbol(), "tUSD");
        vm.assertEq(usd.name(), "Test USD (no value)");
        uint256 cap = usd.FAUCET_CAP();
        vm.assertEq(cap, 10_000 * USD);
        vm.prank(stranger);
        usd.faucet(cap);
        vm.assertEq(usd.balanceOf(stranger), cap);
        uint256 tooMuch = cap + 1;
        vm.expectRevert(
            abi.encodeWithSelector(TestStablecoin.TestStablecoinFaucetCapExceeded.selector, tooMuch, cap)
        );
        usd.faucet(tooMuch);
    }

    // ================================================================ buying

    function test_buy_mintsLockedVoucherAtCurrentPrice() public {
        _fund(buyer, 200 * USD);
        vm.startPrank(buyer);
        usd.approve(address(vouchers), 200 * USD);
        uint64 expiresAt = uint64(block.timestamp + 365 days);
        vm.expectEmit(address(vouchers));
        emit IERC721.Transfer(address(0), buyer, 1);
        vm.expectEmit(address(vouchers));
        emit IERC5192.Locked(1);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.VoucherBought(1, buyer, 100, PRICE, 200 * USD, expiresAt);
        uint256 id = vouchers.buy(100, PRICE);
        vm.stopPrank();

        vm.assertEq(id, 1);
        vm.assertEq(vouchers.ownerOf(id), buyer);
        vm.assertEq(vouchers.balanceOf(buyer), 1);
        vm.assertTrue(vouchers.locked(id));
        ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
        vm.assertEq(v.id, 1);
        vm.assertEq(v.owner, buyer);
        vm.assertFalse(v.assigned);
        vm.assertFalse(v.expired);
        vm.assertFalse(v.swept);
        vm.assertEq(v.unitPrice, PRICE);
        vm.assertEq(v.units, 100);
        vm.assertEq(v.unitsRedeemed, 0);
        vm.assertEq(v.unitsLeft, 100);
        vm.assertEq(v.valueLeft, 200 * USD);
        vm.assertEq(v.expiresAt, expiresAt);
        vm.assertEq(vouchers.unitsLeft(id), 100);
        vm.assertEq(vouchers.expiryOf(id), expiresAt);
        vm.assertEq(usd.balanceOf(address(vouchers)), 200 * USD);
        vm.assertEq(usd.balanceOf(buyer), 0);
        vm.assertEq(vouchers.accounting().escrowed, 200 * USD);
        _assertBooksBalance();
    }

    function test_buy_revertsWhenPriceAboveLimit() public {
        _fund(buyer, 200 * USD);
        vm.startPrank(buyer);
        usd.approve(address(vouchers), 200 * USD);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherPriceAboveLimit.selector, PRICE, PRICE - 1)
        );
        vouchers.buy(100, PRICE - 1);
        vm.stopPrank();
    }

    function test_buy_revertsOnUnitsOutOfRange() public {
        uint256 max = vouchers.MAX_UNITS_PER_VOUCHER();
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherUnitsOutOfRange.selector, 0, max));
        vouchers.buy(0, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherUnitsOutOfRange.selector, max + 1, max)
        );
        vouchers.buy(max + 1, PRICE);
    }

    function test_buy_revertsWithoutAllowance() public {
        _fund(buyer, 200 * USD);
        vm.prank(buyer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector,
                address(vouchers),
                0,
                200 * USD
            )
        );
        vouchers.buy(100, PRICE);
    }

    function test_buy_revertsWhenAmountDoesNotFitTheBooks() public {
        uint256 max96 = type(uint96).max;
        vouchers.setPriceBounds(1, max96);
        vouchers.setUnitPrice(max96);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherAmountTooLarge.selector, 2 * max96, max96)
        );
        vouchers.buy(2, max96);
    }

    function test_buyWithPermit_buysInOneTransaction() public {
        uint256 buyerKey = 0xB0B0;
        address permitBuyer = vm.addr(buyerKey);
        _fund(permitBuyer, 20 * USD);
        ICommunityVouchers.Permit memory permit = _permit(buyerKey, 20 * USD, block.timestamp + 1 hours);
        vm.prank(permitBuyer);
        uint256 id = vouchers.buyWithPermit(10, PRICE, permit);
        vm.assertEq(vouchers.ownerOf(id), permitBuyer);
        vm.assertEq(usd.balanceOf(address(vouchers)), 20 * USD);
        vm.assertEq(usd.allowance(permitBuyer, address(vouchers)), 0);
    }

    function test_buyWithPermit_ignoresAUsedPermitWhenTheAllowanceSuffices() public {
        uint256 buyerKey = 0xB0B0;
        address permitBuyer = vm.addr(buyerKey);
        _fund(permitBuyer, 40 * USD);
        ICommunityVouchers.Permit memory permit = _permit(buyerKey, 40 * USD, block.timestamp + 1 hours);
        // Someone front-runs the permit: it is used, the allowance is set.
        usd.permit(
            permitBuyer,
            address(vouchers),
            permit.value,
            permit.deadline,
            permit.v,
            permit.r,
            permit.s
        );
        vm.prank(permitBuyer);
        uint256 id = vouchers.buyWithPermit(10, PRICE, permit);
        vm.assertEq(vouchers.ownerOf(id), permitBuyer);
        vm.assertEq(usd.allowance(permitBuyer, address(vouchers)), 20 * USD);
    }

    function test_buy_priceChangesOnlyTouchFuturePurchases() public {
        uint256 first = _buy(buyer, 10);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.UnitPriceUpdated(PRICE, 3 * USD);
        vouchers.setUnitPrice(3 * USD);
        uint256 second = _buy(buyer, 10);
        vm.assertEq(vouchers.getVoucher(first).unitPrice, PRICE);
        vm.assertEq(vouchers.getVoucher(second).unitPrice, 3 * USD);
        vm.assertEq(usd.balanceOf(address(vouchers)), 10 * PRICE + 30 * USD);
        vm.assertEq(vouchers.priceHistoryLength(), 2);
        ICommunityVouchers.PricePoint[] memory history = vouchers.priceHistory(0, 10);
        vm.assertEq(history.length, 2);
        vm.assertEq(history[0].price, PRICE);
        vm.assertEq(history[1].price, 3 * USD);
        vm.assertEq(history[1].since, block.timestamp);
        vm.assertEq(vouchers.priceHistory(1, 1).length, 1);
        vm.assertEq(vouchers.priceHistory(5, 1).length, 0);
    }

    // ================================================================ ERC-721 and ERC-5192

    function test_supportsInterface_erc721MetadataAnd5192() public view {
        vm.assertTrue(vouchers.supportsInterface(type(IERC721).interfaceId));
        vm.assertTrue(vouchers.supportsInterface(type(IERC721Metadata).interfaceId));
        vm.assertTrue(vouchers.supportsInterface(type(IERC5192).interfaceId));
        vm.assertTrue(vouchers.supportsInterface(type(IERC165).interfaceId));
        vm.assertTrue(vouchers.supportsInterface(type(IAccessControl).interfaceId));
        vm.assertEq(type(IERC5192).interfaceId, bytes4(0xb45a3c0e));
        vm.assertFalse(vouchers.supportsInterface(0xffffffff));
    }

    function test_transfers_allRevertBeforeAndAfterAssignment() public {
        uint256 id = _buy(buyer, 10);
        _assertEveryTransferPathReverts(buyer, id);
        vm.prank(buyer);
        vouchers.assign(id, community);
        _assertEveryTransferPathReverts(community, id);
        vm.assertEq(vouchers.ownerOf(id), community);
    }

    function test_locked_revertsForUnknownVoucher() public {
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotFound.selector, 7));
        vouchers.locked(7);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotFound.selector, 7));
        vouchers.tokenURI(7);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotFound.selector, 7));
        vouchers.expiryOf(7);
    }

    function test_tokenURI_isAnOnChainJsonDataUri() public {
        uint256 id = _buy(buyer, 10);
        bytes memory uri = bytes(vouchers.tokenURI(id));
        bytes memory prefix = "data:application/json;base64,";
        vm.assertGt(uri.length, prefix.length + 100);
        for (uint256 i = 0; i < prefix.length; ++i) vm.assertTrue(uri[i] == prefix[i], "data URI prefix");
    }

    // ================================================================ assigning

    function test_assign_movesTheVoucherOnceToTheCommunity() public {
        uint256 id = _buy(buyer, 10);
        vm.expectEmit(address(vouchers));
        emit IERC721.Transfer(buyer, community, id);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.VoucherAssigned(id, buyer, community);
        vm.prank(buyer);
        vouchers.assign(id, community);
        vm.assertEq(vouchers.ownerOf(id), community);
        vm.assertEq(vouchers.balanceOf(buyer), 0);
        vm.assertEq(vouchers.balanceOf(community), 1);
        vm.assertTrue(vouchers.getVoucher(id).assigned);

        // Never again: not by the community, not by the buyer.
        vm.prank(community);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherAlreadyAssigned.selector, id, community)
        );
        vouchers.assign(id, buyer);
        vm.prank(buyer);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherCallerNotOwner.selector, id, buyer, community)
        );
        vouchers.assign(id, buyer);
    }

    function test_assign_toTheBuyerItselfLocksItInPlace() public {
        uint256 id = _buy(buyer, 10);
        vm.prank(buyer);
        vouchers.assign(id, buyer);
        vm.assertEq(vouchers.ownerOf(id), buyer);
        vm.assertEq(vouchers.balanceOf(buyer), 1);
        vm.assertTrue(vouchers.getVoucher(id).assigned);
    }

    function test_assign_revertsForStrangersBadTargetsUnknownAndExpiredVouchers() public {
        uint256 id = _buy(buyer, 10);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherCallerNotOwner.selector, id, stranger, buyer)
        );
        vouchers.assign(id, stranger);
        vm.startPrank(buyer);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidAddress.selector, address(0))
        );
        vouchers.assign(id, address(0));
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidAddress.selector, address(vouchers))
        );
        vouchers.assign(id, address(vouchers));
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotFound.selector, 99));
        vouchers.assign(99, community);
        uint256 expiresAt = vouchers.expiryOf(id);
        vm.warp(expiresAt);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherExpired.selector, id, expiresAt));
        vouchers.assign(id, community);
        vm.stopPrank();
    }

    // ================================================================ redeeming

    function test_redeem_splitsTheMoneyAndCreditsTheNode() public {
        uint64 nodeId = _soloNode(operator, 1_000);
        uint256 id = _buyAssigned(buyer, community, 100);

        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.VoucherRedeemed(
            id,
            community,
            nodeId,
            10,
            20 * USD,
            12 * USD,
            6 * USD,
            2 * USD
        );
        vm.prank(community);
        vouchers.redeem(id, nodeId, 10);

        ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
        vm.assertEq(v.unitsRedeemed, 10);
        vm.assertEq(v.unitsLeft, 90);
        ICommunityVouchers.Accounting memory a = vouchers.accounting();
        vm.assertEq(a.escrowed, 180 * USD);
        vm.assertEq(a.operatorsOwed, 12 * USD);
        vm.assertEq(a.poolOwed, 6 * USD);
        vm.assertEq(a.treasuryOwed, 2 * USD);
        ICommunityVouchers.NodeTotals memory n = vouchers.nodeTotals(nodeId);
        vm.assertEq(n.units, 10);
        vm.assertEq(n.operatorsAmount, 12 * USD);
        vm.assertEq(n.redemptions, 1);
        vm.assertEq(n.stake, REQUIREMENT);
        ICommunityVouchers.CommunityTotals memory c = vouchers.communityTotals(community);
        vm.assertEq(c.units, 10);
        vm.assertEq(c.amount, 20 * USD);
        vm.assertEq(c.redemptions, 1);
        vm.assertEq(vouchers.claimableEarnings(nodeId, operator), 12 * USD);
        // No token moved: everything is pulled later.
        vm.assertEq(usd.balanceOf(address(vouchers)), 200 * USD);
        _assertBooksBalance();
    }

    function test_redeem_usesThePriceTheVoucherWasBoughtAt() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        vouchers.setUnitPrice(5 * USD);
        vm.prank(community);
        vouchers.redeem(id, nodeId, 100);
        vm.assertEq(vouchers.communityTotals(community).amount, 100 * PRICE);
        vm.assertEq(vouchers.accounting().escrowed, 0);
        _assertBooksBalance();
    }

    function test_redeem_appliesTheSharesInForceAtRedemption() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.SharesUpdated(4_000, 4_000, 2_000);
        vouchers.setShares(4_000, 4_000, 2_000);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.VoucherRedeemed(
            id,
            community,
            nodeId,
            50,
            100 * USD,
            40 * USD,
            40 * USD,
            20 * USD
        );
        vm.prank(community);
        vouchers.redeem(id, nodeId, 50);
    }

    function test_redeem_revertsUnlessTheAssignedOwnerRedeemsUnitsLeftToAnActiveNode() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 unassigned = _buy(buyer, 10);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotAssigned.selector, unassigned));
        vouchers.redeem(unassigned, nodeId, 1);

        uint256 id = _buyAssigned(buyer, community, 10);
        vm.prank(buyer);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherCallerNotOwner.selector, id, buyer, community)
        );
        vouchers.redeem(id, nodeId, 1);
        vm.prank(community);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotFound.selector, 77));
        vouchers.redeem(77, nodeId, 1);

        vm.startPrank(community);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInsufficientUnits.selector, id, 0, 10)
        );
        vouchers.redeem(id, nodeId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInsufficientUnits.selector, id, 11, 10)
        );
        vouchers.redeem(id, nodeId, 11);
        vouchers.redeem(id, nodeId, 4);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInsufficientUnits.selector, id, 7, 6)
        );
        vouchers.redeem(id, nodeId, 7);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherNodeNotActive.selector, uint64(42), 0)
        );
        vouchers.redeem(id, 42, 1);
        vm.stopPrank();
    }

    function test_redeem_revertsForNodesThatAreNotActive() public {
        uint256 id = _buyAssigned(buyer, community, 10);
        uint64 open = _registerNode(operator, REQUIREMENT / 2, 0);
        vm.prank(community);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNodeNotActive.selector, open, 1));
        vouchers.redeem(id, open, 1);

        uint64 exiting = _soloNode(alice, 0);
        vm.prank(alice);
        staking.requestExit(exiting);
        vm.prank(community);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNodeNotActive.selector, exiting, 3));
        vouchers.redeem(id, exiting, 1);
    }

    function test_redeem_revertsAtAndAfterExpiry() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 10);
        uint256 expiresAt = vouchers.expiryOf(id);
        vm.warp(expiresAt - 1);
        vm.prank(community);
        vouchers.redeem(id, nodeId, 1);
        vm.warp(expiresAt);
        vm.prank(community);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherExpired.selector, id, expiresAt));
        vouchers.redeem(id, nodeId, 1);
        vm.assertEq(vouchers.unitsLeft(id), 0);
        vm.assertTrue(vouchers.getVoucher(id).expired);
    }

    // ================================================================ signed authorizations

    function test_redeemWithAuthorization_letsTheOperatorPullWhatTheCommunitySigned() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        ICommunityVouchers.RedemptionAuthorization memory auth = _auth(id, nodeId, 25, 7);
        bytes memory signature = _sign(communityKey, auth);

        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.VoucherRedeemed(
            id,
            community,
            nodeId,
            25,
            50 * USD,
            30 * USD,
            15 * USD,
            5 * USD
        );
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.AuthorizationUsed(community, 7, operator);
        vm.prank(operator);
        vouchers.redeemWithAuthorization(auth, signature);
        vm.assertTrue(vouchers.nonceUsed(community, 7));
        vm.assertEq(vouchers.unitsLeft(id), 75);

        // Replays fail; nonces are unordered, so a lower one still works.
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNonceUsed.selector, community, 7));
        vouchers.redeemWithAuthorization(auth, signature);
        ICommunityVouchers.RedemptionAuthorization memory second = _auth(id, nodeId, 5, 3);
        vouchers.redeemWithAuthorization(second, _sign(communityKey, second));
        vm.assertEq(vouchers.unitsLeft(id), 70);
    }

    function test_redeemWithAuthorization_rejectsWrongSignerExpiredAndCancelled() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        ICommunityVouchers.RedemptionAuthorization memory auth = _auth(id, nodeId, 25, 1);
        bytes memory signature = _sign(communityKey, auth);
        bytes memory wrongSigner = _sign(0xBAD, auth);

        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidSignature.selector, id, community)
        );
        vouchers.redeemWithAuthorization(auth, wrongSigner);

        // A signature over other terms does not authorize these.
        ICommunityVouchers.RedemptionAuthorization memory more = _auth(id, nodeId, 26, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidSignature.selector, id, community)
        );
        vouchers.redeemWithAuthorization(more, signature);

        vm.warp(auth.deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICommunityVouchers.VoucherAuthorizationExpired.selector,
                auth.deadline,
                auth.deadline + 1
            )
        );
        vouchers.redeemWithAuthorization(auth, signature);

        ICommunityVouchers.RedemptionAuthorization memory fresh = _auth(id, nodeId, 25, 2);
        bytes memory freshSignature = _sign(communityKey, fresh);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.AuthorizationCancelled(community, 2);
        vm.prank(community);
        vouchers.cancelAuthorization(2);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNonceUsed.selector, community, 2));
        vouchers.redeemWithAuthorization(fresh, freshSignature);
        vm.prank(community);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNonceUsed.selector, community, 2));
        vouchers.cancelAuthorization(2);
    }

    function test_redeemWithAuthorization_acceptsAContractOwnersErc1271Signature() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 ownerKey = 0x5AFE;
        OwnerWallet wallet = new OwnerWallet(vm.addr(ownerKey));
        uint256 id = _buyAssigned(buyer, address(wallet), 10);
        ICommunityVouchers.RedemptionAuthorization memory auth = _auth(id, nodeId, 4, 1);
        bytes memory signature = _sign(ownerKey, auth);
        bytes memory wrong = _sign(communityKey, auth);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidSignature.selector, id, address(wallet))
        );
        vouchers.redeemWithAuthorization(auth, wrong);
        vm.prank(operator);
        vouchers.redeemWithAuthorization(auth, signature);
        vm.assertEq(vouchers.unitsLeft(id), 6);
        vm.assertTrue(vouchers.nonceUsed(address(wallet), 1));
    }

    function test_redeemWithAuthorization_needsAnAssignedVoucher() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 buyerKey = 0xB0B0;
        uint256 id = _buy(vm.addr(buyerKey), 10);
        ICommunityVouchers.RedemptionAuthorization memory auth = _auth(id, nodeId, 1, 1);
        bytes memory signature = _sign(buyerKey, auth);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotAssigned.selector, id));
        vouchers.redeemWithAuthorization(auth, signature);
        ICommunityVouchers.RedemptionAuthorization memory unknown = _auth(55, nodeId, 1, 1);
        signature = _sign(buyerKey, unknown);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNotFound.selector, 55));
        vouchers.redeemWithAuthorization(unknown, signature);
    }

    // ================================================================ earnings

    function test_claimEarnings_paysTheFeeThenStakeShares() public {
        uint64 nodeId = _sharedNode(operator, alice, carol, 1_000);
        uint256 id = _buyAssigned(buyer, community, 100);
        vm.prank(community);
        vouchers.redeem(id, nodeId, 10); // 20 USD: 12 to the node

        // Fee 10% of 12 = 1.2 to the operator; 10.8 by stake: operator 1/2, alice and carol 1/4 each.
        vm.assertEq(vouchers.claimableEarnings(nodeId, operator), 6_600_000);
        vm.assertEq(vouchers.claimableEarnings(nodeId, alice), 2_700_000);
        vm.assertEq(vouchers.claimableEarnings(nodeId, carol), 2_700_000);
        vm.assertEq(vouchers.claimableEarnings(nodeId, stranger), 0);

        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.EarningsClaimed(nodeId, operator, 6_600_000);
        vm.prank(operator);
        vm.assertEq(vouchers.claimEarnings(nodeId), 6_600_000);
        vm.prank(alice);
        vouchers.claimEarnings(nodeId);
        vm.assertEq(usd.balanceOf(operator), 6_600_000);
        vm.assertEq(usd.balanceOf(alice), 2_700_000);
        vm.assertEq(vouchers.claimableEarnings(nodeId, operator), 0);

        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNothingToClaim.selector, operator));
        vouchers.claimEarnings(nodeId);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNothingToClaim.selector, stranger));
        vouchers.claimEarnings(nodeId);

        // A later redemption pays only what is new.
        vm.prank(community);
        vouchers.redeem(id, nodeId, 10);
        vm.assertEq(vouchers.claimableEarnings(nodeId, operator), 6_600_000);
        vm.assertEq(vouchers.claimableEarnings(nodeId, carol), 5_400_000);
        _assertBooksBalance();
    }

    function test_claimEarnings_stillPaysAfterTheNodeExitsAndStakeIsWithdrawn() public {
        uint64 nodeId = _sharedNode(operator, alice, carol, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        vm.prank(community);
        vouchers.redeem(id, nodeId, 90); // 180 USD: 108 to the node

        vm.prank(alice);
        staking.requestExit(nodeId);
        vm.warp(block.timestamp + 15 days);
        vm.prank(alice);
        staking.withdraw(nodeId);
        vm.prank(community);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNodeNotActive.selector, nodeId, 4));
        vouchers.redeem(id, nodeId, 1);

        vm.prank(alice);
        vouchers.claimEarnings(nodeId);
        vm.prank(operator);
        vouchers.claimEarnings(nodeId);
        vm.prank(carol);
        vouchers.claimEarnings(nodeId);
        vm.assertEq(usd.balanceOf(alice), 27 * USD);
        vm.assertEq(usd.balanceOf(operator), 54 * USD);
        vm.assertEq(usd.balanceOf(carol), 27 * USD);
        vm.assertEq(vouchers.accounting().operatorsOwed, 0);
        _assertBooksBalance();
    }

    function test_claimEarnings_afterDeregistrationPaysWhatWasCredited() public {
        uint64 nodeId = _sharedNode(operator, alice, carol, 500);
        uint256 id = _buyAssigned(buyer, community, 100);
        vm.prank(community);
        vouchers.redeem(id, nodeId, 50); // 100 USD: 60 to the node
        staking.deregisterNode(nodeId);
        vm.prank(carol);
        vouchers.claimEarnings(nodeId);
        // (60 - 5% fee) / 4
        vm.assertEq(usd.balanceOf(carol), 14_250_000);
    }

    function test_claimEarningsBatch_paysSeveralNodesAndSkipsEmptyOnes() public {
        uint64 first = _soloNode(operator, 0);
        uint64 second = _sharedNode(operator, alice, carol, 0);
        uint64 idle = _soloNode(carol, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        vm.startPrank(community);
        vouchers.redeem(id, first, 10); // 12 USD to the node, all the operator's
        vouchers.redeem(id, second, 10); // 12 USD, half the operator's
        vm.stopPrank();
        uint64[] memory nodeIds = new uint64[](3);
        nodeIds[0] = first;
        nodeIds[1] = second;
        nodeIds[2] = idle;
        vm.prank(operator);
        vm.assertEq(vouchers.claimEarningsBatch(nodeIds), 18 * USD);
        vm.assertEq(usd.balanceOf(operator), 18 * USD);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNothingToClaim.selector, operator));
        vouchers.claimEarningsBatch(nodeIds);
    }

    // ================================================================ expiry and network money

    function test_sweepExpired_sendsUnredeemedMoneyToTheNetwork() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        uint256 fresh;
        vm.prank(community);
        vouchers.redeem(id, nodeId, 40);
        vm.warp(block.timestamp + 10 days);
        fresh = _buy(buyer, 10);
        uint256[] memory ids = new uint256[](3);
        ids[0] = id;
        ids[1] = fresh;
        ids[2] = 999;

        vm.expectRevert(ICommunityVouchers.VoucherNothingToSweep.selector);
        vouchers.sweepExpired(ids);

        vm.warp(vouchers.expiryOf(id));
        // 60 units left: 120 USD, pool 3/4 and treasury 1/4 (30% : 10%).
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.VoucherSwept(id, 60, 120 * USD, 90 * USD, 30 * USD);
        vm.prank(stranger);
        vm.assertEq(vouchers.sweepExpired(ids), 120 * USD);
        ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
        vm.assertTrue(v.swept);
        vm.assertEq(v.unitsLeft, 0);
        ICommunityVouchers.Accounting memory a = vouchers.accounting();
        vm.assertEq(a.escrowed, 10 * PRICE);
        vm.assertEq(a.poolOwed, 90 * USD + 24 * USD);
        vm.assertEq(a.treasuryOwed, 30 * USD + 8 * USD);
        _assertBooksBalance();

        vm.expectRevert(ICommunityVouchers.VoucherNothingToSweep.selector);
        vouchers.sweepExpired(ids);
    }

    function test_withdrawNetwork_paysTheRecipients() public {
        uint64 nodeId = _soloNode(operator, 0);
        uint256 id = _buyAssigned(buyer, community, 100);
        vm.expectRevert(ICommunityVouchers.VoucherNothingToWithdraw.selector);
        vouchers.withdrawNetwork();
        vm.prank(community);
        vouchers.redeem(id, nodeId, 100); // 200 USD: pool 60, treasury 20

        address newTreasury = address(0x7EA6);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.NetworkRecipientsUpdated(address(rewardPool), newTreasury);
        vouchers.setNetworkRecipients(address(rewardPool), newTreasury);

        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.NetworkWithdrawn(address(rewardPool), 60 * USD, newTreasury, 20 * USD);
        vm.prank(stranger);
        (uint256 poolAmount, uint256 treasuryAmount) = vouchers.withdrawNetwork();
        vm.assertEq(poolAmount, 60 * USD);
        vm.assertEq(treasuryAmount, 20 * USD);
        vm.assertEq(usd.balanceOf(address(rewardPool)), 60 * USD);
        vm.assertEq(usd.balanceOf(newTreasury), 20 * USD);
        _assertBooksBalance();
    }

    // ================================================================ governance

    function test_governance_onlyRolesChangeSettingsWithinBounds() public {
        bytes32 priceSetter = vouchers.PRICE_SETTER_ROLE();
        bytes32 admin = vouchers.DEFAULT_ADMIN_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                priceSetter
            )
        );
        vouchers.setUnitPrice(PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, admin)
        );
        vouchers.setShares(6_000, 3_000, 1_000);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, admin)
        );
        vouchers.setValidity(100 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, admin)
        );
        vouchers.setPriceBounds(1, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, admin)
        );
        vouchers.setNetworkRecipients(stranger, stranger);
        vm.stopPrank();

        vm.expectRevert(
            abi.encodeWithSelector(
                ICommunityVouchers.VoucherSettingOutOfBounds.selector,
                MAX_PRICE + 1,
                MIN_PRICE,
                MAX_PRICE
            )
        );
        vouchers.setUnitPrice(MAX_PRICE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidShares.selector, 6_100, 2_900, 1_000)
        );
        vouchers.setShares(6_100, 2_900, 1_000);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidShares.selector, 2_900, 6_100, 1_000)
        );
        vouchers.setShares(2_900, 6_100, 1_000);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidShares.selector, 5_000, 2_900, 2_100)
        );
        vouchers.setShares(5_000, 2_900, 2_100);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidShares.selector, 6_000, 3_000, 999)
        );
        vouchers.setShares(6_000, 3_000, 999);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICommunityVouchers.VoucherSettingOutOfBounds.selector,
                29 days,
                30 days,
                730 days
            )
        );
        vouchers.setValidity(29 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICommunityVouchers.VoucherSettingOutOfBounds.selector,
                PRICE,
                3 * USD,
                4 * USD
            )
        );
        vouchers.setPriceBounds(3 * USD, 4 * USD);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICommunityVouchers.VoucherSettingOutOfBounds.selector,
                1,
                2,
                type(uint96).max
            )
        );
        vouchers.setPriceBounds(2, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherInvalidAddress.selector, address(0))
        );
        vouchers.setNetworkRecipients(address(0), treasury);

        vouchers.grantRole(priceSetter, stranger);
        vm.prank(stranger);
        vouchers.setUnitPrice(MIN_PRICE);
        vm.assertEq(vouchers.unitPrice(), MIN_PRICE);
    }

    function test_setValidity_appliesToVouchersBoughtAfterwards() public {
        uint256 before = _buy(buyer, 1);
        vm.expectEmit(address(vouchers));
        emit ICommunityVouchers.ValidityUpdated(365 days, 30 days);
        vouchers.setValidity(30 days);
        uint256 later = _buy(buyer, 1);
        vm.assertEq(vouchers.expiryOf(before), block.timestamp + 365 days);
        vm.assertEq(vouchers.expiryOf(later), block.timestamp + 30 days);
    }

    // ================================================================ views

    function test_vouchersOf_pagesThroughIds() public {
        _buy(buyer, 1);
        _buy(stranger, 1);
        _buy(buyer, 1);
        _buyAssigned(buyer, community, 1);
        (uint256[] memory ids, uint256 next) = vouchers.vouchersOf(buyer, 0, 2);
        vm.assertEq(ids.length, 1);
        vm.assertEq(ids[0], 1);
        vm.assertEq(next, 3);
        (ids, next) = vouchers.vouchersOf(buyer, next, 10);
        vm.assertEq(ids.length, 1);
        vm.assertEq(ids[0], 3);
        vm.assertEq(next, 0);
        (ids, next) = vouchers.vouchersOf(community, 1, 1_000);
        vm.assertEq(ids.length, 1);
        vm.assertEq(ids[0], 4);
        (ids, next) = vouchers.vouchersOf(buyer, 9, 10);
        vm.assertEq(ids.length, 0);
        vm.assertEq(next, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ICommunityVouchers.VoucherPageTooLarge.selector, 1_001, 1_000)
        );
        vouchers.vouchersOf(buyer, 1, 1_001);
    }

    // ================================================================ helpers

    function _assertEveryTransferPathReverts(address holder, uint256 id) private {
        vm.startPrank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNonTransferable.selector, id));
        vouchers.transferFrom(holder, stranger, id);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNonTransferable.selector, id));
        vouchers.safeTransferFrom(holder, stranger, id);
        vm.expectRevert(abi.encodeWithSelector(ICommunityVouchers.VoucherNonTransferable.selector, id));
        vouchers.safeTransferFrom(holder, stranger, id, "");
        vm.expectRevert(ICommunityVouchers.VoucherApprovalsDisabled.selector);
        vouchers.approve(stranger, id);
        vm.expectRevert(ICommunityVouchers.VoucherApprovalsDisabled.selector);
        vouchers.setApprovalForAll(stranger, true);
        vm.expectRevert(ICommunityVouchers.VoucherApprovalsDisabled.selector);
        vouchers.setApprovalForAll(stranger, false);
        vm.stopPrank();
        vm.assertEq(vouchers.getApproved(id), address(0));
        vm.assertFalse(vouchers.isApprovedForAll(holder, stranger));
        vm.assertEq(vouchers.ownerOf(id), holder);
    }

    function _auth(
        uint256 id,
        uint64 nodeId,
        uint256 units,
        uint256 nonce
    ) private view returns (ICommunityVouchers.RedemptionAuthorization memory) {
        return
            ICommunityVouchers.RedemptionAuthorization({
                voucherId: id,
                nodeId: nodeId,
                units: units,
                nonce: nonce,
                deadline: vm.getBlockTimestamp() + 1 days
            });
    }

    function _permit(
        uint256 ownerKey,
        uint256 value,
        uint256 deadline
    ) private view returns (ICommunityVouchers.Permit memory permit) {
        address owner = vm.addr(ownerKey);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                address(vouchers),
                value,
                usd.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, digest);
        permit = ICommunityVouchers.Permit({value: value, deadline: deadline, v: v, r: r, s: s});
    }
}
