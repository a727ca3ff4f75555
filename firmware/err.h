/* err.h: Beacon's error codes; one string table and one HTTP status mapping (err.c). */
#ifndef BEACON_ERR_H
#define BEACON_ERR_H

enum bc_err {
	BC_OK = 0,
	BC_ENOMEM,      /* out of memory */
	BC_NOTFOUND,    /* no such object */
	BC_INVALID,     /* bad input */
	BC_CONFLICT,    /* exists already / state conflict */
	BC_TOOBIG,      /* input over its size limit */
	BC_AUTH,        /* missing or unknown credentials */
	BC_FORBIDDEN,   /* credentials lack the scope */
	BC_READONLY,    /* this node is a read-only replica */
	BC_STORE,       /* LMDB failure (detail logged) */
	BC_IO,          /* file or socket failure (detail logged) */
	BC_CRYPTO,      /* mbedtls failure (detail logged) */
	BC_RATELIMIT,   /* too many requests */
	BC_BADNAME,     /* a name that is blank or holds bidirectional controls */
	BC_NOSPACE,     /* the disk (or the LMDB map at its ceiling) is full */
	BC__MAX
};

const char *bc_strerror(enum bc_err e);
int bc_http_status(enum bc_err e);

#endif
