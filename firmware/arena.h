/* arena.h: per-request memory arenas and growable byte buffers. OOM policy: abort(). */
#ifndef BEACON_ARENA_H
#define BEACON_ARENA_H
#include <stddef.h>
#include <stdarg.h>

struct arena;

struct arena *arena_new(void);
void  arena_free(struct arena *a);
void  arena_reset(struct arena *a);            /* frees everything allocated since arena_new */
void *arena_alloc(struct arena *a, size_t n);  /* zeroed, 16-byte aligned; never NULL */
char *arena_strdup(struct arena *a, const char *s);          /* NULL in, NULL out */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a);      /* bytes handed out, for leak tests */

/* A growable byte buffer, always NUL-terminated when p != NULL. */
struct buf {
	char *p;
	size_t len, cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                 /* len = 0, keeps memory */
void buf_grow(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
