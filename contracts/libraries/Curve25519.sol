// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Curve25519
/// @notice Maps an Ed25519 public key to the X25519 public key of the same secret (the Montgomery
/// u-coordinate of the point), as libsodium's `crypto_sign_ed25519_pk_to_curve25519` does:
/// `u = (1 + y) / (1 - y) mod p` with `p = 2^255 - 19`, where `y` is the Edwards y-coordinate.
/// Keys are the raw 32-byte encodings (little-endian field elements) held in a bytes32.
library Curve25519 {
    uint256 internal constant P = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed;

    /// @notice The X25519 key for `edKey`; `ok` is false if `edKey` is not a canonical y-coordinate or
    /// maps to no Montgomery point (y = 1, the neutral element).
    function toMontgomery(bytes32 edKey) internal view returns (bytes32 xKey, bool ok) {
        // The top bit of the last byte holds the sign of x; y is the remaining 255 bits.
        uint256 y = _reverseBytes(uint256(edKey)) & ((1 << 255) - 1);
        if (y >= P || y == 1) return (bytes32(0), false);
        uint256 denominator = addmod(1, P - y, P);
        uint256 u = mulmod(addmod(1, y, P), _modInverse(denominator), P);
        return (bytes32(_reverseBytes(u)), true);
    }

    /// @dev Fermat inversion through the modexp precompile (EIP-198): about 1,400 gas.
    function _modInverse(uint256 value) private view returns (uint256 result) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), 0x20)
            mstore(add(ptr, 0x40), 0x20)
            mstore(add(ptr, 0x60), value)
            mstore(add(ptr, 0x80), sub(P, 2))
            mstore(add(ptr, 0xa0), P)
            if iszero(staticcall(gas(), 0x05, ptr, 0xc0, ptr, 0x20)) {
                revert(0, 0)
            }
            result := mload(ptr)
        }
    }

    /// @dev Reverses the byte order of a 256-bit word (little-endian <-> big-endian).
    function _reverseBytes(uint256 v) private pure returns (uint256) {
        v =
            ((v & 0xFF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00) >> 8) |
            ((v & 0x00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF) << 8);
        v =
            ((v & 0xFFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000) >> 16) |
            ((v & 0x0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF) << 16);
        v =
            ((v & 0xFFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000) >> 32) |
            ((v & 0x00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF) << 32);
        v =
            ((v & 0xFFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF0000000000000000) >> 64) |
            ((v & 0x0000000000000000FFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF) << 64);
        return (v >> 128) | (v << 128);
    }
}
