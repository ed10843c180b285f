// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRewardRatePool} from "./interfaces/IRewardRatePool.sol";
import {IServiceNodeStaking} from "./interfaces/IServiceNodeStaking.sol";

/// @title RewardRatePool
/// @notice The SESH reward reserve. Releases 15.1% a year of its balance (simple rate, compounded by
/// frequent releases) to the staking contract, which shares it among Active nodes.
contract RewardRatePool is IRewardRatePool {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRewardRatePool
    uint256 public constant ANNUAL_RATE_PER_MILLE = 151;
    uint256 private constant _YEAR = 365 days;

    IERC20 private immutable _token;
    IServiceNodeStaking private immutable _staking;
    uint64 private _lastReleaseAt;

    /// @param token_ The SESH token.
    /// @param staking_ The staking contract that receives releases.
    constructor(address token_, address staking_) {
        if (token_ == address(0) || staking_ == address(0)) revert RewardPoolZeroAddress();
        _token = IERC20(token_);
        _staking = IServiceNodeStaking(staking_);
        _lastReleaseAt = uint64(block.timestamp);
    }

    /// @inheritdoc IRewardRatePool
    function release() external returns (uint256 amount) {
        uint256 elapsed = block.timestamp - _lastReleaseAt;
        if (elapsed == 0) return 0;
        uint256 balance = _token.balanceOf(address(this));
        amount = _releasable(balance, elapsed);
        _lastReleaseAt = uint64(block.timestamp);
        emit RewardsReleased(amount, elapsed, balance);
        if (amount != 0) {
            _token.safeTransfer(address(_staking), amount);
            _staking.notifyRewardsReleased(amount);
        }
    }

    /// @inheritdoc IRewardRatePool
    function releasable() external view returns (uint256) {
        return _releasable(_token.balanceOf(address(this)), block.timestamp - _lastReleaseAt);
    }

    /// @inheritdoc IRewardRatePool
    function lastReleaseAt() external view returns (uint64) {
        return _lastReleaseAt;
    }

    /// @inheritdoc IRewardRatePool
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRewardRatePool
    function staking() external view returns (address) {
        return address(_staking);
    }

    function _releasable(uint256 balance, uint256 elapsed) private pure returns (uint256) {
        uint256 amount = balance * ANNUAL_RATE_PER_MILLE * elapsed / (1000 * _YEAR);
        return amount > balance ? balance : amount;
    }
}
