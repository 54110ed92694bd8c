// A warm Lambda container: loads a serialized package's __index.js once (in this fresh process, with only the
// runtime-provided SDK on NODE_PATH) and runs its handler for each invocation the parent sends over IPC.
"use strict";
const path = require("path");

const mod = require(path.join(process.argv[2], "__index.js"));
const timeoutMs = Number(process.env.SANDBOX_FUNCTION_TIMEOUT_MS || 60000);
let n = 0;

process.on("message", async msg => {
    if (!msg || msg.type !== "invoke") return;
    const started = Date.now();
    const context = {
        awsRequestId: msg.requestId || `sandbox-${++n}`,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    };
    try {
        const value = await mod.handler(msg.event, context);
        process.send({ type: "result", id: msg.id, ok: true, value, ms: Date.now() - started });
    } catch (e) {
        process.send({
            type: "result",
            id: msg.id,
            ok: false,
            errorType: e && e.name,
            errorMessage: e && e.message,
            ms: Date.now() - started,
        });
    }
});
process.send({ type: "ready" });
