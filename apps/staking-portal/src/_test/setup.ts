import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => {
  cleanup();
  // wagmi remembers the last connection in localStorage; every test starts disconnected.
  localStorage.clear();
});
