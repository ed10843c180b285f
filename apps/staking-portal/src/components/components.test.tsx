import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { localConfig, renderWithProviders } from "@/_test/render";
import { useTx } from "@/lib/tx";
import { AmountInput } from "./AmountInput";
import { NetworkBanners } from "./NetworkStatus";
import { Notices } from "./Notices";
import { Progress } from "./ui";
import { WalletButton } from "./Wallet";

function Harness({ max }: { max?: bigint }) {
  const [value, setValue] = useState("");
  return (
    <AmountInput
      id="amount"
      label="Amount to stake"
      value={value}
      onChange={setValue}
      max={max}
      hint="Any amount"
    />
  );
}

function SendButton() {
  const { run, busy } = useTx();
  return (
    <button type="button" disabled={busy} onClick={() => run("Claim rewards", async () => ({ amount: 1n }))}>
      Send
    </button>
  );
}

describe("AmountInput", () => {
  it("fills in the exact maximum with Max and links its hint", async () => {
    render(<Harness max={12_500_000_000_001n} />);
    const input = screen.getByLabelText("Amount to stake");
    expect(input.getAttribute("aria-describedby")).toBe("amount-hint");
    await userEvent.click(screen.getByRole("button", { name: "Max: 12,500.000000001 SESH" }));
    expect((input as HTMLInputElement).value).toBe("12,500.000000001");
  });

  it("disables Max when there is nothing to use", () => {
    render(<Harness max={0n} />);
    expect(screen.getByRole("button", { name: /^Max/ })).toHaveProperty("disabled", true);
  });

  it("announces an error and marks the field invalid", () => {
    render(<AmountInput id="a" label="Amount" value="x" onChange={() => undefined} error="Not an amount." />);
    expect(screen.getByRole("alert").textContent).toBe("Not an amount.");
    expect(screen.getByLabelText("Amount").getAttribute("aria-invalid")).toBe("true");
  });
});

describe("Progress", () => {
  it("reports the staked share to assistive technology", () => {
    render(<Progress value={12_500n} max={25_000n} reserved={5_000n} label="Node 1 stake" />);
    const bar = screen.getByRole("progressbar", { name: "Node 1 stake" });
    expect(bar.getAttribute("aria-valuenow")).toBe("50");
    expect(bar.getAttribute("aria-valuetext")).toBe("50% staked");
  });
});

describe("WalletButton", () => {
  it("offers the development wallet on the local chain, with its ten accounts, and connects it", async () => {
    renderWithProviders(<WalletButton />);
    await userEvent.click(await screen.findByRole("button", { name: "Connect wallet" }));
    const dialog = screen.getByRole("dialog", { name: "Connect a wallet" });
    expect(
      within(dialog).getByText(/Local chain only: signs in the page with a funded test account/),
    ).toBeTruthy();
    const picker = within(dialog).getByLabelText("Development account") as HTMLSelectElement;
    expect(picker.options).toHaveLength(10);
    fireEvent.change(picker, { target: { value: "1" } });
    await userEvent.click(within(dialog).getByTestId("connect-dev-wallet"));
    const account = await screen.findByTestId("account-button");
    expect(account.textContent).toMatch(/0x7099…79C8\s*Dev #1/);
  });

  it("never offers the development wallet on another chain", async () => {
    renderWithProviders(<WalletButton />, { ...localConfig, chainId: 421614 });
    await userEvent.click(await screen.findByRole("button", { name: "Connect wallet" }));
    const dialog = screen.getByRole("dialog", { name: "Connect a wallet" });
    expect(within(dialog).queryByTestId("connect-dev-wallet")).toBeNull();
    expect(within(dialog).getByText(/No browser wallet found/)).toBeTruthy();
  });
});

describe("transaction notices", () => {
  it("says in words that a wallet is needed, as an alert", async () => {
    renderWithProviders(
      <>
        <SendButton />
        <Notices />
      </>,
    );
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/Claim rewards: Failed/);
    expect(alert.textContent).toMatch(/No wallet is connected\. Connect a wallet, then try again\./);
    expect(alert.getAttribute("data-status")).toBe("failed");
    await userEvent.click(within(alert).getByRole("button", { name: "Dismiss" }));
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
    expect(screen.getByRole("region", { name: "Transactions" }).getAttribute("aria-live")).toBe("polite");
  });
});

describe("NetworkBanners", () => {
  it("says so when the SESH contracts are not known on the configured chain", async () => {
    renderWithProviders(<NetworkBanners />, { chainId: 999, rpcUrl: localConfig.rpcUrl });
    const alert = await screen.findByText(/The portal cannot find the SESH contracts\./);
    expect(alert.parentElement?.textContent).toMatch(/chain 999/);
  });
});
