// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice A worthless stand-in for a USD stablecoin on local and test networks: 6 decimals like USDC,
/// ERC-2612 permit, and a public faucet. Never deploy it on a public network as a payment token.
contract TestStablecoin is ERC20Permit {
    /// @notice The most one faucet call mints: 10,000 test dollars.
    uint256 public constant FAUCET_CAP = 10_000 * 1e6;

    /// @notice A faucet call asked for more than {FAUCET_CAP}; ask for less, or call again.
    error TestStablecoinFaucetCapExceeded(uint256 amount, uint256 cap);

    /// @notice `amount` was minted from the faucet to `to`.
    event FaucetUsed(address indexed to, uint256 amount);

    constructor() ERC20("Test USD (no value)", "tUSD") ERC20Permit("Test USD (no value)") {}

    /// @notice 6 decimals, as USDC has.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints up to {FAUCET_CAP} to the caller.
    function faucet(uint256 amount) external {
        _faucet(msg.sender, amount);
    }

    /// @notice Mints up to {FAUCET_CAP} to `to` (for scripts funding local accounts).
    function faucetTo(address to, uint256 amount) external {
        _faucet(to, amount);
    }

    function _faucet(address to, uint256 amount) private {
        if (amount > FAUCET_CAP) revert TestStablecoinFaucetCapExceeded(amount, FAUCET_CAP);
        _mint(to, amount);
        emit FaucetUsed(to, amount);
    }
}
