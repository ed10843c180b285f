// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRewardRatePool} from "./interfaces/IRewardRatePool.sol";
import {IServiceNodeStaking} from "./interfaces/IServiceNodeStaking.sol";
import {RewardRate} from "./libraries/RewardRate.sol";

/// @title RewardRatePool
/// @notice The SESH reward reserve. Releases 15.1% a year of its balance (simple rate, compounded by
/// frequent releases) to the staking contract, which shares it among Active nodes.
/// @dev Created by the ServiceNodeStaking constructor, which it then serves for good.
contract RewardRatePool is IRewardRatePool {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRewardRatePool
    uint256 public constant ANNUAL_RATE_PER_MILLE = RewardRate.ANNUAL_RATE_PER_MILLE;

    IERC20 private immutable _token;
    IServiceNodeStaking private immutable _staking;

    /// @param token_ The SESH token. The creator is the staking contract.
    constructor(address token_) {
        if (token_ == address(0)) revert RewardPoolZeroAddress();
        _token = IERC20(token_);
        _staking = IServiceNodeStaking(msg.sender);
    }

    /// @inheritdoc IRewardRatePool
    /// @dev The staking contract computes the amount (it holds the release time) and emits the event.
    function release() external returns (uint256 amount) {
        amount = _staking.recordRelease(_token.balanceOf(address(this)));
        if (amount != 0) _token.safeTransfer(address(_staking), amount);
    }

    /// @inheritdoc IRewardRatePool
    function forwardForeignToken(address token_) external returns (uint256 amount) {
        if (token_ == address(_token)) revert RewardPoolCannotForwardSesh();
        (address admin, ) = _staking.admin();
        if (msg.sender != admin) revert RewardPoolUnauthorized(msg.sender);
        amount = IERC20(token_).balanceOf(address(this));
        emit ForeignTokenForwarded(token_, admin, amount);
        IERC20(token_).safeTransfer(admin, amount);
    }

    /// @inheritdoc IRewardRatePool
    function releasable() external view returns (uint256 amount) {
        (amount, ) = _staking.pendingRelease(_token.balanceOf(address(this)));
    }

    /// @inheritdoc IRewardRatePool
    function lastReleaseAt() external view returns (uint64 at) {
        (, at) = _staking.pendingRelease(0);
    }

    /// @inheritdoc IRewardRatePool
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRewardRatePool
    function staking() external view returns (address) {
        return address(_staking);
    }
}
