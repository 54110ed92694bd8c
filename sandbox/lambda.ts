// A serialized Lambda package run warm in a child Node process (one container, kept between invocations),
// with only what the nodejs22.x runtime provides on NODE_PATH, as the package tests run it.
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { lambdaRuntimeNodePath } from "../tests/support/lambdaRunner";

export interface InvokeResult {
    ok: boolean;
    value?: unknown;
    errorType?: string;
    errorMessage?: string;
    ms: number;
}

export class WarmFunction {
    private child?: ChildProcess;
    private ready?: Promise<void>;
    private pending = new Map<number, (r: InvokeResult) => void>();
    private next = 0;

    constructor(readonly name: string, private readonly dir: string, private readonly env: Record<string, string>, private readonly log: (line: string) => void) {}

    start(): Promise<void> {
        if (this.ready) return this.ready;
        const child = fork(path.join(__dirname, "lambdaHost.js"), [this.dir], {
            // The SDK's "needs Node >= 22" notice does not apply to the function (Lambda runs nodejs22.x).
            env: { PATH: process.env.PATH ?? "", NODE_PATH: lambdaRuntimeNodePath(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...this.env },
            cwd: this.dir,
            stdio: ["ignore", "pipe", "pipe", "ipc"],
        });
        this.child = child;
        const prefix = (d: Buffer) => String(d).split("\n").filter(Boolean).forEach(l => this.log(`[${this.name}] ${l}`));
        child.stdout?.on("data", prefix);
        child.stderr?.on("data", prefix);
        this.ready = new Promise((resolve, reject) => {
            child.once("error", reject);
            child.on("exit", code => {
                const wasStarted = this.child === child;
                this.child = undefined;
                this.ready = undefined;
                for (const done of this.pending.values()) done({ ok: false, errorType: "Runtime.ExitError", errorMessage: `function process exited (${code})`, ms: 0 });
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
        return new Promise(resolve => {
            this.pending.set(id, resolve);
            this.child!.send({ type: "invoke", id, event, requestId });
        });
    }

    async stop(): Promise<void> {
        const child = this.child;
        if (!child) return;
        this.child = undefined;
        await new Promise<void>(r => { child.once("exit", () => r()); child.kill("SIGTERM"); });
    }
}
