// The governance example stack (Pulumi.bedrock-governed.yaml) under mocks, and caller stacks wired to it as tenants.
import { readStackConfig, runStack, StackRun } from "../../tools/internal/harness";
import { apply, Overrides, runCaller } from "./stacks";

export const GOVERNED = "bedrock-governed";

/** The example's `content-safety` guardrail with HATE at `hate`: a guardrail content change in one argument. */
export const guardrailFilters = (hate: string) => ({
    "content-safety": {
        contentFilters: {
            HATE: hate,
            INSULTS: "MEDIUM",
            SEXUAL: "HIGH",
            VIOLENCE: "MEDIUM",
            MISCONDUCT: "MEDIUM",
            PROMPT_ATTACK: "HIGH",
        },
    },
});

/** `previous`: the stack's outputs of its last update (a later `up`); none: a first deployment. */
export async function runGoverned(
    overrides?: Overrides,
    stack = GOVERNED,
    previous?: Record<string, unknown>,
): Promise<StackRun> {
    const base = readStackConfig(GOVERNED);
    return runStack({
        stack,
        config: apply(base.config, overrides),
        secretKeys: base.secretKeys,
        previousOutputs: previous,
    });
}

/** A caller stack of the given tenant, referencing the governed stack by name. */
export async function runTenantCaller(
    governed: StackRun | StackRun[],
    tenant: string | undefined,
    overrides: Overrides = {},
    stack = "caller",
    previous?: Record<string, unknown>,
): Promise<StackRun> {
    const runs = Array.isArray(governed) ? governed : [governed];
    return runCaller(
        Object.fromEntries(runs.map(r => [r.stack, r])),
        { "bedrock-bridge:bedrockStacks": runs.map(r => r.stack), "bedrock-bridge:tenant": tenant, ...overrides },
        stack,
        previous,
    );
}

/** The governed stack's tenants: both the support tenant (accounts, budget, guardrail) and research (organization). */
export const TENANTS = { support: "support", research: "research" } as const;
export const CALLER = "111111111111";
export const BEDROCK = "222222222222";
export const REGION = "ap-northeast-1";
export const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
export const APAC = "apac.anthropic.claude-sonnet-4-20250514-v1:0";

/** One tenant, `solo`, in the caller account, held to the guardrail `corp` (the test configures it) and `budget`. */
export const soloTenant = (budget: Record<string, unknown>) => ({
    name: "solo",
    callerAccountIds: [CALLER],
    models: [JP],
    costAllocationTags: { team: "solo" },
    guardrail: "corp",
    budget,
});
