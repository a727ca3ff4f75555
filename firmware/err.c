/* err.c: the string table and HTTP status of every bc_err. */
#include "err.h"

static const struct {
	const char *msg;
	int http;
} errs[BC__MAX] = {
	[BC_OK]        = { "success",                      200 },
	[BC_ENOMEM]    = { "out of memory",                500 },
	[BC_NOTFOUND]  = { "not found",                    404 },
	[BC_INVALID]   = { "invalid input",                422 },
	[BC_CONFLICT]  = { "conflict",                     409 },
	[BC_TOOBIG]    = { "input too large",              413 },
	[BC_AUTH]      = { "authentication required",      401 },
	[BC_FORBIDDEN] = { "insufficient scope",           403 },
	[BC_READONLY]  = { "read-only replica",            503 },
	[BC_STORE]     = { "storage error",                500 },
	[BC_IO]        = { "input/output error",           500 },
	[BC_CRYPTO]    = { "cryptography error",           500 },
	[BC_RATELIMIT] = { "rate limit exceeded",          429 },
	[BC_BADNAME]   = { "invalid name: blank, or holds bidirectional control characters", 422 },
	[BC_NOSPACE]   = { "no space left on device",      507 },
};

const char *bc_strerror(enum bc_err e)
{
	return (e >= 0 && e < BC__MAX) ? errs[e].msg : "unknown error";
}

int bc_http_status(enum bc_err e)
{
	return (e >= 0 && e < BC__MAX) ? errs[e].http : 500;
}
