// Node only (never imported by the page): Amplify's events client opens `new WebSocket(url, protocols)`, which
// Node 20 lacks (Node 22's has no way to trust a local certificate). This installs the `ws` package's WebSocket
// for the process, optionally trusting one more CA: the sandbox's self-signed certificate.
import * as fs from "fs";
import WebSocket from "ws";

export interface NodeWebSocketOptions {
    /** PEM of a certificate to trust besides the system's (the sandbox's caCertFile). */
    ca?: string;
}

export function useNodeWebSocket(options: NodeWebSocketOptions = {}): void {
    const ca = options.ca;
    const g = globalThis as unknown as { WebSocket?: unknown };
    if (g.WebSocket && !ca) return;
    class NodeWebSocket extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols, ca ? { ca } : {});
        }
    }
    g.WebSocket = NodeWebSocket;
}

/** The CA a Node client should trust for these outputs: the sandbox's certificate, when they are the sandbox's. */
export function caFromOutputs(outputs: Record<string, unknown>): string | undefined {
    const file = outputs.sandbox === true && typeof outputs.caCertFile === "string" ? outputs.caCertFile : undefined;
    return file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}
