// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ICommunityVouchers} from "./interfaces/ICommunityVouchers.sol";

// JSON and SVG fragments read best in single quotes, which is also how the formatter writes them.
// solhint-disable quotes

/// @title VoucherMetadataRenderer
/// @notice Renders a community voucher's ERC-721 metadata on-chain: a base64 JSON data URI with an SVG
/// card, so wallets show the voucher (units left, expiry, community, status) without any server.
/// @dev Created by {CommunityVouchers} in its constructor; stateless and pure.
contract VoucherMetadataRenderer {
    /// @notice The `data:application/json;base64,...` URI of `voucher`; amounts in whole tokens of
    /// `decimals` decimals.
    function tokenURI(
        ICommunityVouchers.VoucherView calldata voucher,
        uint8 decimals
    ) external pure returns (string memory) {
        string memory id = Strings.toString(voucher.id);
        string memory status = _status(voucher);
        string memory json = string.concat(
            '{"name":"SESH Community Voucher #',
            id,
            '","description":"Prepaid relay capacity for a community on SESH Network. Non-transferable.",',
            '"image":"data:image/svg+xml;base64,',
            Base64.encode(bytes(_svg(id, voucher, status))),
            '","attributes":',
            _attributes(voucher, status, decimals),
            "}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    function _status(ICommunityVouchers.VoucherView calldata voucher) private pure returns (string memory) {
        if (voucher.swept) return "Swept";
        if (voucher.expired) return "Expired";
        if (voucher.unitsLeft == 0) return "Used up";
        return voucher.assigned ? "Assigned" : "Unassigned";
    }

    function _attributes(
        ICommunityVouchers.VoucherView calldata voucher,
        string memory status,
        uint8 decimals
    ) private pure returns (string memory) {
        string memory head = string.concat(
            '[{"trait_type":"Units left","value":',
            Strings.toString(voucher.unitsLeft),
            '},{"trait_type":"Units","value":',
            Strings.toString(voucher.units),
            '},{"trait_type":"Unit price","value":"',
            _formatAmount(voucher.unitPrice, decimals),
            '"},{"display_type":"date","trait_type":"Expires","value":',
            Strings.toString(voucher.expiresAt)
        );
        return
            string.concat(
                head,
                '},{"trait_type":"Community","value":"',
                voucher.assigned ? Strings.toHexString(voucher.owner) : "unassigned",
                '"},{"trait_type":"Status","value":"',
                status,
                '"}]'
            );
    }

    function _svg(
        string memory id,
        ICommunityVouchers.VoucherView calldata voucher,
        string memory status
    ) private pure returns (string memory) {
        return
            string.concat(
                '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="200" viewBox="0 0 360 200">',
                '<rect width="360" height="200" rx="16" fill="#0b1f2a"/>',
                '<text x="24" y="44" fill="#7fe3c4" font-family="monospace" font-size="18">SESH Community Voucher</text>',
                '<text x="24" y="76" fill="#ffffff" font-family="monospace" font-size="14">#',
                id,
                '</text><text x="24" y="116" fill="#ffffff" font-family="monospace" font-size="22">',
                Strings.toString(voucher.unitsLeft),
                " / ",
                Strings.toString(voucher.units),
                ' units</text><text x="24" y="160" fill="#9bb0bb" font-family="monospace" font-size="13">',
                status,
                "</text></svg>"
            );
    }

    /// @dev A base-unit amount in whole tokens, e.g. 1500000 -> "1.5" with 6 decimals.
    function _formatAmount(uint256 amount, uint8 decimals) private pure returns (string memory) {
        uint256 scale = 10 ** uint256(decimals);
        uint256 whole = amount / scale;
        uint256 fraction = amount % scale;
        if (fraction == 0) return Strings.toString(whole);
        // "1" followed by exactly `decimals` digits, the fraction's leading zeros included.
        bytes memory digits = bytes(Strings.toString(fraction + scale));
        uint256 end = digits.length;
        while (digits[end - 1] == "0") --end;
        bytes memory trimmed = new bytes(end - 1);
        for (uint256 i = 1; i < end; ++i) trimmed[i - 1] = digits[i];
        return string.concat(Strings.toString(whole), ".", string(trimmed));
    }
}
