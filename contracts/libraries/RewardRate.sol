// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RewardRate
/// @notice The reward pool's release rule: `balance × 151 × elapsed / (1000 × 365 days)`, a 15.1% simple
/// annual rate on the pool balance (about 14% a year once compounded by frequent releases).
library RewardRate {
    uint256 internal constant ANNUAL_RATE_PER_MILLE = 151;
    uint256 internal constant YEAR = 365 days;

    /// @notice What a pool holding `balance` releases over `elapsed` seconds (never more than it holds).
    function releasable(uint256 balance, uint256 elapsed) internal pure returns (uint256) {
        uint256 amount = (balance * ANNUAL_RATE_PER_MILLE * elapsed) / (1000 * YEAR);
        return amount > balance ? balance : amount;
    }
}
