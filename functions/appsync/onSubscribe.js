// AppSync Events onSubscribe handler (APPSYNC_JS) of the chat channel namespace. Deployed as the namespace's
// code handler. A subscriber may only use /<namespace>/<its own Cognito sub>/<session id or *>: the sub is
// compared as a whole segment, never as a string prefix, so neither a sub that starts with another user's sub
// nor a wildcard higher up (/*, /<namespace>/*) reaches someone else's channels.
import { util } from '@aws-appsync/utils';

export function onSubscribe(ctx) {
    const sub = ctx.identity && ctx.identity.sub;
    const segments = ctx.info.channel.segments || [];
    const namespace = ctx.info.channelNamespace.name;
    if (typeof sub !== 'string' || sub === '' || sub === '*') {
        util.unauthorized();
    }
    if (segments.length !== 3 || segments[0] !== namespace || segments[1] !== sub || segments[2] === '') {
        util.unauthorized();
    }
}
