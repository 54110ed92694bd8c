// A warm container of the gateway function with Lambda response streaming: loads the handler once, runs each
// invocation the parent sends over IPC, and forwards every write to the response stream as it happens (the
// metadata prelude and its 8 null bytes included: the parent plays API Gateway and reads them).
// argv[2]: a package folder (its __index.js exports `handler`), or a .ts module exporting createGatewayHandler
// (loaded through ts-node: the source as the package would run it, until the stack builds the package).
"use strict";
const path = require("path");
const { Writable } = require("stream");

const target = process.argv[2];
let handler;
if (target.endsWith(".ts")) {
    require("ts-node").register({ transpileOnly: true });
    handler = require(target).createGatewayHandler();
} else {
    handler = require(path.join(target, "__index.js")).handler;
}
const timeoutMs = Number(process.env.SANDBOX_FUNCTION_TIMEOUT_MS || 300000);
let n = 0;

process.on("message", async msg => {
    if (!msg || msg.type !== "invoke") return;
    const started = Date.now();
    const id = msg.id;
    const stream = new Writable({
        write(chunk, _enc, done) {
            process.send({ type: "chunk", id, data: Buffer.from(chunk).toString("base64") }, undefined, {}, () =>
                done(),
            );
        },
    });
    const context = {
        awsRequestId: msg.requestId || `sandbox-${++n}`,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        invokedFunctionArn: process.env.SANDBOX_FUNCTION_ARN,
        getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    };
    const finished = new Promise(r => stream.on("finish", r));
    try {
        await handler(msg.event, stream, context);
        if (!stream.writableEnded) stream.end();
        await finished;
        process.send({ type: "result", id, ok: true, ms: Date.now() - started });
    } catch (e) {
        process.send({ type: "result", id, ok: false, errorType: e && e.name, errorMessage: e && e.message });
    }
});
// A container goes with the sandbox that started it, however that one ended.
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready" });
