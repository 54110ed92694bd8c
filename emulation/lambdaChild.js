// Runs a Lambda package's handler in this fresh process, as the Lambda Node.js runtime would, following a plan.
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
    const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const mod = require(path.join(plan.dir, "__index.js"));
    const results = [];
    let n = 0;
    // The function's timeout (plan.timeoutMs, default 60 s) counts from each invocation's start, as in Lambda.
    const context = () => {
        const deadline = Date.now() + (plan.timeoutMs || 60000);
        return {
            awsRequestId: `req-${++n}`,
            functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
            // As Lambda passes it: the caller account is the 5th field (the example caller stack's account).
            invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:${process.env.FAKE_ACCOUNT_ID || "111111111111"}:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
            getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        };
    };
    const invoke = async event => {
        const started = Date.now();
        try {
            const value = await mod.handler(event, context());
            return { ok: true, value, ms: Date.now() - started };
        } catch (e) {
            return { ok: false, errorType: e && e.name, errorMessage: e && e.message, ms: Date.now() - started };
        }
    };
    for (const step of plan.steps) {
        if (step.sleepMs) await new Promise(r => setTimeout(r, step.sleepMs));
        if (step.events) {
            results.push(
                step.parallel
                    ? await Promise.all(step.events.map(invoke))
                    : await step.events.reduce(
                          async (acc, e) => [...(await acc), await invoke(e)],
                          Promise.resolve([]),
                      ),
            );
        }
    }
    fs.writeFileSync(plan.out, JSON.stringify(results));
}
main().then(
    () => process.exit(0),
    e => {
        console.error("lambda child failed:", e);
        process.exit(1);
    },
);
