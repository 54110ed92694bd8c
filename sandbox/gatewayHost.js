// A warm container of the gateway function with Lambda response streaming: loads the handler once, runs each
// invocation the parent sends over IPC, and forwards every write to the response stream as it happens (the
// metadata prelude and its 8 null bytes included: the parent plays API Gateway and reads them).
// argv[2]: the unpacked package folder of the caller stack's gateway function (its __index.js exports `handler`).
"use strict";
const path = require("path");
const { Writable } = require("stream");

// What the nodejs22.x runtime provides to a streaming function: the `awslambda` global (streamifyResponse, and
// HttpResponseStream.from writing the metadata JSON and 8 null bytes ahead of the body), defined before the package
// loads as in Lambda. The package then never takes its local stand-in (functions/gateway/responseStream.ts).
globalThis.awslambda = {
    streamifyResponse: handler => handler,
    HttpResponseStream: {
        from(stream, prelude) {
            stream.write(JSON.stringify(prelude));
            stream.write(Buffer.alloc(8));
            return stream;
        },
    },
};

const target = process.argv[2];
const handler = require(path.join(target, "__index.js")).handler;
const timeoutMs = Number(process.env.SANDBOX_FUNCTION_TIMEOUT_MS || 300000);
let n = 0;
/** The response streams of the invocations running, by id: a client that leaves closes its stream. */
const streams = new Map();

process.on("message", async msg => {
    // The parent's client went away: the stream closes under the handler ('close', and 'error' on a later write), as
    // the runtime's own stream does when its connection breaks (it is an HTTP request to the Runtime API,
    // aws-lambda-nodejs-runtime-interface-client src/ResponseStream.js). Whether Lambda breaks that connection when
    // API Gateway's client leaves is not documented, and reports say it does not (that repository's issue #145).
    if (msg && msg.type === "disconnect") {
        const s = streams.get(msg.id);
        if (s && !s.writableEnded) s.destroy();
        return;
    }
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
    streams.set(id, stream);
    // Ended ('finish'), or closed by a client that left ('close' without 'finish').
    const finished = new Promise(r => {
        stream.on("finish", r);
        stream.on("close", r);
    });
    try {
        await handler(msg.event, stream, context);
        if (!stream.writableEnded) stream.end();
        await finished;
        process.send({ type: "result", id, ok: true, ms: Date.now() - started });
    } catch (e) {
        process.send({ type: "result", id, ok: false, errorType: e && e.name, errorMessage: e && e.message });
    } finally {
        streams.delete(id);
    }
});
// A container goes with the sandbox that started it, however that one ended.
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready" });
