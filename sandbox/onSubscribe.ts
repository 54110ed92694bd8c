// Runs the project's own APPSYNC_JS onSubscribe handler file (functions/chat/appsync/onSubscribe.js, the code the
// namespace deploys) the way AppSync does: a fresh context per call, `util.unauthorized()` ending the request.
import * as fs from "fs";
import * as vm from "vm";
import { ON_SUBSCRIBE_FILE } from "../components/chat/streamingChatBackend";

export interface SubscribeIdentity {
    sub: string;
    username?: string;
    issuer: string;
    claims: Record<string, unknown>;
    sourceIp: string[];
    defaultAuthStrategy: "ALLOW";
    groups: string[] | null;
}

/** What the handler's util.unauthorized() throws, told apart from a bug in the handler. */
class Unauthorized extends Error {}

export function loadOnSubscribe(
    file = ON_SUBSCRIBE_FILE,
): (identity: SubscribeIdentity | undefined, channel: string, namespace: string) => boolean {
    const src = fs
        .readFileSync(file, "utf8")
        .replace(/^import \{ util \} from ["']@aws-appsync\/utils["'];$/m, "")
        .replace(/^export function /gm, "function ");
    const script = new vm.Script(`${src}\nonSubscribe(ctx);`, { filename: file });
    return (identity, channel, namespace) => {
        const util = {
            unauthorized: () => {
                throw new Unauthorized("unauthorized");
            },
        };
        const ctx = {
            identity: identity ?? {},
            info: {
                channel: { path: channel, segments: channel.split("/").slice(1) },
                channelNamespace: { name: namespace },
                operation: "SUBSCRIBE",
            },
        };
        try {
            script.runInNewContext({ util, ctx }, { timeout: 1000 });
            return true;
        } catch (e) {
            if (e instanceof Unauthorized) return false;
            throw e;
        }
    };
}
