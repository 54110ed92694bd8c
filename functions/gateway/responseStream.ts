// Lambda response streaming, and a stand-in for it outside Lambda. No Pulumi imports.
//
// In Lambda the Node.js runtime provides the `awslambda` global: `awslambda.streamifyResponse(handler)` makes the
// runtime call `handler(event, responseStream, context)` with a writable stream, and
// `awslambda.HttpResponseStream.from(responseStream, { statusCode, headers })` writes the HTTP status and headers
// ahead of the body ("Writing response streaming-enabled Lambda functions",
// https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html). Through API Gateway REST with
// `responseTransferMode: STREAM` the function receives the ordinary Lambda proxy integration event, and its output
// must be that metadata JSON, a delimiter of 8 null bytes, then the payload: API Gateway starts the response once
// it has read the metadata and the delimiter ("Set up a Lambda proxy integration with payload response streaming",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html).
// Outside Lambda (tests, the sandbox), `streamingRuntime()` gives a shim that writes exactly that format.

/** What the handler writes to: Lambda's responseStream is a Node.js Writable. */
export interface ResponseStream {
    write(chunk: string | Uint8Array): boolean;
    end(): void;
    once?(event: "drain" | "close" | "error", listener: () => void): unknown;
    /** 'close' or 'error' before the handler ends the stream: the client (or the connection to it) is gone. */
    on?(event: "close" | "error", listener: () => void): unknown;
    destroyed?: boolean;
    writableEnded?: boolean;
}

export interface Prelude {
    statusCode: number;
    headers?: Record<string, string>;
}

export type StreamingHandler<E, C> = (event: E, responseStream: ResponseStream, context: C) => Promise<void>;

export interface StreamingRuntime {
    streamifyResponse<E, C>(handler: StreamingHandler<E, C>): StreamingHandler<E, C>;
    HttpResponseStream: { from(stream: ResponseStream, prelude: Prelude): ResponseStream };
}

/** The 8 null bytes between the metadata JSON and the body: made per call, because Pulumi's closure serialization
 * does not keep a module-level typed array one (it becomes a plain object, which a stream refuses). */
const preludeDelimiter = () => new Uint8Array(8);

/** Outside Lambda: the same calling convention and the same bytes on the stream. */
export const LOCAL_RUNTIME: StreamingRuntime = {
    streamifyResponse: handler => handler,
    HttpResponseStream: {
        from(stream, prelude) {
            stream.write(JSON.stringify(prelude));
            stream.write(preludeDelimiter());
            return stream;
        },
    },
};

/** Lambda's `awslambda` global when the runtime provides it, the local stand-in otherwise. */
export function streamingRuntime(): StreamingRuntime {
    const g = (globalThis as unknown as { awslambda?: StreamingRuntime }).awslambda;
    return g && typeof g.streamifyResponse === "function" ? g : LOCAL_RUNTIME;
}

/** Writes and waits for the stream to drain when its buffer is full (back pressure from a slow client). */
export async function send(stream: ResponseStream, chunk: string): Promise<void> {
    if (stream.destroyed || stream.writableEnded) throw new Error("the response stream is closed");
    if (!stream.write(chunk) && stream.once)
        await new Promise<void>(r => {
            // A client that went away closes the stream instead of draining it.
            stream.once!("drain", r);
            stream.once!("close", r);
        });
}
