// The example stacks under mocks (emulation/stacks.ts, shared with the sandbox) plus what only tests need.
export * from "../../emulation/stacks";
import type { StackRun } from "../../tools/internal/harness";
import type { Plan } from "../../tools/synth";

/** The message a run fails with (a preview-time error); throws when the run succeeds. */
export async function failureOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
    } catch (e) {
        return String((e as Error).message);
    }
    throw new Error("expected the run to fail");
}

/** Runs fn while collecting what the program warns about (pulumi.log.warn), so expected warnings stay out of the output. */
export async function captureWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    (pulumi.log as any).warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
    try {
        return { result: await fn(), warnings };
    } finally {
        (pulumi.log as any).warn = original;
    }
}

/** A run in the plan.json shape `npm run synth` writes (what the deploy-policy tool and the IAM diff read). */
export const asPlan = (run: StackRun): Plan => ({
    stack: run.stack,
    project: run.project,
    resources: run.resources.map(r => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        id: r.id,
        inputs: r.inputs,
        outputs: r.state,
    })),
    outputs: run.outputs,
    invokes: run.invokes ?? [],
});
