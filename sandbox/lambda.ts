// A serialized Lambda package run warm in a child Node process (one container, kept between invocations),
// with only what the nodejs22.x runtime provides on NODE_PATH, as the package tests run it.
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { lambdaRuntimeNodePath } from "../emulation/lambdaRunner";

export interface InvokeResult {
    ok: boolean;
    value?: unknown;
    errorType?: string;
    errorMessage?: string;
    ms: number;
}

/**
 * A function package's host script (sandbox/<script>) in a plain Node process, as Lambda's: only what the
 * nodejs22.x runtime provides on NODE_PATH, the function's environment, its output prefixed with `label`.
 */
export function forkPackageHost(
    script: string,
    dir: string,
    env: Record<string, string>,
    label: string,
    log: (line: string) => void,
): ChildProcess {
    const child = fork(path.join(__dirname, script), [dir], {
        // The SDK's "needs Node >= 22" notice does not apply to the function (Lambda runs nodejs22.x).
        env: {
            PATH: process.env.PATH ?? "",
            NODE_PATH: lambdaRuntimeNodePath(),
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            ...env,
        },
        cwd: dir,
        // A plain Node process, as Lambda's: not this one's loader (ts-node puts itself into execArgv).
        execArgv: [],
        stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const prefix = (d: Buffer) =>
        String(d)
            .split("\n")
            .filter(Boolean)
            .forEach(l => log(`[${label}] ${l}`));
    child.stdout?.on("data", prefix);
    child.stderr?.on("data", prefix);
    return child;
}

export class WarmFunction {
    private child?: ChildProcess;
    private ready?: Promise<void>;
    private pending = new Map<number, (r: InvokeResult) => void>();
    private next = 0;

    private readonly timeoutMs: number;

    constructor(
        readonly name: string,
        private readonly dir: string,
        private readonly env: Record<string, string>,
        private readonly log: (line: string) => void,
    ) {
        this.timeoutMs = Number(env.SANDBOX_FUNCTION_TIMEOUT_MS ?? 60000);
    }

    start(): Promise<void> {
        if (this.ready) return this.ready;
        const child = forkPackageHost("lambdaHost.js", this.dir, this.env, this.name, this.log);
        this.child = child;
        this.ready = new Promise((resolve, reject) => {
            child.once("error", reject);
            child.on("exit", code => {
                const wasStarted = this.child === child;
                this.child = undefined;
                this.ready = undefined;
                for (const done of this.pending.values())
                    done({
                        ok: false,
                        errorType: "Runtime.ExitError",
                        errorMessage: `function process exited (${code})`,
                        ms: 0,
                    });
                this.pending.clear();
                if (wasStarted) reject(new Error(`${this.name} exited with ${code} before it was ready`));
            });
            child.on("message", (m: any) => {
                if (m?.type === "ready") resolve();
                else if (m?.type === "result") {
                    const done = this.pending.get(m.id);
                    this.pending.delete(m.id);
                    done?.(m);
                }
            });
        });
        return this.ready;
    }

    /** Runs one invocation in the warm process (starting it first when needed, e.g. after a crash). */
    async invoke(event: unknown, requestId?: string): Promise<InvokeResult> {
        await this.start();
        const id = ++this.next;
        const child = this.child!;
        return new Promise(resolve => {
            // Lambda ends an invocation at the function's timeout and discards the container: so does this.
            const timer = setTimeout(() => {
                this.pending.delete(id);
                this.log(`[${this.name}] Task timed out after ${this.timeoutMs / 1000} seconds`);
                resolve({
                    ok: false,
                    errorType: "Sandbox.Timeout",
                    errorMessage: `Task timed out after ${this.timeoutMs / 1000} seconds`,
                    ms: this.timeoutMs,
                });
                child.kill("SIGKILL");
            }, this.timeoutMs);
            this.pending.set(id, r => {
                clearTimeout(timer);
                resolve(r);
            });
            child.send({ type: "invoke", id, event, requestId });
        });
    }

    async stop(): Promise<void> {
        const child = this.child;
        if (!child) return;
        this.child = undefined;
        await new Promise<void>(r => {
            child.once("exit", () => r());
            child.kill("SIGTERM");
        });
    }
}

/**
 * Lambda runs one invocation per container at a time and adds containers under concurrency: so does this,
 * keeping every container warm for the next request (up to `max`; beyond that, invocations wait their turn).
 */
export class FunctionPool {
    private readonly idle: WarmFunction[] = [];
    private readonly all: WarmFunction[] = [];
    private readonly waiting: ((fn: WarmFunction) => void)[] = [];

    constructor(
        private readonly make: (n: number) => WarmFunction,
        private readonly max = 4,
    ) {}

    /** Starts the first container (a cold start before the first request, not during it). */
    async start(): Promise<void> {
        const fn = this.make(1);
        this.all.push(fn);
        await fn.start();
        this.idle.push(fn);
    }

    private acquire(): Promise<WarmFunction> {
        const fn = this.idle.pop();
        if (fn) return Promise.resolve(fn);
        if (this.all.length < this.max) {
            const created = this.make(this.all.length + 1);
            this.all.push(created);
            return Promise.resolve(created);
        }
        return new Promise(resolve => this.waiting.push(resolve));
    }

    private release(fn: WarmFunction): void {
        const next = this.waiting.shift();
        if (next) next(fn);
        else this.idle.push(fn);
    }

    async invoke(event: unknown, requestId?: string): Promise<InvokeResult> {
        const fn = await this.acquire();
        try {
            return await fn.invoke(event, requestId);
        } finally {
            this.release(fn);
        }
    }

    /** How many containers have been started (for tests and the log). */
    get containers(): number {
        return this.all.length;
    }

    async stop(): Promise<void> {
        await Promise.all(this.all.map(f => f.stop()));
    }
}
