// Node only (never imported by the page): Amplify's events client opens `new WebSocket(url, protocols)`, which
// Node 20 lacks (Node 22's has no way to trust a local certificate). This installs the `ws` package's WebSocket
// for the process, optionally trusting one more CA for one host: the sandbox's self-signed certificate.
import * as fs from "fs";
import * as tls from "tls";
import WebSocket from "ws";

export interface NodeWebSocketOptions {
    /** PEM of a certificate to trust besides the system's (the sandbox's caCertFile). */
    ca?: string;
    /** The host (host:port) the certificate is for. Each sandbox has its own self-signed certificate with the
     * same subject, and OpenSSL picks the first CA of a matching name: so one CA per host, not a pool. */
    host?: string;
}

const byHost = new Map<string, string>();
let anyHost: string | undefined;
let installed = false;

/** Idempotent; each call may add a CA. */
export function useNodeWebSocket(options: NodeWebSocketOptions = {}): void {
    if (options.ca && options.host) byHost.set(options.host, options.ca);
    else if (options.ca) anyHost = options.ca;
    const g = globalThis as unknown as { WebSocket?: unknown };
    if (installed || (g.WebSocket && !options.ca)) return;
    class NodeWebSocket extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
            const extra = byHost.get(new URL(String(url)).host) ?? anyHost;
            // The system's CAs stay trusted next to the added one (a ca option replaces them in tls.connect).
            super(url, protocols, extra ? { ca: [...tls.rootCertificates, extra] } : {});
        }
    }
    g.WebSocket = NodeWebSocket;
    installed = true;
}

/** Options for these outputs: the sandbox's certificate for its host, when they are the sandbox's. */
export function webSocketOptionsFor(outputs: Record<string, unknown>): NodeWebSocketOptions {
    const file = outputs.sandbox === true && typeof outputs.caCertFile === "string" ? outputs.caCertFile : undefined;
    if (!file || !fs.existsSync(file) || typeof outputs.chatEventsHttpEndpoint !== "string") return {};
    return { ca: fs.readFileSync(file, "utf8"), host: new URL(outputs.chatEventsHttpEndpoint).host };
}
