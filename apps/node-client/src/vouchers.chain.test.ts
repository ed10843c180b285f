/**
 * The operator's side of community vouchers, on a real local chain: a community buys a voucher and
 * signs a redemption for a node; the operator submits it with `sesh-node redeem`, sees the earnings in
 * `sesh-node status` and collects them with `sesh-node claim`.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatTokenAmount, type RedemptionAuthorization } from "@sesh/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addresses,
  anvilKeys,
  fundSesh,
  REQUIREMENT,
  startTestChain,
  type TestChain,
} from "./_test/chain.ts";
import { runCli } from "./_test/cli.ts";
import { tempDir } from "./_test/common.ts";

const operator = privateKeyToAccount(anvilKeys[1]!);
const community = privateKeyToAccount(anvilKeys[6]!);
const OPERATOR_ENV = { SESH_OPERATOR_KEY: anvilKeys[1]! };
const BIN = fileURLToPath(new URL("../bin/sesh-node.js", import.meta.url));

describe("voucher earnings through sesh-node (local chain)", () => {
  let chain: TestChain;
  let root: Awaited<ReturnType<typeof tempDir>>;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let nodeId: bigint;
  let authorization: RedemptionAuthorization;
  let file: string;
  const tusd = (value: bigint) => formatTokenAmount(value, 6, { symbol: "tUSD" });

  async function cli(argv: string[], extraEnv: NodeJS.ProcessEnv = {}) {
    const { code, out, err } = await runCli(argv, { ...env, ...extraEnv });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  async function authorizationFile(name: string, content: unknown): Promise<string> {
    const path = join(root.path, name);
    await writeFile(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return path;
  }

  beforeAll(async () => {
    chain = await startTestChain();
    root = await tempDir("sesh-vouchers-");
    env = { SESH_NODE_REGISTRY_RPC_URL: chain.url, SESH_NODE_LOG_LEVEL: "silent" };
    dataDir = join(root.path, "node");
    const init = await cli(["init", "--data-dir", dataDir, "--endpoint", "127.0.0.1:7460"]);
    expect(init.code, init.err).toBe(0);
    await fundSesh(chain, operator.address, REQUIREMENT);
    const register = await cli(["register", "--data-dir", dataDir, "--fee-bps", "1000"], OPERATOR_ENV);
    expect(register.code, register.err).toBe(0);
    nodeId = BigInt(/Node #(\d+) is Active/.exec(register.out)![1]!);
    // The community buys 100 units at 1.00 tUSD, keeps the voucher and signs 40 units over to the node.
    const buyer = chain.client(community);
    await buyer.mintTestStablecoin({ amount: 100_000_000n });
    const { voucherId } = await buyer.buyVouchers({ units: 100n });
    await buyer.assignVoucher({ voucherId: voucherId, community: community.address });
    authorization = await buyer.signRedemption({ voucherId: voucherId, nodeId, units: 40n });
    file = await authorizationFile("authorization.json", authorization);
  });

  afterAll(async () => {
    await chain?.stop();
    await root?.cleanup();
  });

  it("status says the node has no voucher earnings before any redemption", async () => {
    const status = await cli(["status", "--data-dir", dataDir, "--relay-url", "http://127.0.0.1:9"]);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(
      /voucher earnings +none yet: communities pay a node by redeeming vouchers to it/,
    );
    // No relay runs: the hint points at the port the node is registered with.
    expect(status.out).toMatch(
      /reachable +no \(fetch failed\); the node is registered at 127\.0\.0\.1:7460: if the relay listens on port 7460, give --listen 127\.0\.0\.1:7460 or --relay-url http:\/\/127\.0\.0\.1:7460/,
    );
  });

  it("redeem refuses, before sending anything, an authorization that is malformed or not for this node or network", async () => {
    const garbled = await authorizationFile("garbled.json", {
      ...authorization,
      units: 40,
      signature: "0x12",
    });
    const bad = await cli(["redeem", garbled], OPERATOR_ENV);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      `sesh-node redeem: ${garbled} does not hold a usable redemption authorization:\n  - units must be a whole number in quotes.\n  - signature must be 0x followed by 130 hex characters (a 65-byte signature).`,
    );
    const notJson = await cli(
      ["redeem", await authorizationFile("note.txt", "see you tomorrow")],
      OPERATOR_ENV,
    );
    expect(notJson.err).toMatch(/This is not an authorization: it has no \{ … \} in it/);
    const otherChain = await cli(
      ["redeem", await authorizationFile("sepolia.json", { ...authorization, chainId: 421614 })],
      OPERATOR_ENV,
    );
    expect([otherChain.code, otherChain.err]).toEqual([
      1,
      expect.stringMatching(
        /is for chain 421614, but sesh-node is set to chain 31337; submit it with --chain-id 421614/,
      ),
    ]);
    const otherContract = await cli(
      [
        "redeem",
        await authorizationFile("other.json", { ...authorization, verifyingContract: addresses.seshToken }),
      ],
      OPERATOR_ENV,
    );
    expect(otherContract.err).toMatch(
      /is for the vouchers contract 0x[0-9a-fA-F]{40}, but this deployment's is/,
    );
    const stranger = join(root.path, "stranger");
    expect((await cli(["init", "--data-dir", stranger, "--endpoint", "127.0.0.1:7461"])).code).toBe(0);
    const wrongNode = await cli(["redeem", file, "--data-dir", stranger], OPERATOR_ENV);
    expect(wrongNode.err).toMatch(
      new RegExp(`pays node #${nodeId}, but the node in ${stranger} is not registered; ask the community`),
    );
    const chainNow = (await chain.publicClient.getBlock()).timestamp;
    const expired = await chain.client(community).signRedemption({
      voucherId: BigInt(authorization.voucherId),
      nodeId,
      units: 1n,
      deadline: chainNow - 60n,
      check: false,
    });
    const late = await cli(["redeem", await authorizationFile("expired.json", expired)], OPERATOR_ENV);
    expect([late.code, late.err]).toEqual([
      1,
      expect.stringMatching(
        /the authorization expired at \d{4}-\d\d-\d\d [\d:]+ UTC \(.* ago\); ask the community for a new one/,
      ),
    ]);
    const notNode = await cli(["redeem", file, "--data-dir", root.path], OPERATOR_ENV);
    expect(notNode.err).toMatch(
      new RegExp(
        `--data-dir ${root.path} is not a node's data directory \\(.*identity\\.key not found\\); give the directory sesh-node init created, or leave out --data-dir`,
      ),
    );
    const directory = await cli(["redeem", root.path], OPERATOR_ENV);
    expect([directory.code, directory.err]).toEqual([
      1,
      `sesh-node redeem: ${root.path} is a directory; give the file that holds the authorization`,
    ]);
    const missing = await cli(["redeem", join(root.path, "nope.json")], OPERATOR_ENV);
    expect(missing.err).toMatch(/nope\.json: it \(or a directory above it\) does not exist/);
    const usage = await cli(["redeem"], OPERATOR_ENV);
    expect([usage.code, usage.err]).toEqual([
      2,
      expect.stringMatching(/give one file with the authorization/),
    ]);
    // Nothing was redeemed.
    expect(
      (await chain.client().getVoucher({ voucherId: BigInt(authorization.voucherId) })).unitsRedeemed,
    ).toBe(0n);
  });

  it("redeem submits the authorization: 60 % of the value is credited to the node, the rest to the network", async () => {
    const redeem = await cli(["redeem", file, "--data-dir", dataDir], OPERATOR_ENV);
    expect(redeem.code, redeem.err).toBe(0);
    expect(redeem.out).toContain(
      `Redeeming 40 units of voucher #${authorization.voucherId} (40 tUSD, signed by ${community.address}) to node #${nodeId} (Active, 127.0.0.1:7460)...`,
    );
    expect(redeem.out).toMatch(
      new RegExp(
        `Redeemed in transaction 0x[0-9a-f]{64}: 24 tUSD credited to node #${nodeId}'s contributors, 12 tUSD to the reward pool, 4 tUSD to the treasury\\.`,
      ),
    );
    // The only contributor is the operator: all of the node's 24 tUSD is its to claim.
    expect(redeem.out).toContain(`This wallet can claim 24 tUSD from node #${nodeId} now: sesh-node claim.`);
    const again = await cli(["redeem", file], OPERATOR_ENV);
    expect([again.code, again.err]).toEqual([
      1,
      expect.stringMatching(/This redemption authorization was already used or cancelled by/),
    ]);
  });

  it("status shows what the node was credited and what the operator can claim; claim pays it in the payment token", async () => {
    const status = await cli(["status", "--data-dir", dataDir, "--relay-url", "http://127.0.0.1:9"]);
    expect(status.out).toMatch(
      /voucher earnings +24 tUSD credited to the node \(40 units in 1 redemption\); 24 tUSD claimable by the operator \(sesh-node claim\)/,
    );
    const json = JSON.parse((await cli(["status", "--json", "--data-dir", dataDir])).out) as {
      node: { vouchers: { creditedToNode: string; operatorClaimable: string; token: { symbol: string } } };
    };
    expect(json.node.vouchers).toMatchObject({
      creditedToNode: "24000000",
      operatorClaimable: "24000000",
      token: { symbol: "tUSD" },
    });
    const before = await chain.client().getPaymentTokenBalance({ account: operator.address });
    const claim = await cli(["claim"], OPERATOR_ENV);
    expect(claim.code, claim.err).toBe(0);
    expect(claim.out).toContain("No SESH rewards to claim.");
    expect(claim.out).toContain(`Claiming 24 tUSD of voucher earnings from node #${nodeId}...`);
    expect(claim.out).toMatch(
      new RegExp(
        `Claimed 24 tUSD in transaction 0x[0-9a-f]{64}; the wallet now holds ${tusd(before + 24_000_000n)}\\.`,
      ),
    );
    expect(await chain.client().getPaymentTokenBalance({ account: operator.address })).toBe(
      before + 24_000_000n,
    );
    const nothing = await cli(["claim"], OPERATOR_ENV);
    expect(nothing.out.split("\n").at(-1)).toMatch(
      /^Nothing to claim for 0x[0-9a-fA-F]{40} yet: .*voucher earnings come when communities redeem vouchers to its nodes/,
    );
  });

  it("redeem - reads the authorization from stdin (the sesh-node binary, as in a pipe)", async () => {
    const second = await chain.client(community).signRedemption({
      voucherId: BigInt(authorization.voucherId),
      nodeId,
      units: 10n,
    });
    const child = spawn(process.execPath, [BIN, "redeem", "-"], {
      env: { PATH: process.env.PATH ?? "", ...env, ...OPERATOR_ENV },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdin.end(`Here is our authorization for this month:\n${JSON.stringify(second)}\n`);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, err).toBe(0);
    expect(out).toMatch(
      new RegExp(`Redeemed in transaction 0x[0-9a-f]{64}: 6 tUSD credited to node #${nodeId}'s contributors`),
    );
    expect((await chain.client().getVoucher({ voucherId: BigInt(authorization.voucherId) })).unitsLeft).toBe(
      50n,
    );
  });

  it("--vouchers and --staking must name contracts of those kinds", async () => {
    const notVouchers = await cli(["claim", "--vouchers", addresses.seshToken], OPERATOR_ENV);
    expect([notVouchers.code, notVouchers.err]).toEqual([
      2,
      expect.stringMatching(
        /\(registry\.vouchers_contract\) is not a CommunityVouchers contract on chain 31337: it does not answer staking\(\) and paymentToken\(\)/,
      ),
    ]);
    const notStaking = await cli(["status", "--data-dir", dataDir, "--staking", addresses.seshToken]);
    expect([notStaking.code, notStaking.err]).toEqual([
      2,
      `sesh-node status: ${addresses.seshToken.toLowerCase()} (registry.staking_contract) is not a ServiceNodeStaking contract on chain 31337: it does not answer token() and rewardPool(); check --staking`,
    ]);
    const same = await cli(["claim", "--vouchers", addresses.communityVouchers], OPERATOR_ENV);
    expect(same.code, same.err).toBe(0);
  });
});
