// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommunityVouchers} from "../../contracts/CommunityVouchers.sol";
import {RewardRatePool} from "../../contracts/RewardRatePool.sol";
import {SeshToken} from "../../contracts/SeshToken.sol";
import {ServiceNodeStaking} from "../../contracts/ServiceNodeStaking.sol";
import {ICommunityVouchers} from "../../contracts/interfaces/ICommunityVouchers.sol";
import {IServiceNodeStaking} from "../../contracts/interfaces/IServiceNodeStaking.sol";
import {TestStablecoin} from "../../contracts/test/TestStablecoin.sol";
import {VM_ADDRESS, Vm} from "./Vm.sol";

/// @notice The real contracts wired as the Ignition modules wire them, plus helpers to buy vouchers and
/// register nodes. Node identities are real Ed25519 public keys; the onion key comes from the staking
/// contract itself.
abstract contract VoucherFixture {
    Vm internal constant vm = Vm(VM_ADDRESS);

    uint256 internal constant SESH = 1e9;
    uint256 internal constant USD = 1e6;
    uint256 internal constant REQUIREMENT = 25_000 * SESH;
    uint256 internal constant PRICE = 2 * USD;
    uint256 internal constant MIN_PRICE = USD / 100;
    uint256 internal constant MAX_PRICE = 1_000 * USD;

    SeshToken internal sesh;
    ServiceNodeStaking internal staking;
    RewardRatePool internal rewardPool;
    TestStablecoin internal usd;
    CommunityVouchers internal vouchers;
    address internal treasury = address(0x7EA5);
    uint256 private _keysUsed;

    function _deploy() internal {
        sesh = new SeshToken(address(this));
        staking = new ServiceNodeStaking(address(sesh), address(this), REQUIREMENT, 14 days, 20);
        rewardPool = RewardRatePool(staking.rewardPool());
        usd = new TestStablecoin();
        vouchers = new CommunityVouchers(
            usd,
            staking,
            address(this),
            PRICE,
            MIN_PRICE,
            MAX_PRICE,
            address(rewardPool),
            treasury
        );
    }

    // ---------------------------------------------------------------- vouchers

    /// @dev Mints test dollars through the public faucet, in calls of at most its cap.
    function _fund(address to, uint256 amount) internal {
        uint256 cap = usd.FAUCET_CAP();
        while (amount > 0) {
            uint256 part = amount > cap ? cap : amount;
            usd.faucetTo(to, part);
            amount -= part;
        }
    }

    function _buy(address buyer, uint256 units) internal returns (uint256 voucherId) {
        uint256 amount = units * vouchers.unitPrice();
        _fund(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(vouchers), amount);
        voucherId = vouchers.buy(units, type(uint256).max);
        vm.stopPrank();
    }

    function _buyAssigned(
        address buyer,
        address community,
        uint256 units
    ) internal returns (uint256 voucherId) {
        voucherId = _buy(buyer, units);
        vm.prank(buyer);
        vouchers.assign(voucherId, community);
    }

    function _sign(
        uint256 privateKey,
        ICommunityVouchers.RedemptionAuthorization memory authorization
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, vouchers.redemptionDigest(authorization));
        return abi.encodePacked(r, s, v);
    }

    // ---------------------------------------------------------------- nodes

    /// @dev Registers a node for `operator` staking `amount` (Active at once if it is the requirement).
    function _registerNode(address operator, uint256 amount, uint16 feeBps) internal returns (uint64 nodeId) {
        bytes32 edKey = _edKey(_keysUsed++);
        IServiceNodeStaking.Registration memory r;
        r.ed25519Key = edKey;
        r.x25519Key = staking.onionKeyOf(edKey);
        r.endpoint = "relay.example.net:22021";
        r.signature = new bytes(64);
        r.feeBps = feeBps;
        r.amount = amount;
        r.reservations = new IServiceNodeStaking.Reservation[](0);
        sesh.transfer(operator, amount);
        vm.startPrank(operator);
        sesh.approve(address(staking), amount);
        nodeId = staking.registerNode(r);
        vm.stopPrank();
    }

    function _contribute(address contributor, uint64 nodeId, uint256 amount) internal {
        sesh.transfer(contributor, amount);
        vm.startPrank(contributor);
        sesh.approve(address(staking), amount);
        staking.contribute(nodeId, amount);
        vm.stopPrank();
    }

    /// @dev An Active node run by `operator` alone.
    function _soloNode(address operator, uint16 feeBps) internal returns (uint64) {
        return _registerNode(operator, REQUIREMENT, feeBps);
    }

    /// @dev An Active node: `operator` stakes half, `a` and `b` a quarter each.
    function _sharedNode(
        address operator,
        address a,
        address b,
        uint16 feeBps
    ) internal returns (uint64 nodeId) {
        nodeId = _registerNode(operator, REQUIREMENT / 2, feeBps);
        _contribute(a, nodeId, REQUIREMENT / 4);
        _contribute(b, nodeId, REQUIREMENT / 4);
    }

    /// @dev Valid Ed25519 public keys (generated with Node's crypto), one per node registered.
    function _edKey(uint256 index) internal pure returns (bytes32) {
        bytes32[12] memory keys = [
            bytes32(0xc78a6cb55c392608552911a50aeec7c730e3f38b6c2c08ddc695e9f30dea0225),
            0xfe51caa9205eb52f104e10d87e32e21dfd473ed7ede2edc142866621014adce7,
            0x7fb03e0cd27040ae13d0cc08c0bc324724e0e0939bbaf59ba84ab4ac09b2b77e,
            0x3c488fdcff230fad2dbe22245086433e9f0b67cbc34dc1aee0594bdb26fe84d4,
            0x6d677a26b3c9fa0ca8876eb0ff0638cce94ad33803925d75a59fe1893ab6a97e,
            0x8397988f3da533f980609a6ee390e66df4bff3a994e15d5293db506fc1235bdb,
            0x6179269e0d9deb794c9f31c9b111ccc3dd4c01931d77ae5436c9f5a380314b95,
            0x302c33a2786857b9dda9c5a21fdbd03e1427b3d7c45a3ec46c431c433c7f71d6,
            0x053d03e0da071cb101cefa3aedfc60129c465574f5aae80460eeaaf3c87ca069,
            0x80039e5568f87fb04126132e95321c54fbc082653e6a1d6b70a3699471e85ff9,
            0xa0167656a510d69245d4d9805e37752b89ee3ed467578710cfc3c2a692ad80e1,
            0x0880471ca37579bc9b4a6c8a5a534f73c829a386d5f52ba3169b1e9587cb2824
        ];
        return keys[index];
    }

    // ---------------------------------------------------------------- helpers

    /// @dev `value` mapped into [min, max] (forge-std's `bound`, which is not a cheatcode).
    function _bound(uint256 value, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (value % (max - min + 1));
    }

    /// @dev Checks the accounting identity: the balance is exactly what is owed to someone.
    function _assertBooksBalance() internal view {
        ICommunityVouchers.Accounting memory a = vouchers.accounting();
        vm.assertEq(
            usd.balanceOf(address(vouchers)),
            a.escrowed + a.operatorsOwed + a.poolOwed + a.treasuryOwed,
            "balance == escrowed + operatorsOwed + poolOwed + treasuryOwed"
        );
    }
}
