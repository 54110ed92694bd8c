// InvokeModel's requestMetadata reaches Bedrock as its signed X-Amzn-Bedrock-Request-Metadata header whatever the
// SDK: a current SDK writes it (left alone, not doubled), one that drops the member gets it from the gateway.
import { strict as assert } from "assert";
import {
    BedrockRuntimeClient,
    InvokeModelCommand,
    InvokeModelWithResponseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";
import type { BuildMiddleware, MiddlewareStack } from "@smithy/types";
import { REQUEST_METADATA_HEADER, withRequestMetadata } from "../../../functions/gateway/invokeMetadata";

const METADATA = JSON.stringify({ caller: "gateway", key: "orders-service", account: "111111111111" });
const client = new BedrockRuntimeClient({
    region: "ap-northeast-1",
    credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" },
});

/** The signed request the command would send (stopped before the network). */
async function sentHeaders(command: InvokeModelCommand | InvokeModelWithResponseStreamCommand) {
    let headers: Record<string, string> | undefined;
    const stack = command.middlewareStack as unknown as MiddlewareStack<object, object>;
    stack.add(
        () => args => {
            headers = { ...(args.request as { headers: Record<string, string> }).headers };
            return Promise.reject(new Error("stopped before the network"));
        },
        { step: "finalizeRequest", priority: "low", name: "capture" },
    );
    await assert.rejects(client.send(command as InvokeModelCommand), /stopped before the network/);
    return headers!;
}

/** Stands for an SDK that does not know the member: whatever it serialized, the header is gone. */
function asOldSdk<C extends InvokeModelCommand | InvokeModelWithResponseStreamCommand>(command: C): C {
    const drop: BuildMiddleware<object, object> = next => args => {
        const h = (args.request as { headers: Record<string, string> }).headers;
        for (const k of Object.keys(h)) if (k.toLowerCase() === REQUEST_METADATA_HEADER) delete h[k];
        return next(args);
    };
    (command.middlewareStack as unknown as MiddlewareStack<object, object>).add(drop, {
        step: "build",
        priority: "high",
        name: "oldSdk",
    });
    return command;
}

const input = (requestMetadata?: string) => ({
    modelId: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
    body: new TextEncoder().encode("{}"),
    contentType: "application/json",
    ...(requestMetadata ? { requestMetadata } : {}),
});
const metadataHeaders = (h: Record<string, string>) =>
    Object.entries(h).filter(([k]) => k.toLowerCase() === REQUEST_METADATA_HEADER);
const signed = (h: Record<string, string>) => /SignedHeaders=([^,]+)/.exec(h.authorization)?.[1].split(";") ?? [];

describe("gateway: InvokeModel requestMetadata on any SDK", () => {
    it("the installed SDK writes the header itself; the gateway's middleware leaves it single and unchanged", async () => {
        for (const make of [
            () => new InvokeModelCommand(input(METADATA)),
            () => new InvokeModelWithResponseStreamCommand(input(METADATA)),
        ]) {
            const sdk = metadataHeaders(await sentHeaders(make()));
            assert.deepEqual(sdk, [[REQUEST_METADATA_HEADER, METADATA]], "the SDK's own serialization");
            assert.deepEqual(metadataHeaders(await sentHeaders(withRequestMetadata(make()))), sdk);
        }
    });

    it("an SDK that drops the member: the header is the gateway's, in the SDK's format, and signed", async () => {
        for (const make of [
            () => new InvokeModelCommand(input(METADATA)),
            () => new InvokeModelWithResponseStreamCommand(input(METADATA)),
        ]) {
            assert.deepEqual(metadataHeaders(await sentHeaders(asOldSdk(make()))), [], "dropped without the gateway");
            const h = await sentHeaders(withRequestMetadata(asOldSdk(make())));
            assert.deepEqual(metadataHeaders(h), [[REQUEST_METADATA_HEADER, METADATA]]);
            assert.ok(signed(h).includes(REQUEST_METADATA_HEADER), `signed: ${signed(h).join(";")}`);
        }
    });

    it("adds nothing to a request without metadata", async () => {
        assert.deepEqual(
            metadataHeaders(await sentHeaders(withRequestMetadata(asOldSdk(new InvokeModelCommand(input()))))),
            [],
        );
    });
});
