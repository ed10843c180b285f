import { type DestinationStream, type Logger, pino } from "pino";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { Options } from "./options.ts";
import { createShutdown, type Shutdown } from "./shutdown.ts";

/** What every component gets: the options, a logger, the metrics and the shutdown coordinator. */
export interface Common {
  readonly options: Options;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly shutdown: Shutdown;
}

/** Builds the Common context; logs go to `destination` (stdout by default) as JSON lines. */
export function createCommon(
  options: Options,
  overrides: { logger?: Logger; destination?: DestinationStream; name?: string } = {},
): Common {
  const logger =
    overrides.logger ??
    pino(
      { level: options.logLevel, name: overrides.name ?? "sesh-node", base: { pid: process.pid } },
      overrides.destination,
    );
  return { options, logger, metrics: createMetrics(), shutdown: createShutdown(logger) };
}
