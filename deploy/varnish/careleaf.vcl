vcl 4.1;
# Varnish in front of Careleaf's app servers: caches the public API (GET/HEAD of /api/v1/, never
# /api/v1/preview/ or the admin) for as long as the app's s-maxage says (a day with
# CDN_PURGE_BACKENDS set), and drops exactly what changed when the app purges by tag:
#
# - every public 200 carries `Surrogate-Key: api article-12 clinic-3 ...` (api/cache_tags.py); it is
#   copied into `xkey` (vmod xkey's index) and `x-cache-tags` (what bans match);
# - `PURGE /` with `xkey-purge: tag1 tag2` drops every object carrying any of the tags (xkey mode,
#   the default of api/cdn.py's "varnish" backend); `BAN /` with `x-ban-tags: tag1 tag2` bans them
#   (MODE "ban": for a Varnish without varnish-modules). Both only from the `purgers` ACL;
# - grace: an object stays a day past its TTL (the app's stale-if-error), but is served stale only
#   up to 10 s (while it is refreshed in the background) unless every app server is sick, as the
#   health probe on /api/v1/ sees them: then Varnish serves what it has while the app is down.
#
# The lines between "BEGIN xkey" and "END xkey" are all that needs vmod xkey (Debian:
# varnish-modules); system_tests/varnish.py removes them for ban mode. The block between
# "BEGIN backends" and "END backends" names the app servers: edit it for a deployment (the tests and
# bench/varnish.py write their own). See deploy/varnish/README.md.

import std;
import directors;
# BEGIN xkey
import xkey;
# END xkey

probe careleaf_health {
    .url = "/api/v1/";
    .interval = 1s;
    # Sick after 3 of the last 5 probes failed (~3 s once a server is down), not at one slow answer:
    # a busy server is better than none (a purged object has no stale copy to fall back on).
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;  # healthy from the start: the app servers are up before Varnish takes traffic
}

# BEGIN backends
backend app1 {
    .host = "127.0.0.1";
    .port = "8001";
    .probe = careleaf_health;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
}

backend app2 {
    .host = "127.0.0.1";
    .port = "8002";
    .probe = careleaf_health;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app1);
    app.add_backend(app2);
}
# END backends

# Who may purge and ban: the app servers. Add their addresses when they run on other machines.
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = app.backend();

    # BEGIN xkey
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "PURGE needs an xkey-purge header"));
        }
        # Hard purge: the next request fetches, even with the app down (a withdrawn article must
        # not come back from grace).
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    # END xkey

    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Tags are [a-z0-9-] (api/cache_tags.py): nothing else may reach the regular expression.
        if (req.http.x-ban-tags !~ "^[a-z0-9-]{1,100}( [a-z0-9-]{1,100}){0,199}$") {
            return (synth(400, "BAN needs x-ban-tags: space-separated tags of a-z, 0-9 and -"));
        }
        # Any of the tags, as a whole word: "article-1" never matches "article-12". ban() splits its
        # argument on spaces and keeps quotes, so the expression has neither.
        if (std.ban("obj.http.x-cache-tags ~ (^|[^a-z0-9-])("
                + regsuball(req.http.x-ban-tags, " ", "|") + ")($|[^a-z0-9-])")) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }
    if (req.method == "PURGE") {
        return (synth(405, "This Varnish has no vmod xkey: purge with BAN and x-ban-tags (MODE ban)"));
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url !~ "^/api/v1/" || req.url ~ "^/api/v1/preview/") {
        return (pass);  # the admin, previews, docs, static files: never shared
    }
    # An API key (Authorization: Bearer clk_<12 hex>_<64 hex>, clinics/api_keys.py) only lifts the
    # rate limit: the answer is the same as anyone's, so it is shared (a miss still takes the key to
    # the app, which checks and counts it). Only the key's exact form is: anything else with an
    # Authorization header (a malformed key, Basic, another scheme) is not ours to judge and goes
    # to the app, which answers a malformed key with a 401.
    # The trade-off: a hit is served without the key being checked, so a revoked (or made-up)
    # well-formed key still gets the cached public answers here, as a keyless client does; the app
    # checks the key on every request that reaches it, and a key opens nothing but a higher limit.
    if (req.http.Authorization
            && req.http.Authorization !~ "^(?i:bearer) clk_[0-9a-f]{12}_[0-9a-f]{64}$") {
        return (pass);
    }
    # The public API reads no cookie: a browser's (analytics, the admin's session) must not make
    # every response uncacheable.
    unset req.http.Cookie;

    # The grace pattern: while an app server is healthy, serve an expired object for at most 10 s
    # (and refresh it in the background); when all are sick, serve it for the object's whole grace.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);  # a pass: nothing to tag
    }
    if (beresp.status != 200) {
        # An error or a 404 is not cached (it carries no tags, so no purge could drop it); a short
        # hit-for-miss stops requests for it from queueing behind one another.
        set beresp.ttl = 10s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL is the built-in one: s-maxage before max-age.
    set beresp.grace = 24h;  # the app's stale-if-error=86400
    set beresp.keep = 1h;  # expired copies kept for revalidation with If-None-Match
    # BEGIN xkey
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    # END xkey
    set beresp.http.x-cache-tags = beresp.http.Surrogate-Key;
}

sub vcl_backend_error {
    # A read whose fetch failed (an app server's worker restarted or timed out mid-response) is
    # tried once more, on the next app server. With every app server down the 503 comes at once.
    if (bereq.retries == 0 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        return (retry);
    }
}

sub vcl_synth {
    if (req.method == "PURGE" || req.method == "BAN") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.x-cache-tags;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
