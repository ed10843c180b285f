// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SeshToken} from "../../contracts/SeshToken.sol";
import {ServiceNodeStaking} from "../../contracts/ServiceNodeStaking.sol";
import {RewardRatePool} from "../../contracts/RewardRatePool.sol";
import {IServiceNodeStaking} from "../../contracts/interfaces/IServiceNodeStaking.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";

/// @notice Deploys the staking system as the Ignition module does, and registers nodes with valid keys.
abstract contract StakingFixture {
    Vm internal constant vm = Vm(VM_ADDRESS);
    uint256 internal constant SESH = 1e9;
    uint256 internal constant REQUIREMENT = 25_000 * SESH;

    SeshToken internal token;
    ServiceNodeStaking internal staking;
    RewardRatePool internal pool;
    uint256 private _keyNonce;

    function _deploy() internal {
        vm.warp(1_700_000_000);
        token = new SeshToken(address(this));
        staking = new ServiceNodeStaking(address(token), address(this), REQUIREMENT, 14 days, 20);
        pool = RewardRatePool(staking.rewardPool());
        token.transfer(address(pool), 40_000_000 * SESH);
    }

    /// @dev A fresh identity key: any canonical y-coordinate other than 1 maps to an onion key.
    function _edKey() internal returns (bytes32 key) {
        key = keccak256(abi.encode("node key", ++_keyNonce)) & bytes32(uint256(type(uint248).max));
    }

    function _registration(
        uint256 amount,
        uint16 feeBps
    ) internal returns (IServiceNodeStaking.Registration memory r) {
        r.ed25519Key = _edKey();
        r.x25519Key = staking.onionKeyOf(r.ed25519Key);
        r.endpoint = "203.0.113.7:22021";
        r.signature = new bytes(64);
        r.feeBps = feeBps;
        r.amount = amount;
    }

    function _fund(address account, uint256 amount) internal {
        token.transfer(account, amount);
        vm.prank(account);
        token.approve(address(staking), type(uint256).max);
    }

    function _register(address operator, uint256 amount, uint16 feeBps) internal returns (uint64 nodeId) {
        IServiceNodeStaking.Registration memory r = _registration(amount, feeBps);
        vm.prank(operator);
        nodeId = staking.registerNode(r);
    }
}
