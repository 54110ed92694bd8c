// Guardrail versions across updates of the Bedrock stack: every version tenant roles accepted stays accepted until
// the operator retires it (bedrock-bridge:guardrails.<name>.retireVersionsBefore), so a later Bedrock-side `up` for
// anything else (a budget edit from CI) cuts off no caller that is not redeployed yet. An existing guardrail pins its
// versions in the configuration, so the numbers here are Bedrock's (1, 2, 3, ...), not the mocks'.
import { strict as assert } from "assert";
import type { StackRun } from "../../../tools/internal/harness";
import { captureWarnings, failureOf, json, one } from "../../support/stacks";
import { BEDROCK, REGION, runGoverned, soloTenant } from "../../support/governance";

const STACK = "gov-versions";
const ARN = `arn:aws:bedrock:${REGION}:${BEDROCK}:guardrail/abcd1234efgh`;

/** The governed stack with one tenant forced through the existing guardrail `corp` at `version`. */
const run = (
    corp: Record<string, unknown>,
    previous?: StackRun,
    monthlyLimitUsd = 50,
    guardrails: Record<string, unknown> = {},
) =>
    runGoverned(
        {
            "bedrock-bridge:guardrails": { corp: { id: "abcd1234efgh", ...corp }, ...guardrails },
            "bedrock-bridge:tenants": [soloTenant({ monthlyLimitUsd, emails: ["finops@example.com"] })],
        },
        STACK,
        previous?.outputs,
    );

/** The guardrail identifiers the tenant role accepts, in the allow and in the explicit deny (they must agree). */
function accepted(r: StackRun): string[] {
    const st = json(one(r, "aws:iam/rolePolicy:RolePolicy", "tenant-solo-invoke").inputs.policy).Statement;
    const ids = (x: unknown) => [x].flat() as string[];
    const allow = ids(
        st.find((s: any) => s.Sid === "InvokeOwnApplicationProfiles").Condition.StringEquals[
            "bedrock:GuardrailIdentifier"
        ],
    );
    const deny = ids(
        st.find((s: any) => s.Sid === "DenyInvokeWithoutEnforcedGuardrail").Condition.StringNotEquals[
            "bedrock:GuardrailIdentifier"
        ],
    );
    assert.deepEqual(deny, allow);
    return allow.map(id => id.slice(ARN.length + 1));
}

describe("guardrail versions: kept until retireVersionsBefore", () => {
    let v3: StackRun;
    let v4: StackRun;
    before(async () => {
        v3 = await run({ version: "3" });
        v4 = await run({ version: "4" }, v3);
    });

    it("a new version: the one callers deployed before send stays accepted, and the preview names the key", async () => {
        assert.deepEqual(accepted(v3), ["3"]);
        assert.deepEqual(accepted(v4), ["4", "3"]);
        assert.deepEqual(v4.outputs.tenants.solo.guardrail, { arn: ARN, version: "4", previousVersions: ["3"] });
        const { warnings } = await captureWarnings(() => run({ version: "4" }, v3));
        assert.ok(
            warnings.some(w =>
                /guardrail corp: tenant roles now enforce version 4; version 3, .* stays accepted until bedrock-bridge:guardrails\.corp\.retireVersionsBefore retires it/.test(
                    w,
                ),
            ),
            warnings.join("\n"),
        );
    });

    it("a second up with an unrelated change (a budget edit) keeps the previous version accepted", async () => {
        const budgetEdit = await run({ version: "4" }, v4, 80);
        assert.deepEqual(accepted(budgetEdit), ["4", "3"]);
        // And a third: the accepted set is carried in the stack's own output, update after update.
        const again = await run({ version: "4" }, budgetEdit, 90);
        assert.deepEqual(accepted(again), ["4", "3"]);
        // Another version adds to it, newest first.
        assert.deepEqual(accepted(await run({ version: "5" }, again)), ["5", "4", "3"]);
    });

    it("after retireVersionsBefore, older versions are no longer accepted (and stay retired)", async () => {
        const v5 = await run({ version: "5" }, await run({ version: "4" }, v4, 80));
        const retired = await run({ version: "5", retireVersionsBefore: "4" }, v5);
        assert.deepEqual(accepted(retired), ["5", "4"]);
        const all = await run({ version: "5", retireVersionsBefore: 5 }, retired);
        assert.deepEqual(accepted(all), ["5"]);
        assert.deepEqual(all.outputs.tenants.solo.guardrail, { arn: ARN, version: "5" });
        // Dropping the key later brings nothing back: a retired version is gone from the stack's record.
        assert.deepEqual(accepted(await run({ version: "5" }, all)), ["5"]);
    });

    it("fails at preview, naming the key, for a value that is no version or would retire the enforced one", async () => {
        assert.match(
            await failureOf(run({ version: "4", retireVersionsBefore: "v3" }, v4)),
            /bedrock-bridge:guardrails\.corp\.retireVersionsBefore must be a numeric version such as "3"/,
        );
        assert.match(
            await failureOf(run({ version: "4", retireVersionsBefore: "5" }, v4)),
            /bedrock-bridge:guardrails\.corp\.retireVersionsBefore is 5, above version 4: it would retire the version tenant roles enforce; set it to 4 at most/,
        );
        // A guardrail created here: its version is known once published, and checked then (at preview when unchanged).
        const created = await failureOf(
            runGoverned(
                {
                    "bedrock-bridge:guardrails": {
                        "content-safety": {
                            contentFilters: { HATE: "HIGH", PROMPT_ATTACK: "HIGH" },
                            retireVersionsBefore: "99999999",
                        },
                    },
                },
                STACK,
            ),
        );
        assert.match(
            created,
            /bedrock-bridge:guardrails\.content-safety\.retireVersionsBefore is 99999999, above version \d+ that tenant roles enforce now: it would deny every caller; set it to \d+ at most/,
        );
    });
});
