"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { type ReactNode, useEffect, useRef } from "react";
import { NetworkBanners, NetworkPill } from "./NetworkStatus";
import { Notices } from "./Notices";
import { usePortalConfig } from "./PortalConfig";
import { WalletButton } from "./Wallet";

const MAINNET_CHAIN_ID = 42161;

function Logo() {
  return (
    <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true">
      <defs>
        <linearGradient id="sesh-logo" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#63e8ad" />
          <stop offset="1" stopColor="#1f9e6a" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill="url(#sesh-logo)" />
      <path
        d="M21.5 10.5c-1.2-1.3-3.1-2-5.3-2-3.4 0-5.7 1.8-5.7 4.4 0 5.3 10.6 3.4 10.6 7.6 0 1.5-1.6 2.9-4.5 2.9-2.4 0-4.3-.9-5.6-2.4"
        fill="none"
        stroke="#03140c"
        strokeWidth="2.6"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const { chainId } = usePortalConfig();
  const links = [
    { href: "/", label: "Overview" },
    { href: "/nodes", label: "Nodes" },
    { href: "/stakes", label: "My stakes" },
    { href: "/register", label: "Run a node" },
    { href: "/vouchers", label: "Vouchers" },
    ...(chainId === MAINNET_CHAIN_ID ? [] : [{ href: "/faucet", label: "Faucet" }]),
  ];
  const isActive = (href: string) => (href === "/" ? pathname === "/" : pathname.startsWith(href));
  // On a phone the links scroll sideways: bring the current page's link into view (Vouchers and Faucet
  // start off-screen). Only the nav scrolls, never the page.
  const navRef = useRef<HTMLElement>(null);
  const current = links.find((link) => isActive(link.href))?.href;
  useEffect(() => {
    const nav = navRef.current;
    const link = current ? nav?.querySelector<HTMLElement>(`a[href="${current}"]`) : null;
    if (!nav || !link || nav.scrollWidth <= nav.clientWidth) return;
    const box = nav.getBoundingClientRect();
    const item = link.getBoundingClientRect();
    if (item.left < box.left || item.right > box.right - 28) {
      nav.scrollLeft += item.left - box.left - (box.width - item.width) / 2;
    }
  }, [current]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link href="/" className="brand" aria-label="SESH Staking, overview">
            <Logo />
            <span>
              SESH <span className="brand__sub">Staking</span>
            </span>
          </Link>
          <nav className="nav" aria-label="Main" ref={navRef}>
            {links.map((link) => (
              <Link
                key={link.href}
                href={link.href}
                className="nav__link"
                aria-current={isActive(link.href) ? "page" : undefined}
              >
                {link.label}
              </Link>
            ))}
          </nav>
          <div className="topbar__actions">
            <NetworkPill />
            <WalletButton />
          </div>
        </div>
      </header>
      <NetworkBanners />
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <Notices />
      <footer className="footer">
        <div className="footer__inner">
          <span>SESH Network — stake to relay, for metadata-private messaging.</span>
          <span>
            Stakes and rewards in SESH, vouchers in the payment token. Nothing here is investment advice.
          </span>
        </div>
      </footer>
    </div>
  );
}
