// AppSync Events onSubscribe handler (APPSYNC_JS) of the chat channel namespace. Deployed as the namespace's
// code handler. A subscriber may only use /<namespace>/<its own Cognito sub>/<session id or *>: the sub is
// compared as a whole segment, never as a string prefix, so neither a sub that starts with another user's sub
// nor a wildcard higher up (/*, /<namespace>/*) reaches someone else's channels. The session segment follows the
// rule the relay builds channels with (AppSync's namespace rule: letters, digits, hyphens, 1..50); APPSYNC_JS has
// no regular expressions, hence the character list.
import { util } from "@aws-appsync/utils";

const SEGMENT_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";

function isChannelSegment(s) {
    if (typeof s !== "string" || s.length < 1 || s.length > 50) {
        return false;
    }
    let ok = true;
    for (const ch of s.split("")) {
        if (SEGMENT_CHARACTERS.indexOf(ch) < 0) {
            ok = false;
        }
    }
    return ok;
}

export function onSubscribe(ctx) {
    const sub = ctx.identity && ctx.identity.sub;
    const segments = ctx.info.channel.segments || [];
    const namespace = ctx.info.channelNamespace.name;
    if (typeof sub !== "string" || sub === "" || sub === "*") {
        util.unauthorized();
    }
    if (segments.length !== 3 || segments[0] !== namespace || segments[1] !== sub) {
        util.unauthorized();
    }
    if (segments[2] !== "*" && !isChannelSegment(segments[2])) {
        util.unauthorized();
    }
}
