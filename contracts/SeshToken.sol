// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ISeshToken} from "./interfaces/ISeshToken.sol";

/// @title SeshToken
/// @notice The SESH token: fixed supply, 9 decimals, ERC-2612 permit.
contract SeshToken is ERC20Permit, ISeshToken {
    /// @inheritdoc ISeshToken
    uint256 public constant TOTAL_SUPPLY = 240_000_000 * 1e9;

    /// @param recipient Receives the whole supply.
    constructor(address recipient) ERC20("Session Token", "SESH") ERC20Permit("Session Token") {
        if (recipient == address(0)) revert SeshTokenZeroRecipient();
        _mint(recipient, TOTAL_SUPPLY);
    }

    /// @notice 9 decimals, as SESH has.
    function decimals() public pure override(ERC20, IERC20Metadata) returns (uint8) {
        return 9;
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }
}
