// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRewardRatePool
/// @notice Holds the SESH reward reserve and releases it to the staking contract at a simple annual
/// rate of 15.1% of its balance: `balance × 151 × elapsed / (1000 × 365 days)` since the last release.
/// Frequent releases compound to about 14% a year. Anyone may call {release}; it is cheap on purpose:
/// the staking contract keeps the release time in the word it updates anyway for its reward
/// accumulator, and the pool is created by the staking contract's constructor so that each knows the
/// other as an immutable: a release reads and writes no storage of the pool's own.
interface IRewardRatePool {
    /// @notice An address argument is zero.
    error RewardPoolZeroAddress();
    /// @notice SESH is the reserve itself: it leaves only through {release}.
    error RewardPoolCannotForwardSesh();
    /// @notice Only the staking contract's admin can forward other tokens.
    error RewardPoolUnauthorized(address caller);

    /// @notice A token other than SESH held by the pool was forwarded to the admin.
    event ForeignTokenForwarded(address indexed token, address indexed to, uint256 amount);

    /// @notice Releases what accrued since the last release to the staking contract.
    /// @return amount The SESH released (0 if nothing accrued).
    function release() external returns (uint256 amount);

    /// @notice Sends the pool's whole balance of a token other than SESH to the staking contract's admin.
    /// The community vouchers pay their reward-pool share here in a stablecoin; governance converts it
    /// into SESH and adds that to the reserve.
    function forwardForeignToken(address token) external returns (uint256 amount);

    /// @notice What {release} would release now.
    function releasable() external view returns (uint256);

    /// @notice The time the next release counts from: the last release, or the latest activation of a node
    /// while none was Active if that is later (the deployment time before either).
    function lastReleaseAt() external view returns (uint64);

    /// @notice The annual rate per mille: 151.
    function ANNUAL_RATE_PER_MILLE() external view returns (uint256);

    /// @notice The SESH token.
    function token() external view returns (address);

    /// @notice The staking contract that receives the releases.
    function staking() external view returns (address);
}
