/* store.c: the LMDB environment: safe opening, databases, transactions, generation, map growth, copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "store_internal.h"
#include "log.h"

#define SCHEMA_VERSION 1
#define MAX_READERS    256
#define FULL_DISK_BYTES ((uint64_t)4 << 20)  /* EIO with less free than this: LMDB's short write on a full disk */
#define MAX_MAP_SIZE   ((size_t)1 << 40)        /* growth stops at 1 TiB */
#define UNSAFE_FLAGS   (MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC | MDB_WRITEMAP)

static const char *const db_names[DB__MAX] = {
	[DB_META] = "meta", [DB_PAGE] = "page", [DB_GROUPS] = "groups",
	[DB_COMPONENTS] = "components", [DB_INCIDENTS] = "incidents", [DB_INC_OPEN] = "inc_open",
	[DB_INC_TIME] = "inc_time", [DB_UPDATES] = "updates", [DB_UPDATE_IX] = "update_ix",
	[DB_STATUS_LOG] = "status_log", [DB_AUDIT] = "audit", [DB_TOKENS] = "tokens", [DB_KV] = "kv",
	[DB_OUTBOX] = "outbox",
};

static size_t initial_map_size = (size_t)64 << 20;
static _Thread_local const struct store *writing_store;    /* the store this thread writes to */

void store_set_map_size(size_t bytes)
{
	initial_map_size = bytes;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum bc_err mdb_fail(const char *what, int rc)
{
	log_warnx("store: %s: %s", what, mdb_strerror(rc));
	return BC_STORE;
}

enum bc_err write_fail(struct store *s, const char *what, int rc)
{
	struct statvfs fs;
	if (rc == ENOSPC || (rc == EIO && statvfs(s->path, &fs) == 0 &&
	                     (uint64_t)fs.f_bavail * fs.f_frsize < FULL_DISK_BYTES)) {
		log_warnx("store: %s: %s: no space left on device", s->path, what);
		return BC_NOSPACE;
	}
	return mdb_fail(what, rc);
}

void stx_note_error(struct stx *t, int rc)
{
	if (!t->write)
		return;
	t->failed = true;
	if (rc == MDB_MAP_FULL)
		t->s->grow_pending = true;
}

enum bc_err stx_need_write(struct stx *t)
{
	if (!t->write)
		return BC_READONLY;
	if (t->failed)
		return BC_STORE;
	return BC_OK;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/* Meta values are be64 numbers. Missing -> 0. */
static uint64_t meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name)
{
	MDB_val k = db_val(name, strlen(name)), v;
	if (mdb_get(txn, dbi, &k, &v) != 0 || v.mv_size != 8)
		return 0;
	const unsigned char *p = v.mv_data;
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | p[i];
	return x;
}

static int meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t x)
{
	unsigned char b[8];
	for (int i = 7; i >= 0; i--, x >>= 8)
		b[i] = (unsigned char)(x & 0xff);
	MDB_val k = db_val(name, strlen(name)), v = { 8, b };
	return mdb_put(txn, dbi, &k, &v, 0);
}

/* Opens every database in one txn; a writable store gets its schema on first open. */
static enum bc_err open_databases(struct store *s)
{
	bool rdonly = s->flags & (STORE_RDONLY | STORE_SNAPSHOT);
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0, &txn);
	if (rc)
		return mdb_fail("opening databases", rc);
	for (int i = 0; i < DB__MAX; i++) {
		rc = mdb_dbi_open(txn, db_names[i], rdonly ? 0 : MDB_CREATE, &s->dbi[i]);
		if (rc == MDB_NOTFOUND && rdonly && i == DB_OUTBOX) {
			s->outbox_missing = true;       /* a snapshot of an older primary */
			continue;
		}
		if (rc) {
			mdb_txn_abort(txn);
			log_warnx("store: %s: database %s: %s", s->path, db_names[i], mdb_strerror(rc));
			return BC_STORE;
		}
	}
	uint64_t schema = meta_get(txn, s->dbi[DB_META], "schema");
	if (schema > SCHEMA_VERSION) {
		mdb_txn_abort(txn);
		log_warnx("store: %s has schema %llu, newer than this beacon's %d; refusing to open",
		          s->path, (unsigned long long)schema, SCHEMA_VERSION);
		return BC_STORE;
	}
	if (schema == 0 && !rdonly) {
		rc = meta_put(txn, s->dbi[DB_META], "schema", SCHEMA_VERSION);
		if (rc == 0)
			rc = meta_put(txn, s->dbi[DB_META], "generation_time", (uint64_t)now_ms());
		if (rc) {
			mdb_txn_abort(txn);
			return mdb_fail("writing schema", rc);
		}
	} else if (schema == 0) {
		mdb_txn_abort(txn);
		log_warnx("store: %s holds no beacon schema", s->path);
		return BC_STORE;
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return mdb_fail("committing databases", rc);
	return BC_OK;
}

/* Checks the path for the open mode; creates the directory with STORE_CREATE. */
static enum bc_err prepare_path(const char *path, unsigned flags)
{
	struct stat st;
	if (flags & STORE_SNAPSHOT) {
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			log_warnx("store: snapshot %s is not a readable file", path);
			return BC_NOTFOUND;
		}
		return BC_OK;
	}
	if ((flags & STORE_CREATE) && mkdir(path, 0750) != 0 && errno != EEXIST) {
		log_warn("store: mkdir %s", path);
		return BC_IO;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_warnx("store: %s is not a directory", path);
		return BC_NOTFOUND;
	}
	if (!(flags & STORE_CREATE)) {
		char data[4096];
		if ((size_t)snprintf(data, sizeof data, "%s/data.mdb", path) >= sizeof data)
			return BC_INVALID;
		if (stat(data, &st) != 0) {
			log_warnx("store: %s has no data.mdb (run `beacon init` first)", path);
			return BC_NOTFOUND;
		}
	}
	return BC_OK;
}

enum bc_err store_open(struct store **out, const char *path, unsigned flags)
{
	*out = NULL;
	if (path == NULL || *path == '\0' || (flags & ~(STORE_CREATE | STORE_RDONLY | STORE_SNAPSHOT)))
		return BC_INVALID;
	if ((flags & STORE_CREATE) && (flags & (STORE_RDONLY | STORE_SNAPSHOT)))
		return BC_INVALID;
	enum bc_err e = random_init();
	if (e != BC_OK)
		return e;
	e = prepare_path(path, flags);
	if (e != BC_OK)
		return e;

	struct store *s = calloc(1, sizeof *s);
	if (s == NULL)
		abort();
	s->path = strdup(path);
	if (s->path == NULL)
		abort();
	s->flags = flags;
	pthread_mutex_init(&s->writer_lock, NULL);
	pthread_rwlock_init(&s->map_lock, NULL);

	unsigned env_flags = 0;
	if (flags & STORE_SNAPSHOT)
		env_flags = MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK;
	else if (flags & STORE_RDONLY)
		env_flags = MDB_RDONLY;
	int rc = mdb_env_create(&s->env);
	if (rc) {
		s->env = NULL;
		e = mdb_fail("env create", rc);
		goto fail;
	}
	mdb_env_set_maxdbs(s->env, DB__MAX + 2);
	mdb_env_set_maxreaders(s->env, MAX_READERS);
	if (!(flags & (STORE_SNAPSHOT | STORE_RDONLY)))
		mdb_env_set_mapsize(s->env, initial_map_size);
	rc = mdb_env_open(s->env, path, env_flags, 0640);
	if (rc) {
		log_warnx("store: opening %s: %s", path, mdb_strerror(rc));
		e = rc == ENOENT ? BC_NOTFOUND : BC_STORE;
		goto fail;
	}
	unsigned got = 0;
	mdb_env_get_flags(s->env, &got);
	if (got & UNSAFE_FLAGS) {
		log_warnx("store: %s opened with unsafe sync flags 0x%x; refusing", path, got & UNSAFE_FLAGS);
		e = BC_STORE;
		goto fail;
	}
	if (!(flags & (STORE_SNAPSHOT | STORE_RDONLY))) {
		/* LMDB maps the configured size; a store that grew before keeps its larger map instead of
		 * growing again (one remap and log line per process, and every CLI call is a process) */
		MDB_envinfo configured, kept;
		if (mdb_env_info(s->env, &configured) == 0 && mdb_env_set_mapsize(s->env, 0) == 0 &&
		    mdb_env_info(s->env, &kept) == 0 && kept.me_mapsize < configured.me_mapsize)
			mdb_env_set_mapsize(s->env, configured.me_mapsize);
	}
	if (!(flags & STORE_SNAPSHOT)) {
		int dead = 0;
		rc = mdb_reader_check(s->env, &dead);
		if (rc)
			log_warnx("store: reader check on %s: %s", path, mdb_strerror(rc));
		else if (dead > 0)
			log_info("store: cleared %d stale reader slots in %s", dead, path);
	}
	e = open_databases(s);
	if (e != BC_OK)
		goto fail;
	*out = s;
	return BC_OK;
fail:
	store_close(s);
	return e;
}

void db_map_release(MDB_env *env)
{
	/* LMDB does not tell where it mapped the file (me_mapaddr is only set for MDB_FIXEDMAP):
	 * the mappings of its data file are found by device and inode in /proc/self/maps */
	unsigned flags = 0;
	mdb_filehandle_t fd;
	struct stat st;
	if (mdb_env_get_flags(env, &flags) != 0 || (flags & MDB_WRITEMAP) || mdb_env_get_fd(env, &fd) != 0 ||
	    fstat(fd, &st) != 0)
		return;
	FILE *f = fopen("/proc/self/maps", "re");
	if (f == NULL)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi, ino;
		unsigned maj, mnr;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s %*x %x:%x %lu", &lo, &hi, perms, &maj, &mnr, &ino) == 6 &&
		    ino == (unsigned long)st.st_ino && maj == major(st.st_dev) && mnr == minor(st.st_dev) &&
		    perms[1] != 'w')
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	fclose(f);
}

void store_release_map(struct store *s)
{
	pthread_rwlock_rdlock(&s->map_lock);
	db_map_release(s->env);
	pthread_rwlock_unlock(&s->map_lock);
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->env)
		mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->map_lock);
	pthread_mutex_destroy(&s->writer_lock);
	free(s->path);
	free(s);
}

/* Remaps under writer_lock (held by the caller) and map_lock exclusively.
 * new_size 0 adopts the size another process committed. */
static enum bc_err remap(struct store *s, size_t new_size)
{
	pthread_rwlock_wrlock(&s->map_lock);
	int rc = mdb_env_set_mapsize(s->env, new_size);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc)
		return mdb_fail("resizing the map", rc);
	return BC_OK;
}

/* Doubles the map when asked to or when more than half of it would be in use with extra more bytes
 * (writer_lock held, no txn of this process active). True when it grew. */
static bool grow_if_needed(struct store *s, size_t extra)
{
	MDB_envinfo info;
	MDB_stat st;
	if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
		return false;
	size_t want = (info.me_last_pgno + 1) * (size_t)st.ms_psize + extra;
	if (!s->grow_pending && want <= info.me_mapsize / 2)
		return false;
	size_t next = info.me_mapsize * 2;
	while (want > next / 2 && next < MAX_MAP_SIZE)
		next *= 2;
	if (next > MAX_MAP_SIZE) {
		log_warnx("store: %s: map at its %zu-byte limit", s->path, info.me_mapsize);
		return false;
	}
	if (remap(s, next) != BC_OK)
		return false;
	s->grow_pending = false;
	log_info("store: %s: map grown from %zu to %zu bytes", s->path, info.me_mapsize, next);
	return true;
}

/* LMDB records the map size in the file only with a commit that writes: after growing because a
 * write failed, commit one so the next process (a retried import) opens the grown map. */
static void keep_map_size(struct store *s)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0 && (rc = meta_put(txn, s->dbi[DB_META], "map_size", store_map_size(s))) != 0)
		mdb_txn_abort(txn);
	else if (rc == 0)
		rc = mdb_txn_commit(txn);
	if (rc)
		mdb_fail("recording the grown map size", rc);
}

enum bc_err store_reserve(struct store *s, size_t bytes)
{
	if (s->flags & (STORE_RDONLY | STORE_SNAPSHOT))
		return BC_READONLY;
	pthread_mutex_lock(&s->writer_lock);
	if (grow_if_needed(s, bytes))
		keep_map_size(s);
	pthread_mutex_unlock(&s->writer_lock);
	return BC_OK;
}

static struct stx *stx_new(struct store *s, struct arena *a, bool write)
{
	struct stx *t = calloc(1, sizeof *t);
	if (t == NULL)
		abort();
	t->s = s;
	t->a = a;
	t->write = write;
	return t;
}

static void read_generation(struct stx *t)
{
	t->gen = meta_get(t->txn, t->s->dbi[DB_META], "generation");
	t->gen_time = (int64_t)meta_get(t->txn, t->s->dbi[DB_META], "generation_time");
}

enum bc_err store_begin_read(struct store *s, struct arena *a, struct stx **out)
{
	*out = NULL;
	for (int attempt = 0; attempt < 3; attempt++) {
		pthread_rwlock_rdlock(&s->map_lock);
		MDB_txn *txn;
		int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
		if (rc == 0) {
			struct stx *t = stx_new(s, a, false);
			t->txn = txn;
			read_generation(t);
			pthread_rwlock_unlock(&s->map_lock);
			*out = t;
			return BC_OK;
		}
		pthread_rwlock_unlock(&s->map_lock);
		if (rc != MDB_MAP_RESIZED)
			return mdb_fail("begin read", rc);
		/* another process grew the file past our map: adopt its size, unless this
		 * thread's own write txn is active (a remap must wait for it to end) */
		if (writing_store == s)
			return mdb_fail("begin read while writing", rc);
		pthread_mutex_lock(&s->writer_lock);
		enum bc_err e = remap(s, 0);
		pthread_mutex_unlock(&s->writer_lock);
		if (e != BC_OK)
			return e;
	}
	return mdb_fail("begin read", MDB_MAP_RESIZED);
}

enum bc_err store_begin_write(struct store *s, struct arena *a, struct stx **out)
{
	*out = NULL;
	if (s->flags & (STORE_RDONLY | STORE_SNAPSHOT))
		return BC_READONLY;
	pthread_mutex_lock(&s->writer_lock);
	grow_if_needed(s, 0);
	for (int attempt = 0; attempt < 3; attempt++) {
		MDB_txn *txn;
		int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc == 0) {
			struct stx *t = stx_new(s, a, true);
			t->txn = txn;
			read_generation(t);
			writing_store = s;
			*out = t;
			return BC_OK;       /* writer_lock stays held until commit/abort */
		}
		if (rc != MDB_MAP_RESIZED) {
			pthread_mutex_unlock(&s->writer_lock);
			return mdb_fail("begin write", rc);
		}
		if (remap(s, 0) != BC_OK)
			break;
	}
	pthread_mutex_unlock(&s->writer_lock);
	return mdb_fail("begin write", MDB_MAP_RESIZED);
}

/* Ends a txn's bookkeeping: a writer grows the map if a put ran out of room, then lets go. */
static void stx_finish(struct stx *t)
{
	struct store *s = t->s;
	bool write = t->write;
	free(t);
	if (write) {
		if (s->grow_pending && grow_if_needed(s, 0))
			keep_map_size(s);
		writing_store = NULL;
		pthread_mutex_unlock(&s->writer_lock);
	}
}

enum bc_err store_commit(struct stx *t)
{
	if (!t->write) {
		store_abort(t);
		return BC_OK;
	}
	if (t->failed) {
		store_abort(t);
		return BC_STORE;
	}
	int rc = meta_put(t->txn, t->s->dbi[DB_META], "generation", t->gen + 1);
	if (rc == 0)
		rc = meta_put(t->txn, t->s->dbi[DB_META], "generation_time", (uint64_t)now_ms());
	if (rc) {
		stx_note_error(t, rc);
		mdb_txn_abort(t->txn);
		mdb_fail("bumping the generation", rc);
		stx_finish(t);
		return BC_STORE;
	}
	rc = mdb_txn_commit(t->txn);      /* frees the txn whether or not it succeeds */
	if (rc) {
		stx_note_error(t, rc);
		enum bc_err e = write_fail(t->s, "commit", rc);
		stx_finish(t);
		return e == BC_NOSPACE ? e : BC_STORE;
	}
	stx_finish(t);
	return BC_OK;
}

void store_abort(struct stx *t)
{
	if (t == NULL)
		return;
	if (t->write) {
		mdb_txn_abort(t->txn);
	} else {
		pthread_rwlock_rdlock(&t->s->map_lock);
		mdb_txn_abort(t->txn);
		pthread_rwlock_unlock(&t->s->map_lock);
	}
	stx_finish(t);
}

size_t store_map_size(struct store *s)
{
	MDB_envinfo info;
	return mdb_env_info(s->env, &info) == 0 ? info.me_mapsize : 0;
}

long store_holder_pid(const char *dir)
{
	char file[4096];
	snprintf(file, sizeof file, "%s/lock.mdb", dir);
	int fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	int rc = fcntl(fd, F_GETLK, &fl);
	close(fd);
	if (rc != 0)
		return -1;
	return fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid;
}

bool store_file_current(struct store *s)
{
	int fd;
	struct stat open_st, path_st;
	char file[4096];
	snprintf(file, sizeof file, (s->flags & STORE_SNAPSHOT) ? "%s" : "%s/data.mdb", s->path);
	if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &open_st) != 0 || stat(file, &path_st) != 0)
		return false;
	return open_st.st_ino == path_st.st_ino && open_st.st_dev == path_st.st_dev;
}

size_t store_map_used(struct store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
		return 0;
	return (info.me_last_pgno + 1) * (size_t)st.ms_psize;
}

uint64_t store_generation(struct stx *t)
{
	return t->gen;
}

int64_t store_generation_time(struct stx *t)
{
	return t->gen_time;
}

enum bc_err store_snapshot_generation(struct store *s, uint64_t *gen)
{
	struct stx *t;
	enum bc_err e = store_begin_read(s, NULL, &t);
	if (e != BC_OK)
		return e;
	*gen = t->gen;
	store_abort(t);
	return BC_OK;
}

enum bc_err store_copy_fd(struct store *s, int fd)
{
	/* the copy's pages are read through the map by a helper thread: no remap meanwhile */
	pthread_rwlock_rdlock(&s->map_lock);
	int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc)
		return mdb_fail("compact copy", rc);
	return BC_OK;
}

struct arena *store_txn_arena(struct stx *t)
{
	return t->a;
}
