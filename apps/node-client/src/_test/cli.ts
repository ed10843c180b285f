import { main } from "../cli.ts";

/** What one in-process run of the CLI printed, line by line, and its exit code. */
export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

/** Runs `sesh-node argv` in-process with `env` as its whole environment; never prompts. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env,
    prompt: async () => undefined,
  });
  return { code, out, err };
}
