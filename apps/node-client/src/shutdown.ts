import type { Logger } from "pino";

/** Coordinates a graceful stop: components register hooks, which run once, newest first. */
export interface Shutdown {
  /** Aborted when shutdown begins. */
  readonly signal: AbortSignal;
  readonly requested: boolean;
  /** Registers a hook; hooks run in reverse order of registration (servers before databases). */
  onShutdown(name: string, hook: () => Promise<void> | void): void;
  /** Runs every hook once; later calls return the same promise. */
  run(reason: string): Promise<void>;
}

/** Creates the shutdown coordinator. */
export function createShutdown(logger: Logger): Shutdown {
  const controller = new AbortController();
  const hooks: { name: string; hook: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;
  return {
    signal: controller.signal,
    get requested() {
      return controller.signal.aborted;
    },
    onShutdown(name, hook) {
      hooks.push({ name, hook });
    },
    run(reason) {
      running ??= (async () => {
        logger.info({ msg: "shutting down", reason });
        controller.abort(new Error(`shutdown: ${reason}`));
        for (const { name, hook } of hooks.reverse()) {
          try {
            await hook();
          } catch (error) {
            logger.error({ msg: "shutdown step failed", step: name, err: error });
          }
        }
        logger.info({ msg: "shutdown complete" });
      })();
      return running;
    },
  };
}
