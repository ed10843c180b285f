// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommunityVouchers} from "../contracts/CommunityVouchers.sol";
import {ICommunityVouchers} from "../contracts/interfaces/ICommunityVouchers.sol";
import {IServiceNodeStaking} from "../contracts/interfaces/IServiceNodeStaking.sol";
import {ServiceNodeStaking} from "../contracts/ServiceNodeStaking.sol";
import {TestStablecoin} from "../contracts/test/TestStablecoin.sol";
import {VM_ADDRESS, Vm} from "./utils/Vm.sol";
import {VoucherFixture} from "./utils/VoucherFixture.sol";

/// @notice Drives the vouchers contract through random buys, assignments, transfer attempts,
/// redemptions (direct and signed), time, node exits, sweeps, claims, withdrawals and governance
/// changes, and keeps the ghost state the invariants compare against.
contract VoucherHandler {
    Vm internal constant vm = Vm(VM_ADDRESS);

    CommunityVouchers internal immutable _vouchers;
    TestStablecoin internal immutable _usd;
    ServiceNodeStaking internal immutable _staking;
    address internal immutable _admin;
    address[] internal _people;
    uint256[] internal _keys;
    uint64[] internal _nodes;
    address[] internal _earners;

    mapping(uint256 voucherId => address) public buyerOf;
    mapping(uint256 voucherId => address) public communityOf;
    mapping(uint256 voucherId => uint256) public unitsBought;
    uint256 public unitsRedeemed;
    uint256 public paidToEarners;
    uint256 public paidToNetwork;
    /// @notice Transfer attempts that did not revert, or vouchers that changed hands outside {assign}.
    uint256 public violations;

    constructor(
        CommunityVouchers vouchers_,
        TestStablecoin usd_,
        ServiceNodeStaking staking_,
        address admin,
        uint64[] memory nodes,
        address[] memory earnerList
    ) {
        _vouchers = vouchers_;
        _usd = usd_;
        _staking = staking_;
        _admin = admin;
        _nodes = nodes;
        _earners = earnerList;
        for (uint256 i = 1; i <= 4; ++i) {
            _keys.push(0xA000 + i);
            _people.push(vm.addr(0xA000 + i));
        }
    }

    // ---------------------------------------------------------------- actions

    function buy(uint256 who, uint256 units) external {
        address buyer = _people[who % _people.length];
        units = 1 + (units % 1_000);
        uint256 amount = units * _vouchers.unitPrice();
        _usd.faucetTo(buyer, amount > _usd.FAUCET_CAP() ? _usd.FAUCET_CAP() : amount);
        if (_usd.balanceOf(buyer) < amount) return;
        vm.startPrank(buyer);
        _usd.approve(address(_vouchers), amount);
        uint256 id = _vouchers.buy(units, type(uint256).max);
        vm.stopPrank();
        buyerOf[id] = buyer;
        unitsBought[id] = units;
    }

    function assign(uint256 idSeed, uint256 to) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        ICommunityVouchers.VoucherView memory v = _vouchers.getVoucher(id);
        if (v.assigned || v.expired) return;
        address community = _people[to % _people.length];
        vm.prank(v.owner);
        _vouchers.assign(id, community);
        communityOf[id] = community;
    }

    /// @dev Every way to move a voucher a second time, by its holder or its buyer; none may work.
    function tryToMove(uint256 idSeed, uint256 to, uint256 path) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        address holder = _vouchers.ownerOf(id);
        address target = _people[to % _people.length];
        if (target == holder) target = address(0xBEEF);
        path = path % 6;
        vm.startPrank(path == 5 ? buyerOf[id] : holder);
        bool moved;
        if (path == 0) moved = _succeeds(abi.encodeCall(_vouchers.transferFrom, (holder, target, id)));
        else if (path == 1)
            moved = _succeeds(
                abi.encodeWithSignature("safeTransferFrom(address,address,uint256)", holder, target, id)
            );
        else if (path == 2)
            moved = _succeeds(
                abi.encodeWithSignature(
                    "safeTransferFrom(address,address,uint256,bytes)",
                    holder,
                    target,
                    id,
                    ""
                )
            );
        else if (path == 3) moved = _succeeds(abi.encodeCall(_vouchers.approve, (target, id)));
        else if (path == 4) moved = _succeeds(abi.encodeCall(_vouchers.setApprovalForAll, (target, true)));
        else if (communityOf[id] != address(0))
            moved = _succeeds(abi.encodeCall(_vouchers.assign, (id, target)));
        vm.stopPrank();
        if (moved) ++violations;
    }

    function redeem(uint256 idSeed, uint256 nodeSeed, uint256 units) external {
        (uint256 id, uint64 nodeId, uint256 amount, address community) = _redeemable(idSeed, nodeSeed, units);
        if (id == 0) return;
        vm.prank(community);
        _vouchers.redeem(id, nodeId, amount);
        unitsRedeemed += amount;
    }

    function redeemSigned(uint256 idSeed, uint256 nodeSeed, uint256 units, uint256 nonce) external {
        (uint256 id, uint64 nodeId, uint256 amount, address community) = _redeemable(idSeed, nodeSeed, units);
        if (id == 0 || _vouchers.nonceUsed(community, nonce)) return;
        ICommunityVouchers.RedemptionAuthorization memory auth = ICommunityVouchers.RedemptionAuthorization({
            voucherId: id,
            nodeId: nodeId,
            units: amount,
            nonce: nonce,
            deadline: vm.getBlockTimestamp() + 1 hours
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf(community), _vouchers.redemptionDigest(auth));
        _vouchers.redeemWithAuthorization(auth, abi.encodePacked(r, s, v));
        unitsRedeemed += amount;
    }

    function passTime(uint256 seconds_) external {
        vm.warp(vm.getBlockTimestamp() + (seconds_ % 90 days));
    }

    function exitNode(uint256 nodeSeed) external {
        uint64 nodeId = _nodes[nodeSeed % _nodes.length];
        IServiceNodeStaking.NodeView memory node = _staking.getNode(nodeId);
        if (node.state != IServiceNodeStaking.NodeState.Active) return;
        vm.prank(node.operator);
        _staking.requestExit(nodeId);
    }

    function sweep(uint256 idSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        ICommunityVouchers.VoucherView memory v = _vouchers.getVoucher(id);
        if (!v.expired || v.swept || v.units == v.unitsRedeemed) return;
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        _vouchers.sweepExpired(ids);
    }

    function claim(uint256 who, uint256 nodeSeed) external {
        address account = _earners[who % _earners.length];
        uint64 nodeId = _nodes[nodeSeed % _nodes.length];
        if (_vouchers.claimableEarnings(nodeId, account) == 0) return;
        vm.prank(account);
        paidToEarners += _vouchers.claimEarnings(nodeId);
    }

    function withdrawNetwork() external {
        ICommunityVouchers.Accounting memory a = _vouchers.accounting();
        if (a.poolOwed == 0 && a.treasuryOwed == 0) return;
        (uint256 pool, uint256 treasury) = _vouchers.withdrawNetwork();
        paidToNetwork += pool + treasury;
    }

    function setPrice(uint256 price) external {
        (uint256 minPrice, uint256 maxPrice) = _vouchers.priceBounds();
        vm.prank(_admin);
        _vouchers.setUnitPrice(minPrice + (price % (maxPrice / 100 - minPrice)));
    }

    function setShares(uint256 operatorBps, uint256 treasuryBps) external {
        operatorBps = 3_000 + (operatorBps % 3_001);
        treasuryBps = treasuryBps % 2_001;
        vm.prank(_admin);
        _vouchers.setShares(operatorBps, 10_000 - operatorBps - treasuryBps, treasuryBps);
    }

    // ---------------------------------------------------------------- helpers for the invariants

    function nodeIds() external view returns (uint64[] memory) {
        return _nodes;
    }

    function earners() external view returns (address[] memory) {
        return _earners;
    }

    // ---------------------------------------------------------------- internals

    function _pick(uint256 seed) internal view returns (uint256) {
        uint256 count = _vouchers.voucherCount();
        return count == 0 ? 0 : 1 + (seed % count);
    }

    function _redeemable(
        uint256 idSeed,
        uint256 nodeSeed,
        uint256 units
    ) internal view returns (uint256 id, uint64 nodeId, uint256 amount, address community) {
        id = _pick(idSeed);
        if (id == 0) return (0, 0, 0, address(0));
        ICommunityVouchers.VoucherView memory v = _vouchers.getVoucher(id);
        nodeId = _nodes[nodeSeed % _nodes.length];
        if (!v.assigned || v.unitsLeft == 0) return (0, 0, 0, address(0));
        if (_staking.getNode(nodeId).state != IServiceNodeStaking.NodeState.Active)
            return (0, 0, 0, address(0));
        return (id, nodeId, 1 + (units % v.unitsLeft), v.owner);
    }

    function _keyOf(address person) internal view returns (uint256) {
        for (uint256 i = 0; i < _people.length; ++i) if (_people[i] == person) return _keys[i];
        return 0;
    }

    function _succeeds(bytes memory data) internal returns (bool ok) {
        (ok, ) = address(_vouchers).call(data);
    }
}

contract CommunityVouchersInvariantTest is VoucherFixture {
    VoucherHandler internal handler;

    function setUp() public {
        _deploy();
        uint64[] memory nodes = new uint64[](3);
        nodes[0] = _soloNode(address(0x0BE1), 0);
        nodes[1] = _sharedNode(address(0x0BE2), address(0xC001), address(0xC002), 1_500);
        nodes[2] = _sharedNode(address(0x0BE3), address(0xC001), address(0xC003), 10_000);
        address[] memory earnerList = new address[](6);
        earnerList[0] = address(0x0BE1);
        earnerList[1] = address(0x0BE2);
        earnerList[2] = address(0x0BE3);
        earnerList[3] = address(0xC001);
        earnerList[4] = address(0xC002);
        earnerList[5] = address(0xC003);
        handler = new VoucherHandler(vouchers, usd, staking, address(this), nodes, earnerList);
    }

    /// @notice Only the handler is called by the invariant fuzzer.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_balanceIsExactlyWhatIsOwed() public view {
        _assertBooksBalance();
        ICommunityVouchers.Accounting memory a = vouchers.accounting();
        uint256 credited;
        uint64[] memory nodes = handler.nodeIds();
        for (uint256 i = 0; i < nodes.length; ++i) credited += vouchers.nodeTotals(nodes[i]).operatorsAmount;
        vm.assertEq(credited, a.operatorsOwed + handler.paidToEarners(), "credited == owed + paid");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_escrowIsTheMoneyOfUnredeemedUnsweptUnits() public view {
        uint256 escrow;
        uint256 redeemed;
        for (uint256 id = 1; id <= vouchers.voucherCount(); ++id) {
            ICommunityVouchers.VoucherView memory v = vouchers.getVoucher(id);
            vm.assertEq(v.units, handler.unitsBought(id), "units as bought");
            vm.assertLe(v.unitsRedeemed, v.units, "never redeemed beyond bought");
            redeemed += v.unitsRedeemed;
            if (!v.swept) escrow += (v.units - v.unitsRedeemed) * v.unitPrice;
        }
        vm.assertEq(vouchers.accounting().escrowed, escrow, "escrow");
        vm.assertEq(redeemed, handler.unitsRedeemed(), "units redeemed");
        uint64[] memory nodes = handler.nodeIds();
        uint256 nodeUnits;
        for (uint256 i = 0; i < nodes.length; ++i) nodeUnits += vouchers.nodeTotals(nodes[i]).units;
        vm.assertEq(nodeUnits, redeemed, "node totals");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_noVoucherEverMovesTwice() public view {
        vm.assertEq(handler.violations(), 0, "a transfer path worked");
        for (uint256 id = 1; id <= vouchers.voucherCount(); ++id) {
            address community = handler.communityOf(id);
            address expected = community == address(0) ? handler.buyerOf(id) : community;
            vm.assertEq(
                vouchers.ownerOf(id),
                expected,
                "held by its buyer, or by the community it was assigned to"
            );
            vm.assertEq(vouchers.getVoucher(id).assigned, community != address(0));
            vm.assertEq(vouchers.getApproved(id), address(0));
        }
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_earnersNeverClaimMoreThanCredited() public view {
        uint64[] memory nodes = handler.nodeIds();
        address[] memory earners = handler.earners();
        uint256 claimable;
        for (uint256 i = 0; i < nodes.length; ++i) {
            for (uint256 j = 0; j < earners.length; ++j)
                claimable += vouchers.claimableEarnings(nodes[i], earners[j]);
        }
        vm.assertLe(claimable, vouchers.accounting().operatorsOwed, "everything claimable is held");
    }
}
