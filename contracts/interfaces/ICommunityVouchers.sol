// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC5192
/// @notice Minimal soulbound NFTs (ERC-5192). A token that is locked cannot be moved by any ERC-721
/// transfer function.
interface IERC5192 {
    /// @notice The token was locked: it cannot be moved by ERC-721 transfers.
    event Locked(uint256 tokenId);

    /// @notice The token was unlocked. Never emitted by {ICommunityVouchers}.
    event Unlocked(uint256 tokenId);

    /// @notice Whether the token is locked. Reverts for a token that does not exist.
    function locked(uint256 tokenId) external view returns (bool);
}

/// @title ICommunityVouchers
/// @notice Fixed-price, non-transferable prepaid relay capacity for communities (groups and channels).
///
/// A voucher is bought for a number of units at the current unit price, in one ERC-20 (a stablecoin)
/// fixed at deployment. It records the price it was bought at, its units and its expiry; later price
/// changes never touch it. Vouchers exist only by purchase: there is no pre-mint, allocation or admin
/// mint. What a unit of capacity means is set off-chain with the price; the contract only counts units.
///
/// Each voucher is an ERC-721 token that is locked from birth (ERC-5192, {IERC5192-locked} is always
/// true). Every ERC-721 transfer and approval path reverts. The one exception is {assign}: the buyer
/// moves the voucher once to the address of a community's owner; that is a dedicated function, not an
/// ERC-721 transfer, and after it the voucher never moves again.
///
/// The money stays here until capacity is delivered. The community owner {redeem}s units to an
/// Active relay node of {IServiceNodeStaking} that served it, directly or through a signed
/// {RedemptionAuthorization} that anyone (usually the node's operator) submits. A redemption of
/// `units` releases `units × unitPrice`, split at the shares in force at that moment:
/// - the operators' share (at most 60%) is credited to the node and shared among the node's
///   contributors: the operator first takes the node's fee (its `feeBps` in the staking contract, the
///   same fee it takes on SESH rewards), the rest goes to every contributor, operator included, in
///   proportion to stake. Each contributor pulls its part with {claimEarnings}.
/// - the reward-pool share and the treasury share (the rest) accrue to two network recipients and are
///   paid out by {withdrawNetwork}, callable by anyone.
/// A voucher cannot be redeemed at or after its expiry; from then on anyone may {sweepExpired} its
/// unredeemed money to the network (pool and treasury in proportion to their shares).
///
/// @dev Node earnings. The payment token is a stablecoin while staking rewards are SESH, so the
/// operators' share is accounted here, not in the staking contract. Each node keeps one running total
/// `credited` (all operators' money credited to it) and the node's total stake, snapshotted at every
/// redemption. Stakes inside an Active node never change and a node is Active in one unbroken span, so
/// that snapshot is the stake behind every credit. A contributor's claim is
/// `Δ × fee / 10⁴` (operator only) `+ Δ × (10⁴ − fee) / 10⁴ × stake / totalStake`, where `Δ` is
/// `credited` minus what it had seen at its last claim. Redemptions are O(1); claims read the staking
/// contract (the operator, the fee and {IServiceNodeStaking-stakeOf}, which keeps reporting the stake
/// paid after exit, penalty and withdrawal), so a contributor still claims what was credited while the
/// node was Active after it exits. Every division rounds down, so the contract never pays out more than
/// it was credited; the rounding dust stays counted in {Accounting-operatorsOwed}.
///
/// Accounting. The token balance of this contract always equals
/// `escrowed + operatorsOwed + poolOwed + treasuryOwed` (see {accounting}) unless someone sends tokens
/// here directly. The payment token must be a plain ERC-20: no fee on transfer, no rebasing, and total
/// supply below 2^96 base units.
interface ICommunityVouchers is IERC5192 {
    // ---------------------------------------------------------------- types

    /// @notice An ERC-2612 permit for the payment token, so buying is one transaction. `value` is what
    /// the buyer signed for; sign `units × maxUnitPrice` so a price drop before inclusion still works
    /// (this contract only ever pulls from the caller, so a leftover allowance serves only the buyer's
    /// own later purchases).
    struct Permit {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice What a community owner signs (EIP-712, type {REDEMPTION_TYPEHASH}) to let anyone redeem
    /// `units` of its voucher `voucherId` to node `nodeId`.
    /// @param nonce Any number the community has not used before; nonces are unordered, so authorizations
    /// for several nodes can be submitted in any order. See {nonceUsed} and {cancelAuthorization}.
    /// @param deadline The authorization is invalid after this time (seconds since the epoch).
    struct RedemptionAuthorization {
        uint256 voucherId;
        uint64 nodeId;
        uint256 units;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice Everything wallets and the portal show about a voucher.
    /// @param owner The buyer before assignment, the community owner after.
    /// @param unitsLeft Units that can still be redeemed now (0 once expired or swept).
    /// @param valueLeft `unitsLeft × unitPrice`, in payment-token base units.
    struct VoucherView {
        uint256 id;
        address owner;
        bool assigned;
        bool expired;
        bool swept;
        uint64 expiresAt;
        uint256 unitPrice;
        uint256 units;
        uint256 unitsRedeemed;
        uint256 unitsLeft;
        uint256 valueLeft;
    }

    /// @notice The unit price in force from `since` on.
    struct PricePoint {
        uint256 price;
        uint64 since;
    }

    /// @notice What a community redeemed: units, money released and number of redemptions.
    struct CommunityTotals {
        uint256 units;
        uint256 amount;
        uint256 redemptions;
    }

    /// @notice What a node was paid: units redeemed to it, money credited to its contributors, number of
    /// redemptions, and its total stake when last credited.
    struct NodeTotals {
        uint256 units;
        uint256 operatorsAmount;
        uint256 redemptions;
        uint256 stake;
    }

    /// @notice Where the money held by this contract belongs.
    /// @param escrowed Unredeemed units of unswept vouchers (expired or not).
    /// @param operatorsOwed Credited to nodes and not yet claimed (rounding dust included).
    /// @param poolOwed Owed to the reward-pool recipient.
    /// @param treasuryOwed Owed to the treasury recipient.
    struct Accounting {
        uint256 escrowed;
        uint256 operatorsOwed;
        uint256 poolOwed;
        uint256 treasuryOwed;
    }

    // ---------------------------------------------------------------- errors

    /// @notice An address argument is zero or otherwise unusable here.
    error VoucherInvalidAddress(address account);
    /// @notice The number of units is zero or above the per-voucher maximum.
    error VoucherUnitsOutOfRange(uint256 units, uint256 maximum);
    /// @notice The voucher's price (`units × unitPrice`) does not fit the contract's accounting.
    error VoucherAmountTooLarge(uint256 amount, uint256 maximum);
    /// @notice The unit price is above the most the buyer accepted; buy again at the current price.
    error VoucherPriceAboveLimit(uint256 unitPrice, uint256 maxUnitPrice);
    /// @notice No voucher has this id.
    error VoucherNotFound(uint256 voucherId);
    /// @notice Vouchers cannot be transferred; the buyer moves one once with {assign}.
    error VoucherNonTransferable(uint256 voucherId);
    /// @notice Vouchers cannot be approved for transfer.
    error VoucherApprovalsDisabled();
    /// @notice The caller does not hold the voucher.
    error VoucherCallerNotOwner(uint256 voucherId, address caller, address owner);
    /// @notice The voucher was already assigned to a community and can never move again.
    error VoucherAlreadyAssigned(uint256 voucherId, address community);
    /// @notice The voucher must be assigned to a community before it is redeemed.
    error VoucherNotAssigned(uint256 voucherId);
    /// @notice The voucher expired at `expiresAt`: it can no longer be assigned or redeemed.
    error VoucherExpired(uint256 voucherId, uint256 expiresAt);
    /// @notice Fewer units are left on the voucher than requested.
    error VoucherInsufficientUnits(uint256 voucherId, uint256 requested, uint256 left);
    /// @notice Units can only be redeemed to a node that is Active in the staking contract.
    error VoucherNodeNotActive(uint64 nodeId, uint8 state);
    /// @notice The redemption authorization's deadline has passed; ask the community for a new one.
    error VoucherAuthorizationExpired(uint256 deadline, uint256 nowTime);
    /// @notice The community already used or cancelled this nonce.
    error VoucherNonceUsed(address community, uint256 nonce);
    /// @notice The signature is not the voucher owner's over this authorization.
    error VoucherInvalidSignature(uint256 voucherId, address community);
    /// @notice The account has nothing to claim from these nodes.
    error VoucherNothingToClaim(address account);
    /// @notice None of the vouchers given can be swept now (not expired, already swept or used up).
    error VoucherNothingToSweep();
    /// @notice No network money is waiting to be withdrawn.
    error VoucherNothingToWithdraw();
    /// @notice A setting is outside its bounds.
    error VoucherSettingOutOfBounds(uint256 value, uint256 minimum, uint256 maximum);
    /// @notice Shares must add up to 10,000 basis points, the operators' share within
    /// [{MIN_OPERATOR_SHARE_BPS}, {MAX_OPERATOR_SHARE_BPS}] and the treasury's at most
    /// {MAX_TREASURY_SHARE_BPS}.
    error VoucherInvalidShares(uint256 operatorBps, uint256 poolBps, uint256 treasuryBps);
    /// @notice A page of more than {MAX_PAGE} entries was requested.
    error VoucherPageTooLarge(uint256 limit, uint256 maximum);

    // ---------------------------------------------------------------- events

    /// @notice `buyer` bought voucher `voucherId`: `units` at `unitPrice`, `amount` paid in total.
    event VoucherBought(
        uint256 indexed voucherId,
        address indexed buyer,
        uint256 units,
        uint256 unitPrice,
        uint256 amount,
        uint64 expiresAt
    );
    /// @notice The buyer assigned the voucher to a community's owner; it is locked there for good.
    event VoucherAssigned(uint256 indexed voucherId, address indexed buyer, address indexed community);
    /// @notice `units` of the voucher were released to node `nodeId`; `amount` was split into the
    /// operators', pool and treasury parts.
    event VoucherRedeemed(
        uint256 indexed voucherId,
        address indexed community,
        uint64 indexed nodeId,
        uint256 units,
        uint256 amount,
        uint256 operatorsAmount,
        uint256 poolAmount,
        uint256 treasuryAmount
    );
    /// @notice A signed redemption authorization of `community` was used by `submitter`.
    event AuthorizationUsed(address indexed community, uint256 indexed nonce, address indexed submitter);
    /// @notice The community cancelled a nonce; authorizations carrying it can no longer be used.
    event AuthorizationCancelled(address indexed community, uint256 indexed nonce);
    /// @notice An expired voucher's `units` left (worth `amount`) went to the network.
    event VoucherSwept(
        uint256 indexed voucherId,
        uint256 units,
        uint256 amount,
        uint256 poolAmount,
        uint256 treasuryAmount
    );
    /// @notice `account` claimed `amount` of what node `nodeId` earned.
    event EarningsClaimed(uint64 indexed nodeId, address indexed account, uint256 amount);
    /// @notice The network's money was paid to its recipients.
    event NetworkWithdrawn(
        address indexed poolRecipient,
        uint256 poolAmount,
        address indexed treasuryRecipient,
        uint256 treasuryAmount
    );
    /// @notice The unit price for future purchases changed.
    event UnitPriceUpdated(uint256 oldPrice, uint256 newPrice);
    /// @notice The bounds of the unit price changed.
    event PriceBoundsUpdated(uint256 minPrice, uint256 maxPrice);
    /// @notice The split of redeemed money changed (basis points).
    event SharesUpdated(uint256 operatorBps, uint256 poolBps, uint256 treasuryBps);
    /// @notice The validity of vouchers bought from now on changed (seconds).
    event ValidityUpdated(uint256 oldValidity, uint256 newValidity);
    /// @notice The recipients of the network's money changed.
    event NetworkRecipientsUpdated(address indexed poolRecipient, address indexed treasuryRecipient);

    // ---------------------------------------------------------------- buyers

    /// @notice Buys a voucher of `units` at the current unit price, with a prior allowance of
    /// `units × unitPrice()`. The voucher is minted to the caller, locked, and expires after
    /// {validity}.
    /// @param maxUnitPrice The highest unit price the buyer accepts (guards against a price change
    /// between signing and inclusion).
    /// @return voucherId The new voucher's id (ids start at 1).
    function buy(uint256 units, uint256 maxUnitPrice) external returns (uint256 voucherId);

    /// @notice {buy} in one transaction: the ERC-2612 permit is applied first. A permit that fails
    /// (front-run, already used, or a token without permit) is ignored if the allowance suffices.
    function buyWithPermit(
        uint256 units,
        uint256 maxUnitPrice,
        Permit calldata permit
    ) external returns (uint256 voucherId);

    /// @notice Moves the caller's unassigned, unexpired voucher to `community` (the community owner's
    /// address, which may be the caller itself). Only once; the voucher never moves again.
    function assign(uint256 voucherId, address community) external;

    // ---------------------------------------------------------------- communities

    /// @notice Releases `units` of the caller's assigned voucher to the Active node `nodeId` that served
    /// the community.
    function redeem(uint256 voucherId, uint64 nodeId, uint256 units) external;

    /// @notice {redeem} authorized by the community owner's EIP-712 signature (or ERC-1271 for a
    /// contract owner); anyone may submit it. The nonce is used up.
    function redeemWithAuthorization(
        RedemptionAuthorization calldata authorization,
        bytes calldata signature
    ) external;

    /// @notice Cancels one of the caller's nonces so that no authorization carrying it can be used.
    function cancelAuthorization(uint256 nonce) external;

    // ---------------------------------------------------------------- node contributors

    /// @notice Pays the caller its part of what node `nodeId` earned (fee and stake share).
    /// @return amount The payment-token amount paid.
    function claimEarnings(uint64 nodeId) external returns (uint256 amount);

    /// @notice {claimEarnings} for several nodes in one transaction; nodes with nothing to claim are
    /// skipped.
    function claimEarningsBatch(uint64[] calldata nodeIds) external returns (uint256 amount);

    // ---------------------------------------------------------------- anyone

    /// @notice Sends the unredeemed money of expired vouchers to the network. Vouchers that cannot be
    /// swept (not expired, already swept, used up, unknown) are skipped.
    /// @return amount The total moved to the network.
    function sweepExpired(uint256[] calldata voucherIds) external returns (uint256 amount);

    /// @notice Pays what the network is owed to the reward-pool and treasury recipients.
    function withdrawNetwork() external returns (uint256 poolAmount, uint256 treasuryAmount);

    // ---------------------------------------------------------------- governance

    /// @notice Sets the unit price for future purchases, within the bounds (PRICE_SETTER_ROLE).
    function setUnitPrice(uint256 price) external;

    /// @notice Sets the bounds of the unit price; the current price must lie within (admin).
    function setPriceBounds(uint256 minPrice, uint256 maxPrice) external;

    /// @notice Sets the split of money redeemed from now on, in basis points (admin).
    function setShares(uint256 operatorBps, uint256 poolBps, uint256 treasuryBps) external;

    /// @notice Sets how long vouchers bought from now on stay valid, in seconds (admin).
    function setValidity(uint256 validity) external;

    /// @notice Sets who receives the network's money; what is owed and not yet withdrawn goes to the new
    /// recipients (admin).
    function setNetworkRecipients(address poolRecipient, address treasuryRecipient) external;

    // ---------------------------------------------------------------- views

    /// @notice A voucher by id.
    function getVoucher(uint256 voucherId) external view returns (VoucherView memory);

    /// @notice Units of the voucher that can still be redeemed now (0 once expired or swept).
    function unitsLeft(uint256 voucherId) external view returns (uint256);

    /// @notice When the voucher expires (seconds since the epoch).
    function expiryOf(uint256 voucherId) external view returns (uint64);

    /// @notice The ids of vouchers held by `owner` among ids `startId` to `startId + limit - 1`
    /// (`limit` <= {MAX_PAGE}). A scan, for wallets without an indexer; indexers follow `Transfer`.
    /// @return voucherIds The vouchers found. @return nextId The id to continue from (0 when done).
    function vouchersOf(
        address owner,
        uint256 startId,
        uint256 limit
    ) external view returns (uint256[] memory voucherIds, uint256 nextId);

    /// @notice The number of vouchers ever bought (the highest id).
    function voucherCount() external view returns (uint256);

    /// @notice Price history entries from index `start` on, at most `limit` (<= {MAX_PAGE}).
    function priceHistory(uint256 start, uint256 limit) external view returns (PricePoint[] memory);

    /// @notice The number of entries in the price history (the first is the initial price).
    function priceHistoryLength() external view returns (uint256);

    /// @notice What `community` has redeemed in total.
    function communityTotals(address community) external view returns (CommunityTotals memory);

    /// @notice What node `nodeId` was paid in total.
    function nodeTotals(uint64 nodeId) external view returns (NodeTotals memory);

    /// @notice What {claimEarnings} would pay `account` for node `nodeId` now.
    function claimableEarnings(uint64 nodeId, address account) external view returns (uint256);

    /// @notice Whether `community` used or cancelled `nonce`.
    function nonceUsed(address community, uint256 nonce) external view returns (bool);

    /// @notice The EIP-712 digest a community owner signs for `authorization`.
    function redemptionDigest(RedemptionAuthorization calldata authorization) external view returns (bytes32);

    /// @notice Where the money held by this contract belongs.
    function accounting() external view returns (Accounting memory);

    /// @notice The current unit price, in payment-token base units per unit.
    function unitPrice() external view returns (uint256);

    /// @notice The bounds of the unit price.
    function priceBounds() external view returns (uint256 minPrice, uint256 maxPrice);

    /// @notice How long vouchers bought now stay valid, in seconds.
    function validity() external view returns (uint256);

    /// @notice The current split of redeemed money, in basis points.
    function shares() external view returns (uint256 operatorBps, uint256 poolBps, uint256 treasuryBps);

    /// @notice Who receives the network's money.
    function networkRecipients() external view returns (address poolRecipient, address treasuryRecipient);

    /// @notice The payment token.
    function paymentToken() external view returns (address);

    /// @notice The staking contract whose Active nodes can be paid.
    function staking() external view returns (address);

    /// @notice The EIP-712 type hash of {RedemptionAuthorization}.
    function REDEMPTION_TYPEHASH() external view returns (bytes32);

    /// @notice The role that may set the unit price within its bounds.
    function PRICE_SETTER_ROLE() external view returns (bytes32);

    /// @notice Bounds of the shares, in basis points: operators 30% to 60%, treasury at most 20%.
    function MIN_OPERATOR_SHARE_BPS() external view returns (uint256);
    function MAX_OPERATOR_SHARE_BPS() external view returns (uint256);
    function MAX_TREASURY_SHARE_BPS() external view returns (uint256);

    /// @notice Bounds of the validity: 30 to 730 days.
    function MIN_VALIDITY() external view returns (uint256);
    function MAX_VALIDITY() external view returns (uint256);

    /// @notice The most units one voucher can carry.
    function MAX_UNITS_PER_VOUCHER() external view returns (uint256);

    /// @notice The most entries a paged view returns.
    function MAX_PAGE() external view returns (uint256);
}
