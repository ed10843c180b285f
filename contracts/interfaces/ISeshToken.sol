// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title ISeshToken
/// @notice SESH: an ERC-20 with ERC-2612 permit and 9 decimals. The whole supply of 240,000,000 SESH is
/// minted once, at deployment; there is no mint function.
interface ISeshToken is IERC20Metadata, IERC20Permit {
    /// @notice The recipient of the supply is the zero address.
    error SeshTokenZeroRecipient();

    /// @notice The fixed total supply: 240,000,000 SESH with 9 decimals.
    function TOTAL_SUPPLY() external view returns (uint256);
}
