// Assembles the sandbox: see the contract in ./index.ts.
import type { Sandbox, SandboxOptions } from "./index";

export async function startSandbox(_opts: SandboxOptions = {}): Promise<Sandbox> {
    throw new Error("startSandbox: work in progress (contract only)");
}
