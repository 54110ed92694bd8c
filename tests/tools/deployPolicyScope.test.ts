// The deploy role reaches the stack's own functions, table and roles by their exact names
// (`bedrock-bridge-<stack>-<logical>`, components/shared/iam.ts stackResourceName), never by a prefix that another
// team's resources share (`function:gateway-*`, `table/gateway-limits-*`, `role/gateway-authorizer-*` were granted
// while Pulumi auto-named them); and what naming them replaces on the first `up` of an existing stack.
import { strict as assert } from "assert";
import { StackRun } from "../../tools/internal/harness";
import { deployPolicy } from "../../tools/deployPolicy";
import { asDeployRole } from "../support/iam";
import { asPlan, runBedrock, runCaller } from "../support/stacks";
import { EVERY_CALLER_FEATURE } from "../support/featureRuns";
import { planPair } from "../support/planPair";

const FUNCTION = "aws:lambda/function:Function";
const TABLE = "aws:dynamodb/table:Table";
const ROLE = "aws:iam/role:Role";
const TOPIC = "aws:sns/topic:Topic";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const WAF = "aws:wafv2/webAcl:WebAcl";

describe("deploy-policy: the stack's own names only", () => {
    let caller: StackRun;
    before(async () => {
        caller = await runCaller(await runBedrock(), EVERY_CALLER_FEATURE);
    });

    // The managed policies as the role holds them.
    const asDeployer = (run: StackRun) =>
        asDeployRole(
            run.outputs.accountId,
            deployPolicy(asPlan(run)).documents.map(d => d.document),
        );
    const of = (type: string) => caller.resources.filter(r => r.type === type);

    it("names every function, the table, the roles, the alarm topic and the alarms bedrock-bridge-<stack>-…", () => {
        const stack = caller.stack;
        const named = [
            ...of(FUNCTION),
            ...of(TABLE),
            ...of(ROLE).filter(r => r.name !== "apigateway-account-cloudwatch"),
            ...of(TOPIC),
            ...of(ALARM),
            ...of(WAF),
        ];
        assert.ok(
            of(TOPIC).length === 1 && of(ALARM).length >= 5 && of(WAF).length === 1,
            `${of(ALARM).length} alarms`,
        );
        assert.ok(of(FUNCTION).length >= 4 && of(TABLE).length === 1 && named.length >= 10, `${named.length}`);
        for (const r of named) assert.match(String(r.inputs.name), new RegExp(`^bedrock-bridge-${stack}-`), r.name);
        for (const r of of(FUNCTION)) assert.ok(r.inputs.name.length <= 64, r.inputs.name);
        for (const r of of(ROLE)) assert.ok(String(r.inputs.name ?? "").length <= 64, r.inputs.name);
        // No wildcard in the name of any function or table the deploy role is granted.
        for (const st of deployPolicy(asPlan(caller)).document.Statement as any[])
            for (const res of st.Resource as string[])
                if (/:lambda:.*:function:|:dynamodb:.*:table\/|:cloudwatch:.*:alarm:|:sns:|:wafv2:/.test(res))
                    // A topic's subscriptions are `<topic ARN>:<generated id>`, a web ACL's ARN `webacl/<name>/<generated
                    // id>`: of the stack's own topic and web ACL only.
                    assert.ok(
                        !res
                            .replace(/(:sns:.*):\*$/, "$1")
                            .replace(/(:wafv2:.*)\/\*$/, "$1")
                            .includes("*"),
                        `${st.Sid}: ${res}`,
                    );
    });

    it("denies another team's gateway-…, invoker-…, gateway-limits-… and gateway-authorizer-…; allows the stack's own", async () => {
        const can = asDeployer(caller);
        const lambda = "arn:aws:lambda:ap-northeast-1:111111111111:function:";
        for (const other of [
            "gateway-other",
            "gateway-authorizer-1234567",
            "invoker-payroll",
            "chat-relay-x",
            `bedrock-bridge-${caller.stack}-staging-gateway`,
        ])
            for (const action of ["lambda:UpdateFunctionCode", "lambda:DeleteFunction", "lambda:AddPermission"])
                assert.equal(await can(action, lambda + other), "ImplicitlyDenied", `${action} ${other}`);
        for (const fn of of(FUNCTION))
            for (const action of ["lambda:UpdateFunctionCode", "lambda:DeleteFunction", "lambda:GetFunction"])
                assert.equal(await can(action, fn.state.arn), "Allowed", `${action} ${fn.state.arn}`);

        const table = of(TABLE)[0].state.arn as string;
        assert.equal(await can("dynamodb:DeleteTable", table), "Allowed");
        assert.equal(await can("dynamodb:UpdateTable", table), "Allowed");
        for (const other of ["gateway-limits-x", "gateway-limits-1234567"])
            assert.equal(
                await can("dynamodb:DeleteTable", `arn:aws:dynamodb:ap-northeast-1:111111111111:table/${other}`),
                "ImplicitlyDenied",
                other,
            );

        const topic = of(TOPIC)[0].state.arn as string;
        assert.equal(await can("sns:SetTopicAttributes", topic), "Allowed");
        assert.equal(
            await can("sns:SetTopicAttributes", "arn:aws:sns:ap-northeast-1:111111111111:monitoring-alarms-other"),
            "ImplicitlyDenied",
        );
        // The mocks give alarms no alarm ARN: the one CloudWatch gives, from the name.
        for (const alarm of of(ALARM)) {
            const arn = `arn:aws:cloudwatch:ap-northeast-1:111111111111:alarm:${alarm.inputs.name}`;
            assert.equal(await can("cloudwatch:PutMetricAlarm", arn), "Allowed", arn);
        }
        assert.equal(
            await can(
                "cloudwatch:DeleteAlarms",
                "arn:aws:cloudwatch:ap-northeast-1:111111111111:alarm:payments-errors",
            ),
            "ImplicitlyDenied",
        );

        const authorizerRole = of(ROLE).find(r => r.name === "gateway-authorizer")!.state.arn as string;
        const iam = "arn:aws:iam::111111111111:role/";
        for (const [action, ctx] of [
            ["iam:DeleteRole", {}],
            ["iam:UpdateAssumeRolePolicy", {}],
            ["iam:PassRole", { "iam:PassedToService": "lambda.amazonaws.com" }],
        ] as const) {
            assert.equal(await can(action, authorizerRole, ctx), "Allowed", `${action} own`);
            for (const other of [
                "gateway-authorizer-other",
                "bedrock-bridge/gateway-role-1234567",
                "bedrock-bridge/invoker-role-x",
            ])
                assert.equal(await can(action, iam + other, ctx), "ImplicitlyDenied", `${action} ${other}`);
        }
    });

    it("an existing stack's first up with the names: what it replaces, and no name claimed twice", () => {
        // The stack as deployed before: the same resources, auto-named (no name input).
        const ours = (r: StackRun["resources"][number]) =>
            [FUNCTION, TABLE, ROLE, TOPIC, ALARM].includes(r.type) &&
            String(r.inputs.name ?? "").startsWith("bedrock-bridge-");
        const before: StackRun = {
            ...caller,
            resources: caller.resources.map(r => {
                if (!ours(r)) return r;
                const { name: _name, ...inputs } = r.inputs;
                return { ...r, inputs };
            }),
        };
        const p = planPair(before, caller);
        assert.deepEqual(p.collisions, [], p.collisions.join("\n"));
        const replaced = p.steps.filter(s => s.op === "replace");
        assert.deepEqual(
            replaced.map(s => `${s.type} ${s.name}`).sort(),
            caller.resources
                .filter(ours)
                .map(r => `${r.type} ${r.name}`)
                .sort(),
        );
        for (const s of replaced) assert.deepEqual(s.changed, ["name"], s.name);
        // These types only; everything else is updated in place (or follows as an update of an ARN).
        assert.deepEqual([...new Set(replaced.map(s => s.type))].sort(), [TABLE, FUNCTION, ROLE, TOPIC, ALARM].sort());
    });
});
