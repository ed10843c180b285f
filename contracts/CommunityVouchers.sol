// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICommunityVouchers, IERC5192} from "./interfaces/ICommunityVouchers.sol";
import {IServiceNodeStaking} from "./interfaces/IServiceNodeStaking.sol";
import {VoucherMetadataRenderer} from "./VoucherMetadataRenderer.sol";

/// @title CommunityVouchers
/// @notice Fixed-price, non-transferable prepaid relay capacity, paid to the relay nodes that deliver it.
/// See {ICommunityVouchers} for the rules.
/// @dev Gas layout. A voucher is one storage slot; buying also writes the ERC-721 owner and balance and
/// one global slot (id counter and escrow). A redemption writes the voucher, the node, the community,
/// the global slot and the network slot, reads the node from the staking contract, and moves no tokens.
contract CommunityVouchers is
    ICommunityVouchers,
    ERC721,
    EIP712,
    AccessControlDefaultAdminRules,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /// @inheritdoc ICommunityVouchers
    bytes32 public constant PRICE_SETTER_ROLE = keccak256("PRICE_SETTER_ROLE");
    /// @inheritdoc ICommunityVouchers
    bytes32 public constant REDEMPTION_TYPEHASH = keccak256(
        "RedemptionAuthorization(uint256 voucherId,uint64 nodeId,uint256 units,uint256 nonce,uint256 deadline)"
    );
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MIN_OPERATOR_SHARE_BPS = 3_000;
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MAX_OPERATOR_SHARE_BPS = 6_000;
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MAX_TREASURY_SHARE_BPS = 2_000;
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MIN_VALIDITY = 30 days;
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MAX_VALIDITY = 730 days;
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MAX_UNITS_PER_VOUCHER = type(uint48).max;
    /// @inheritdoc ICommunityVouchers
    uint256 public constant MAX_PAGE = 1_000;

    /// @dev Vouchers start valid for a year, split 60% operators, 30% reward pool, 10% treasury.
    uint40 private constant _DEFAULT_VALIDITY = 365 days;
    uint16 private constant _DEFAULT_OPERATOR_BPS = 6_000;
    uint16 private constant _DEFAULT_POOL_BPS = 3_000;
    uint16 private constant _DEFAULT_TREASURY_BPS = 1_000;
    uint256 private constant _BPS = 10_000;
    /// @dev The delay of every transfer of the default admin role.
    uint48 private constant _ADMIN_TRANSFER_DELAY = 3 days;

    /// @dev One slot per voucher. `expiresAt` is never 0 for a voucher that exists.
    struct Voucher {
        uint96 unitPrice;
        uint48 units;
        uint48 unitsRedeemed;
        uint40 expiresAt;
        bool assigned;
        bool swept;
    }

    /// @dev What buying and redeeming read, in one slot.
    struct Config {
        uint96 unitPrice;
        uint40 validity;
        uint16 operatorBps;
        uint16 poolBps;
        uint16 treasuryBps;
    }

    /// @dev The id counter and the money owed to vouchers and contributors, in one slot.
    struct Totals {
        uint64 voucherCount;
        uint96 escrowed;
        uint96 operatorsOwed;
    }

    /// @dev The network's money, in one slot.
    struct NetworkOwed {
        uint128 pool;
        uint128 treasury;
    }

    /// @dev A node's earnings, in one slot: `credited` only grows; `stake` is the node's total stake at
    /// its last redemption (constant while it is Active, the only time it can be credited).
    struct NodeAccount {
        uint96 credited;
        uint64 stake;
        uint64 units;
        uint32 redemptions;
    }

    struct CommunityAccount {
        uint64 units;
        uint128 amount;
        uint64 redemptions;
    }

    struct PriceEntry {
        uint96 price;
        uint40 since;
    }

    IERC20 private immutable _token;
    IServiceNodeStaking private immutable _stakingContract;
    uint8 private immutable _tokenDecimals;
    /// @dev Renders {tokenURI}; a separate contract keeps the SVG and JSON code out of this one, well
    /// under the 24 KB code-size limit. Created by the constructor, so it needs no deployment step.
    VoucherMetadataRenderer private immutable _renderer;

    Config private _config;
    Totals private _totals;
    NetworkOwed private _network;
    uint96 private _minPrice;
    uint96 private _maxPrice;
    address private _poolRecipient;
    address private _treasuryRecipient;

    mapping(uint256 voucherId => Voucher) private _vouchers;
    mapping(uint64 nodeId => NodeAccount) private _nodeAccounts;
    mapping(uint64 nodeId => mapping(address account => uint96 credited)) private _seen;
    mapping(address community => CommunityAccount) private _communityAccounts;
    mapping(address community => mapping(uint256 word => uint256 bits)) private _nonceBitmaps;
    PriceEntry[] private _priceHistory;

    /// @param paymentToken_ The ERC-20 vouchers are paid in (a plain stablecoin; see the interface).
    /// @param staking_ The staking contract whose Active nodes can be paid.
    /// @param admin The default admin (transfers of the role take 3 days); also gets PRICE_SETTER_ROLE.
    /// @param initialUnitPrice The first unit price, in payment-token base units per unit.
    /// @param minPrice The lowest unit price governance may set.
    /// @param maxPrice The highest unit price governance may set.
    /// @param poolRecipient Receives the reward-pool share.
    /// @param treasuryRecipient Receives the treasury share.
    constructor(
        IERC20 paymentToken_,
        IServiceNodeStaking staking_,
        address admin,
        uint256 initialUnitPrice,
        uint256 minPrice,
        uint256 maxPrice,
        address poolRecipient,
        address treasuryRecipient
    )
        ERC721("SESH Community Voucher", "SESHV")
        EIP712("SESH Community Vouchers", "1")
        AccessControlDefaultAdminRules(_ADMIN_TRANSFER_DELAY, admin)
    {
        if (address(paymentToken_) == address(0)) revert VoucherInvalidAddress(address(0));
        if (address(staking_) == address(0)) revert VoucherInvalidAddress(address(0));
        _token = paymentToken_;
        _stakingContract = staking_;
        _tokenDecimals = _decimalsOf(paymentToken_);
        _renderer = new VoucherMetadataRenderer();
        _grantRole(PRICE_SETTER_ROLE, admin);
        _setPriceBounds(minPrice, maxPrice);
        _config = Config({
            unitPrice: 0,
            validity: _DEFAULT_VALIDITY,
            operatorBps: _DEFAULT_OPERATOR_BPS,
            poolBps: _DEFAULT_POOL_BPS,
            treasuryBps: _DEFAULT_TREASURY_BPS
        });
        _setUnitPrice(initialUnitPrice);
        _setNetworkRecipients(poolRecipient, treasuryRecipient);
    }

    // ---------------------------------------------------------------- buyers

    /// @inheritdoc ICommunityVouchers
    function buy(uint256 units, uint256 maxUnitPrice) external nonReentrant returns (uint256 voucherId) {
        return _buy(units, maxUnitPrice);
    }

    /// @inheritdoc ICommunityVouchers
    function buyWithPermit(
        uint256 units,
        uint256 maxUnitPrice,
        Permit calldata permit
    ) external nonReentrant returns (uint256 voucherId) {
        // A failed permit (front-run, already used, no permit on the token) is harmless: the transfer
        // below still needs the allowance and reverts without it.
        try
            IERC20Permit(address(_token)).permit(
                msg.sender,
                address(this),
                permit.value,
                permit.deadline,
                permit.v,
                permit.r,
                permit.s
            )
        {} catch {} // solhint-disable-line no-empty-blocks
        return _buy(units, maxUnitPrice);
    }

    /// @inheritdoc ICommunityVouchers
    function assign(uint256 voucherId, address community) external {
        Voucher storage voucher = _vouchers[voucherId];
        address buyer = _ownerOf(voucherId);
        if (buyer == address(0)) revert VoucherNotFound(voucherId);
        if (buyer != msg.sender) revert VoucherCallerNotOwner(voucherId, msg.sender, buyer);
        if (voucher.assigned) revert VoucherAlreadyAssigned(voucherId, buyer);
        if (block.timestamp >= voucher.expiresAt) revert VoucherExpired(voucherId, voucher.expiresAt);
        if (community == address(0) || community == address(this)) revert VoucherInvalidAddress(community);
        voucher.assigned = true;
        // `auth` 0 is the only way past {_update}'s lock: this is the voucher's single move.
        _transfer(buyer, community, voucherId);
        emit VoucherAssigned(voucherId, buyer, community);
    }

    // ---------------------------------------------------------------- communities

    /// @inheritdoc ICommunityVouchers
    function redeem(uint256 voucherId, uint64 nodeId, uint256 units) external {
        address community = _ownerOf(voucherId);
        if (community != msg.sender) {
            if (community == address(0)) revert VoucherNotFound(voucherId);
            revert VoucherCallerNotOwner(voucherId, msg.sender, community);
        }
        _redeem(voucherId, nodeId, units, community);
    }

    /// @inheritdoc ICommunityVouchers
    function redeemWithAuthorization(
        RedemptionAuthorization calldata authorization,
        bytes calldata signature
    ) external {
        if (block.timestamp > authorization.deadline) {
            revert VoucherAuthorizationExpired(authorization.deadline, block.timestamp);
        }
        uint256 voucherId = authorization.voucherId;
        address community = _ownerOf(voucherId);
        if (community == address(0)) revert VoucherNotFound(voucherId);
        _useNonce(community, authorization.nonce);
        if (!_isValidSignature(community, _hashTypedDataV4(_structHash(authorization)), signature)) {
            revert VoucherInvalidSignature(voucherId, community);
        }
        _redeem(voucherId, authorization.nodeId, authorization.units, community);
        emit AuthorizationUsed(community, authorization.nonce, msg.sender);
    }

    /// @inheritdoc ICommunityVouchers
    function cancelAuthorization(uint256 nonce) external {
        _useNonce(msg.sender, nonce);
        emit AuthorizationCancelled(msg.sender, nonce);
    }

    // ---------------------------------------------------------------- node contributors

    /// @inheritdoc ICommunityVouchers
    function claimEarnings(uint64 nodeId) external nonReentrant returns (uint256 amount) {
        amount = _collect(nodeId, msg.sender);
        _pay(amount);
    }

    /// @inheritdoc ICommunityVouchers
    function claimEarningsBatch(uint64[] calldata nodeIds) external nonReentrant returns (uint256 amount) {
        for (uint256 i = 0; i < nodeIds.length; ++i) {
            amount += _collect(nodeIds[i], msg.sender);
        }
        _pay(amount);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ICommunityVouchers
    function sweepExpired(uint256[] calldata voucherIds) external returns (uint256 amount) {
        Config memory config = _config;
        uint256 networkBps = uint256(config.poolBps) + config.treasuryBps;
        uint256 toTreasury;
        for (uint256 i = 0; i < voucherIds.length; ++i) {
            uint256 voucherId = voucherIds[i];
            Voucher storage voucher = _vouchers[voucherId];
            uint256 expiresAt = voucher.expiresAt;
            // A voucher that does not exist has `expiresAt` 0 and no units: skipped below.
            if (voucher.swept || block.timestamp < expiresAt) continue;
            uint256 left = uint256(voucher.units) - voucher.unitsRedeemed;
            if (left == 0) continue;
            voucher.swept = true;
            uint256 value = left * voucher.unitPrice;
            uint256 treasuryPart = (value * config.treasuryBps) / networkBps;
            emit VoucherSwept(voucherId, left, value, value - treasuryPart, treasuryPart);
            amount += value;
            toTreasury += treasuryPart;
        }
        if (amount == 0) revert VoucherNothingToSweep();
        Totals storage totals = _totals;
        // Cannot underflow: every swept value was part of `escrowed` since its voucher was bought.
        totals.escrowed -= SafeCast.toUint96(amount);
        _creditNetwork(amount - toTreasury, toTreasury);
    }

    /// @inheritdoc ICommunityVouchers
    function withdrawNetwork() external nonReentrant returns (uint256 poolAmount, uint256 treasuryAmount) {
        NetworkOwed memory owed = _network;
        if (owed.pool == 0 && owed.treasury == 0) revert VoucherNothingToWithdraw();
        delete _network;
        poolAmount = owed.pool;
        treasuryAmount = owed.treasury;
        address poolRecipient = _poolRecipient;
        address treasuryRecipient = _treasuryRecipient;
        emit NetworkWithdrawn(poolRecipient, poolAmount, treasuryRecipient, treasuryAmount);
        if (poolAmount != 0) _token.safeTransfer(poolRecipient, poolAmount);
        if (treasuryAmount != 0) _token.safeTransfer(treasuryRecipient, treasuryAmount);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICommunityVouchers
    function setUnitPrice(uint256 price) external onlyRole(PRICE_SETTER_ROLE) {
        _setUnitPrice(price);
    }

    /// @inheritdoc ICommunityVouchers
    function setPriceBounds(uint256 minPrice, uint256 maxPrice) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPriceBounds(minPrice, maxPrice);
        uint256 price = _config.unitPrice;
        if (price < minPrice || price > maxPrice) revert VoucherSettingOutOfBounds(price, minPrice, maxPrice);
    }

    /// @inheritdoc ICommunityVouchers
    function setShares(
        uint256 operatorBps,
        uint256 poolBps,
        uint256 treasuryBps
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (
            operatorBps < MIN_OPERATOR_SHARE_BPS ||
            operatorBps > MAX_OPERATOR_SHARE_BPS ||
            treasuryBps > MAX_TREASURY_SHARE_BPS ||
            operatorBps + poolBps + treasuryBps != _BPS
        ) revert VoucherInvalidShares(operatorBps, poolBps, treasuryBps);
        Config storage config = _config;
        // The checks above bound each share by 10,000, so the casts are exact.
        config.operatorBps = uint16(operatorBps);
        config.poolBps = uint16(poolBps);
        config.treasuryBps = uint16(treasuryBps);
        emit SharesUpdated(operatorBps, poolBps, treasuryBps);
    }

    /// @inheritdoc ICommunityVouchers
    function setValidity(uint256 newValidity) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newValidity < MIN_VALIDITY || newValidity > MAX_VALIDITY) {
            revert VoucherSettingOutOfBounds(newValidity, MIN_VALIDITY, MAX_VALIDITY);
        }
        Config storage config = _config;
        uint256 old = config.validity;
        // Bounded by MAX_VALIDITY above.
        config.validity = uint40(newValidity);
        emit ValidityUpdated(old, newValidity);
    }

    /// @inheritdoc ICommunityVouchers
    function setNetworkRecipients(
        address poolRecipient,
        address treasuryRecipient
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setNetworkRecipients(poolRecipient, treasuryRecipient);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICommunityVouchers
    function getVoucher(uint256 voucherId) public view returns (VoucherView memory view_) {
        address owner = _ownerOf(voucherId);
        if (owner == address(0)) revert VoucherNotFound(voucherId);
        Voucher memory voucher = _vouchers[voucherId];
        bool expired = block.timestamp >= voucher.expiresAt;
        uint256 left = expired || voucher.swept ? 0 : uint256(voucher.units) - voucher.unitsRedeemed;
        view_ = VoucherView({
            id: voucherId,
            owner: owner,
            assigned: voucher.assigned,
            expired: expired,
            swept: voucher.swept,
            unitPrice: voucher.unitPrice,
            units: voucher.units,
            unitsRedeemed: voucher.unitsRedeemed,
            unitsLeft: left,
            valueLeft: left * voucher.unitPrice,
            expiresAt: voucher.expiresAt
        });
    }

    /// @inheritdoc ICommunityVouchers
    function unitsLeft(uint256 voucherId) external view returns (uint256) {
        return getVoucher(voucherId).unitsLeft;
    }

    /// @inheritdoc ICommunityVouchers
    function expiryOf(uint256 voucherId) external view returns (uint64) {
        _requireVoucher(voucherId);
        return _vouchers[voucherId].expiresAt;
    }

    /// @inheritdoc ICommunityVouchers
    function vouchersOf(
        address owner,
        uint256 startId,
        uint256 limit
    ) external view returns (uint256[] memory voucherIds, uint256 nextId) {
        if (limit > MAX_PAGE) revert VoucherPageTooLarge(limit, MAX_PAGE);
        uint256 count = _totals.voucherCount;
        if (startId == 0) startId = 1;
        uint256 end = startId + limit > count + 1 ? count + 1 : startId + limit;
        uint256 found = 0;
        voucherIds = new uint256[](end > startId ? end - startId : 0);
        for (uint256 id = startId; id < end; ++id) {
            if (_ownerOf(id) == owner) voucherIds[found++] = id;
        }
        assembly ("memory-safe") {
            // Shrink the array to the ids found; `found` never exceeds the allocated length.
            mstore(voucherIds, found)
        }
        nextId = end <= count ? end : 0;
    }

    /// @inheritdoc ICommunityVouchers
    function voucherCount() external view returns (uint256) {
        return _totals.voucherCount;
    }

    /// @inheritdoc ICommunityVouchers
    function priceHistory(uint256 start, uint256 limit) external view returns (PricePoint[] memory points) {
        if (limit > MAX_PAGE) revert VoucherPageTooLarge(limit, MAX_PAGE);
        uint256 length = _priceHistory.length;
        uint256 end = start + limit > length ? length : start + limit;
        points = new PricePoint[](end > start ? end - start : 0);
        for (uint256 i = 0; i < points.length; ++i) {
            PriceEntry memory entry = _priceHistory[start + i];
            points[i] = PricePoint({price: entry.price, since: entry.since});
        }
    }

    /// @inheritdoc ICommunityVouchers
    function priceHistoryLength() external view returns (uint256) {
        return _priceHistory.length;
    }

    /// @inheritdoc ICommunityVouchers
    function communityTotals(address community) external view returns (CommunityTotals memory) {
        CommunityAccount memory account = _communityAccounts[community];
        return
            CommunityTotals({units: account.units, amount: account.amount, redemptions: account.redemptions});
    }

    /// @inheritdoc ICommunityVouchers
    function nodeTotals(uint64 nodeId) external view returns (NodeTotals memory) {
        NodeAccount memory node = _nodeAccounts[nodeId];
        return
            NodeTotals({
                units: node.units,
                operatorsAmount: node.credited,
                redemptions: node.redemptions,
                stake: node.stake
            });
    }

    /// @inheritdoc ICommunityVouchers
    function claimableEarnings(uint64 nodeId, address account) external view returns (uint256 amount) {
        (amount, ) = _earned(nodeId, account);
    }

    /// @inheritdoc ICommunityVouchers
    function nonceUsed(address community, uint256 nonce) external view returns (bool) {
        return _nonceBitmaps[community][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc ICommunityVouchers
    function redemptionDigest(
        RedemptionAuthorization calldata authorization
    ) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(authorization));
    }

    /// @inheritdoc ICommunityVouchers
    function accounting() external view returns (Accounting memory) {
        Totals memory totals = _totals;
        NetworkOwed memory owed = _network;
        return
            Accounting({
                escrowed: totals.escrowed,
                operatorsOwed: totals.operatorsOwed,
                poolOwed: owed.pool,
                treasuryOwed: owed.treasury
            });
    }

    /// @inheritdoc ICommunityVouchers
    function unitPrice() external view returns (uint256) {
        return _config.unitPrice;
    }

    /// @inheritdoc ICommunityVouchers
    function priceBounds() external view returns (uint256 minPrice, uint256 maxPrice) {
        return (_minPrice, _maxPrice);
    }

    /// @inheritdoc ICommunityVouchers
    function validity() external view returns (uint256) {
        return _config.validity;
    }

    /// @inheritdoc ICommunityVouchers
    function shares() external view returns (uint256 operatorBps, uint256 poolBps, uint256 treasuryBps) {
        Config memory config = _config;
        return (config.operatorBps, config.poolBps, config.treasuryBps);
    }

    /// @inheritdoc ICommunityVouchers
    function networkRecipients() external view returns (address poolRecipient, address treasuryRecipient) {
        return (_poolRecipient, _treasuryRecipient);
    }

    /// @inheritdoc ICommunityVouchers
    function paymentToken() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ICommunityVouchers
    function staking() external view returns (address) {
        return address(_stakingContract);
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireVoucher(tokenId);
        return true;
    }

    /// @notice On-chain JSON metadata with an SVG card: units left, expiry, community, status.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        return _renderer.tokenURI(getVoucher(tokenId), _tokenDecimals);
    }

    /// @notice ERC-721, ERC-721 Metadata, ERC-5192, AccessControl and ERC-165.
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, AccessControlDefaultAdminRules) returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- ERC-721 hooks

    /// @dev Every public transfer path passes the caller as `auth`; minting and {assign} pass 0. So a
    /// non-zero `auth` means someone tried to move a locked voucher.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (auth != address(0)) revert VoucherNonTransferable(tokenId);
        return super._update(to, tokenId, auth);
    }

    /// @dev Public {approve} passes the caller as `auth`; the clearing inside {_update} passes 0.
    function _approve(address to, uint256 tokenId, address auth, bool emitEvent) internal override {
        if (auth != address(0)) revert VoucherApprovalsDisabled();
        super._approve(to, tokenId, auth, emitEvent);
    }

    /// @dev No operator can ever be approved.
    function _setApprovalForAll(address, address, bool) internal pure override {
        revert VoucherApprovalsDisabled();
    }

    // ---------------------------------------------------------------- internals

    function _buy(uint256 units, uint256 maxUnitPrice) private returns (uint256 voucherId) {
        if (units == 0 || units > MAX_UNITS_PER_VOUCHER)
            revert VoucherUnitsOutOfRange(units, MAX_UNITS_PER_VOUCHER);
        Config memory config = _config;
        uint256 price = config.unitPrice;
        if (price > maxUnitPrice) revert VoucherPriceAboveLimit(price, maxUnitPrice);
        // Cannot overflow: units < 2^48 and price < 2^96.
        uint256 amount = units * price;
        Totals memory totals = _totals;
        uint256 escrowed = uint256(totals.escrowed) + amount;
        if (escrowed > type(uint96).max)
            revert VoucherAmountTooLarge(amount, type(uint96).max - totals.escrowed);
        voucherId = uint256(totals.voucherCount) + 1;
        // The casts are exact: escrowed checked above, ids stay far below 2^64.
        _totals = Totals({
            voucherCount: uint64(voucherId),
            escrowed: uint96(escrowed),
            operatorsOwed: totals.operatorsOwed
        });
        uint40 expiresAt = uint40(block.timestamp) + config.validity;
        _vouchers[voucherId] = Voucher({
            unitPrice: uint96(price),
            units: uint48(units),
            unitsRedeemed: 0,
            expiresAt: expiresAt,
            assigned: false,
            swept: false
        });
        _mint(msg.sender, voucherId);
        emit Locked(voucherId);
        emit VoucherBought(voucherId, msg.sender, units, price, amount, expiresAt);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Checks and books a redemption; `community` already proved it may redeem the voucher.
    function _redeem(uint256 voucherId, uint64 nodeId, uint256 units, address community) private {
        Voucher storage voucher = _vouchers[voucherId];
        Voucher memory v = voucher;
        if (!v.assigned) revert VoucherNotAssigned(voucherId);
        if (block.timestamp >= v.expiresAt) revert VoucherExpired(voucherId, v.expiresAt);
        uint256 left = uint256(v.units) - v.unitsRedeemed;
        if (units == 0 || units > left) revert VoucherInsufficientUnits(voucherId, units, left);
        uint256 nodeStake = _activeStake(nodeId);
        // units <= left < 2^48, so the cast is exact.
        voucher.unitsRedeemed = v.unitsRedeemed + uint48(units);
        uint256 amount = units * v.unitPrice;

        Config memory config = _config;
        uint256 operatorsPart = (amount * config.operatorBps) / _BPS;
        uint256 treasuryPart = (amount * config.treasuryBps) / _BPS;
        uint256 poolPart = amount - operatorsPart - treasuryPart;
        _creditNode(nodeId, nodeStake, units, operatorsPart);
        _creditCommunity(community, units, amount);
        Totals storage totals = _totals;
        // `amount` is part of `escrowed` (added at purchase) and the operators' part of it, so both casts
        // are exact and both results stay within 96 bits.
        totals.escrowed -= uint96(amount);
        totals.operatorsOwed += uint96(operatorsPart);
        _creditNetwork(poolPart, treasuryPart);
        emit VoucherRedeemed(
            voucherId,
            community,
            nodeId,
            units,
            amount,
            operatorsPart,
            poolPart,
            treasuryPart
        );
    }

    function _creditNode(uint64 nodeId, uint256 nodeStake, uint256 units, uint256 operatorsPart) private {
        NodeAccount memory node = _nodeAccounts[nodeId];
        _nodeAccounts[nodeId] = NodeAccount({
            credited: SafeCast.toUint96(node.credited + operatorsPart),
            stake: SafeCast.toUint64(nodeStake),
            units: SafeCast.toUint64(node.units + units),
            redemptions: node.redemptions + 1
        });
    }

    function _creditCommunity(address community, uint256 units, uint256 amount) private {
        CommunityAccount memory account = _communityAccounts[community];
        _communityAccounts[community] = CommunityAccount({
            units: SafeCast.toUint64(account.units + units),
            amount: SafeCast.toUint128(account.amount + amount),
            redemptions: account.redemptions + 1
        });
    }

    /// @dev The node's total stake; reverts unless the node is Active.
    function _activeStake(uint64 nodeId) private view returns (uint256 totalStaked) {
        uint256 state;
        (state, , , totalStaked) = _nodeInfo(nodeId);
        if (state != uint256(IServiceNodeStaking.NodeState.Active))
            revert VoucherNodeNotActive(nodeId, uint8(state));
    }

    /// @dev The fields of {IServiceNodeStaking-getNode} this contract needs. A node that does not exist
    /// (the staking contract reverts) reads as state None.
    function _nodeInfo(
        uint64 nodeId
    ) private view returns (uint256 state, address operator, uint256 feeBps, uint256 totalStaked) {
        try _stakingContract.getNode(nodeId) returns (IServiceNodeStaking.NodeView memory node) {
            return (uint256(node.state), node.operator, node.feeBps, node.totalStaked);
        } catch {
            return (uint256(IServiceNodeStaking.NodeState.None), address(0), 0, 0);
        }
    }

    /// @dev Books what `account` earned on `nodeId` as paid and returns it (0 if nothing).
    function _collect(uint64 nodeId, address account) private returns (uint256 amount) {
        uint256 credited;
        (amount, credited) = _earned(nodeId, account);
        if (amount == 0) return 0;
        // The cast is exact: `credited` is read from a uint96.
        _seen[nodeId][account] = uint96(credited);
        emit EarningsClaimed(nodeId, account, amount);
    }

    /// @dev What `account` can claim on `nodeId` and the node's `credited` it would then have seen.
    function _earned(uint64 nodeId, address account) private view returns (uint256 amount, uint256 credited) {
        NodeAccount memory node = _nodeAccounts[nodeId];
        credited = node.credited;
        uint256 delta = credited - _seen[nodeId][account];
        if (delta == 0) return (0, credited);
        (, address operator, uint256 feeBps, ) = _nodeInfo(nodeId);
        // The stake paid into the node, kept by the staking contract after exit and withdrawal.
        (uint256 stake, ) = _stakingContract.stakeOf(nodeId, account);
        if (stake != 0) amount = (delta * (_BPS - feeBps) * stake) / (_BPS * node.stake);
        if (account == operator) amount += (delta * feeBps) / _BPS;
    }

    function _pay(uint256 amount) private {
        if (amount == 0) revert VoucherNothingToClaim(msg.sender);
        // Cannot underflow: each claim is at most what was credited to the node and not yet claimed.
        _totals.operatorsOwed -= SafeCast.toUint96(amount);
        _token.safeTransfer(msg.sender, amount);
    }

    function _creditNetwork(uint256 poolPart, uint256 treasuryPart) private {
        NetworkOwed storage owed = _network;
        // Both fit: the network is owed a part of the token balance, which stays below 2^96.
        owed.pool += uint128(poolPart);
        owed.treasury += uint128(treasuryPart);
    }

    function _useNonce(address community, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        mapping(uint256 word => uint256 bits) storage bitmaps = _nonceBitmaps[community];
        uint256 bits = bitmaps[nonce >> 8];
        if (bits & bit != 0) revert VoucherNonceUsed(community, nonce);
        bitmaps[nonce >> 8] = bits | bit;
    }

    /// @dev ECDSA first, so an externally owned community costs no account access; a contract owner (a
    /// multisig, a smart account) is asked through ERC-1271.
    function _isValidSignature(
        address community,
        bytes32 digest,
        bytes calldata signature
    ) private view returns (bool) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == community) return true;
        return
            community.code.length != 0 &&
            SignatureChecker.isValidERC1271SignatureNowCalldata(community, digest, signature);
    }

    function _structHash(RedemptionAuthorization calldata authorization) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    REDEMPTION_TYPEHASH,
                    authorization.voucherId,
                    authorization.nodeId,
                    authorization.units,
                    authorization.nonce,
                    authorization.deadline
                )
            );
    }

    function _setUnitPrice(uint256 price) private {
        uint256 minPrice = _minPrice;
        uint256 maxPrice = _maxPrice;
        if (price < minPrice || price > maxPrice) revert VoucherSettingOutOfBounds(price, minPrice, maxPrice);
        Config storage config = _config;
        uint256 old = config.unitPrice;
        // maxPrice < 2^96 (checked in {_setPriceBounds}), so the cast is exact.
        config.unitPrice = uint96(price);
        _priceHistory.push(PriceEntry({price: uint96(price), since: uint40(block.timestamp)}));
        emit UnitPriceUpdated(old, price);
    }

    function _setPriceBounds(uint256 minPrice, uint256 maxPrice) private {
        if (minPrice == 0) revert VoucherSettingOutOfBounds(minPrice, 1, maxPrice);
        if (maxPrice < minPrice || maxPrice > type(uint96).max) {
            revert VoucherSettingOutOfBounds(maxPrice, minPrice, type(uint96).max);
        }
        // Both below 2^96 (checked above).
        _minPrice = uint96(minPrice);
        _maxPrice = uint96(maxPrice);
        emit PriceBoundsUpdated(minPrice, maxPrice);
    }

    function _setNetworkRecipients(address poolRecipient, address treasuryRecipient) private {
        if (poolRecipient == address(0) || poolRecipient == address(this))
            revert VoucherInvalidAddress(poolRecipient);
        if (treasuryRecipient == address(0) || treasuryRecipient == address(this)) {
            revert VoucherInvalidAddress(treasuryRecipient);
        }
        _poolRecipient = poolRecipient;
        _treasuryRecipient = treasuryRecipient;
        emit NetworkRecipientsUpdated(poolRecipient, treasuryRecipient);
    }

    function _requireVoucher(uint256 voucherId) private view {
        if (_ownerOf(voucherId) == address(0)) revert VoucherNotFound(voucherId);
    }

    /// @dev The token's decimals for display; 0 if it does not say.
    function _decimalsOf(IERC20 token_) private view returns (uint8) {
        try IERC20Metadata(address(token_)).decimals() returns (uint8 decimals) {
            return decimals;
        } catch {
            return 0;
        }
    }
}
