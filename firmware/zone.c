/* zone.c: IANA time zones from the TZif files in /usr/share/zoneinfo, parsed once per zone and cached, for per-request local time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zone.h"

#define ZONE_CACHE_MAX 64            /* zones kept; a page has one, a test a handful */
#define ZONE_FILE_MAX (256 * 1024)   /* the largest real TZif file is under 4 KiB */
#define ZONE_TYPES_MAX 256
#define ZONE_ABBR_MAX 16

struct zone_type {
	long off;                        /* seconds east of UTC */
	bool dst;
	char abbr[ZONE_ABBR_MAX];
};

/* The TZ string footer of a TZif v2+ file: "CST6CDT,M3.2.0,M11.1.0". Only the M form of rules. */
struct zone_rule {
	bool present, has_dst;
	struct zone_type std, dstt;
	int mon[2], week[2], wday[2];    /* [0] start of DST, [1] end */
	long at[2];                      /* seconds after local midnight (may be negative or > 24 h) */
};

struct zone {
	char name[ZONE_NAME_MAX + 1];
	size_t ntrans, ntypes;
	int64_t *trans;                  /* transition times, ascending */
	unsigned char *trans_type;
	struct zone_type types[ZONE_TYPES_MAX];
	struct zone_rule rule;
};

static const struct zone utc_zone = { .name = "UTC", .ntypes = 1, .types = { { 0, false, "UTC" } } };
static const struct zone *cache[ZONE_CACHE_MAX];
static size_t ncache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= ZONE_NAME_MAX && name[0] != '/' && name[0] != '.' && strstr(name, "..") == NULL &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") == n;
}

static int64_t be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	if (bytes == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* ---- the POSIX TZ footer ---- */

static const char *parse_abbr(const char *s, char out[ZONE_ABBR_MAX])
{
	size_t n = 0;
	if (*s == '<') {
		s++;
		while (*s && *s != '>' && n + 1 < ZONE_ABBR_MAX)
			out[n++] = *s++;
		if (*s != '>')
			return NULL;
		s++;
	} else {
		while (((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) && n + 1 < ZONE_ABBR_MAX)
			out[n++] = *s++;
	}
	out[n] = '\0';
	return n >= 1 ? s : NULL;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static const char *parse_hms(const char *s, long *out)
{
	long sign = 1, h = 0, m = 0, sec = 0;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9' && h < 1000)
		h = h * 10 + (*s++ - '0');
	if (*s == ':') {
		s++;
		while (*s >= '0' && *s <= '9' && m < 100)
			m = m * 10 + (*s++ - '0');
		if (*s == ':') {
			s++;
			while (*s >= '0' && *s <= '9' && sec < 100)
				sec = sec * 10 + (*s++ - '0');
		}
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	return s;
}

/* ",Mm.w.d[/time]" */
static const char *parse_date(const char *s, struct zone_rule *r, int i)
{
	if (*s++ != ',' || *s++ != 'M')
		return NULL;
	int v[3] = { 0, 0, 0 };
	for (int k = 0; k < 3; k++) {
		if (*s < '0' || *s > '9')
			return NULL;
		while (*s >= '0' && *s <= '9' && v[k] < 100)
			v[k] = v[k] * 10 + (*s++ - '0');
		if (k < 2 && *s++ != '.')
			return NULL;
	}
	if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] > 6)
		return NULL;
	r->mon[i] = v[0];
	r->week[i] = v[1];
	r->wday[i] = v[2];
	r->at[i] = 7200;
	if (*s == '/')
		s = parse_hms(s + 1, &r->at[i]);
	return s;
}

static void parse_rule(const char *s, struct zone_rule *r)
{
	memset(r, 0, sizeof *r);
	long off;
	if ((s = parse_abbr(s, r->std.abbr)) == NULL || (s = parse_hms(s, &off)) == NULL)
		return;
	r->std.off = -off;                  /* POSIX offsets are west of UTC */
	if (*s == '\0') {
		r->present = true;
		return;
	}
	if ((s = parse_abbr(s, r->dstt.abbr)) == NULL)
		return;
	r->dstt.off = r->std.off + 3600;
	r->dstt.dst = true;
	if (*s != ',' && *s != '\0') {
		if ((s = parse_hms(s, &off)) == NULL)
			return;
		r->dstt.off = -off;
	}
	if ((s = parse_date(s, r, 0)) == NULL || (s = parse_date(s, r, 1)) == NULL || *s != '\0')
		return;
	r->present = r->has_dst = true;
}

/* UTC seconds of rule date i in year, given the offset in force before it. */
static int64_t rule_instant(const struct zone_rule *r, int i, int year, long off_before)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = r->mon[i] - 1, .tm_mday = 1 };
	int64_t first = (int64_t)timegm(&tm);
	int wday1 = (int)(((first / 86400) % 7 + 11) % 7);          /* 1970-01-01 was a Thursday */
	int mday = 1 + (r->wday[i] - wday1 + 7) % 7 + (r->week[i] - 1) * 7;
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int dim = mdays[r->mon[i] - 1] + (r->mon[i] == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0));
	while (mday > dim)
		mday -= 7;
	return first + (int64_t)(mday - 1) * 86400 + r->at[i] - off_before;
}

static const struct zone_type *rule_type(const struct zone_rule *r, int64_t sec)
{
	if (!r->has_dst)
		return &r->std;
	time_t t = (time_t)(sec + r->std.off);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL)
		return &r->std;
	int year = tm.tm_year + 1900;
	int64_t start = rule_instant(r, 0, year, r->std.off), end = rule_instant(r, 1, year, r->dstt.off);
	bool in_dst = start < end ? (sec >= start && sec < end) : !(sec >= end && sec < start);
	return in_dst ? &r->dstt : &r->std;
}

/* ---- TZif ---- */

static struct zone *parse_tzif(const char *name, const unsigned char *d, size_t len)
{
	if (len < 44 || memcmp(d, "TZif", 4) != 0)
		return NULL;
	/* version 2+: skip the 32-bit block and read the 64-bit one with its footer */
	int tsize = 4;
	if (d[4] >= '2') {
		int64_t c[6];
		for (int i = 0; i < 6; i++)
			c[i] = be(d + 20 + 4 * i, 4);
		size_t skip = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + (size_t)c[5] + (size_t)c[2] * 8 +
		              (size_t)c[0] + (size_t)c[1];
		if (c[3] < 0 || c[4] < 0 || c[5] < 0 || c[2] < 0 || c[0] < 0 || c[1] < 0 || skip + 44 > len ||
		    memcmp(d + skip, "TZif", 4) != 0)
			return NULL;
		d += skip;
		len -= skip;
		tsize = 8;
	}
	int64_t isutcnt = be(d + 20, 4), isstdcnt = be(d + 24, 4), leapcnt = be(d + 28, 4);
	int64_t timecnt = be(d + 32, 4), typecnt = be(d + 36, 4), charcnt = be(d + 40, 4);
	if (timecnt < 0 || timecnt > 100000 || typecnt < 1 || typecnt > ZONE_TYPES_MAX || charcnt < 0 ||
	    leapcnt < 0 || isutcnt < 0 || isstdcnt < 0)
		return NULL;
	size_t need = 44 + (size_t)timecnt * (size_t)(tsize + 1) + (size_t)typecnt * 6 + (size_t)charcnt +
	              (size_t)leapcnt * (size_t)(tsize + 4) + (size_t)isstdcnt + (size_t)isutcnt;
	if (need > len)
		return NULL;
	struct zone *z = calloc(1, sizeof *z);
	if (z == NULL)
		return NULL;
	snprintf(z->name, sizeof z->name, "%s", name);
	z->ntrans = (size_t)timecnt;
	z->ntypes = (size_t)typecnt;
	z->trans = calloc(z->ntrans + 1, sizeof *z->trans);
	z->trans_type = calloc(z->ntrans + 1, 1);
	if (z->trans == NULL || z->trans_type == NULL) {
		free(z->trans);
		free(z->trans_type);
		free(z);
		return NULL;
	}
	const unsigned char *p = d + 44;
	for (size_t i = 0; i < z->ntrans; i++, p += tsize)
		z->trans[i] = be(p, tsize);
	for (size_t i = 0; i < z->ntrans; i++, p++)
		z->trans_type[i] = *p < z->ntypes ? *p : 0;
	const unsigned char *chars = p + z->ntypes * 6;
	for (size_t i = 0; i < z->ntypes; i++, p += 6) {
		z->types[i].off = (long)be(p, 4);
		z->types[i].dst = p[4] != 0;
		size_t ai = p[5];
		if (ai < (size_t)charcnt)
			snprintf(z->types[i].abbr, ZONE_ABBR_MAX, "%.*s", (int)strnlen((const char *)chars + ai, (size_t)charcnt - ai),
			         chars + ai);
	}
	if (tsize == 8) {
		const unsigned char *f = d + need, *end = d + len;
		if (f < end && *f == '\n') {
			const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
			if (nl && nl - f - 1 < 128) {
				char footer[128];
				memcpy(footer, f + 1, (size_t)(nl - f - 1));
				footer[nl - f - 1] = '\0';
				parse_rule(footer, &z->rule);
			}
		}
	}
	return z;
}

static struct zone *load(const char *name)
{
	char path[sizeof ZONE_DIR + ZONE_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", ZONE_DIR, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	unsigned char *d = malloc(ZONE_FILE_MAX);
	size_t len = d ? fread(d, 1, ZONE_FILE_MAX, f) : 0;
	fclose(f);
	struct zone *z = d && len < ZONE_FILE_MAX ? parse_tzif(name, d, len) : NULL;
	free(d);
	return z;
}

const struct zone *zone_utc(void)
{
	return &utc_zone;
}

const struct zone *zone_get(const char *name)
{
	if (name == NULL || !name_ok(name))
		return NULL;
	if (strcmp(name, "UTC") == 0)
		return &utc_zone;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ncache; i++)
		if (strcmp(cache[i]->name, name) == 0) {
			const struct zone *z = cache[i];
			pthread_mutex_unlock(&cache_lock);
			return z;
		}
	struct zone *z = load(name);
	if (z && ncache < ZONE_CACHE_MAX)
		cache[ncache++] = z;
	else if (z) {                  /* cache full (only with many zones): keep the first ones */
		free(z->trans);
		free(z->trans_type);
		free(z);
		z = NULL;
		pthread_mutex_unlock(&cache_lock);
		return &utc_zone;
	}
	pthread_mutex_unlock(&cache_lock);
	return z;
}

const struct zone *zone_or_utc(const char *name)
{
	const struct zone *z = name && name[0] ? zone_get(name) : NULL;
	return z ? z : &utc_zone;
}

const char *zone_name(const struct zone *z)
{
	return z->name;
}

bool zone_exists(const char *name)
{
	return zone_get(name) != NULL;
}

/* ---- conversions ---- */

static const struct zone_type *type_at(const struct zone *z, int64_t sec)
{
	if (z->ntrans == 0 || sec < z->trans[0]) {
		if (z->ntrans == 0 && z->rule.present)
			return rule_type(&z->rule, sec);
		return &z->types[0];
	}
	if (sec >= z->trans[z->ntrans - 1] && z->rule.present)
		return rule_type(&z->rule, sec);
	size_t lo = 0, hi = z->ntrans;          /* last transition <= sec */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (z->trans[mid] <= sec)
			lo = mid;
		else
			hi = mid;
	}
	return &z->types[z->trans_type[lo]];
}

static int64_t floor_sec(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

long zone_offset(const struct zone *z, int64_t ms)
{
	return type_at(z, floor_sec(ms))->off;
}

void zone_local(const struct zone *z, int64_t ms, struct tm *out)
{
	int64_t sec = floor_sec(ms);
	const struct zone_type *ty = type_at(z, sec);
	time_t t = (time_t)(sec + ty->off);
	if (gmtime_r(&t, out) == NULL)
		memset(out, 0, sizeof *out);
	out->tm_isdst = ty->dst;
	out->tm_gmtoff = ty->off;
	out->tm_zone = ty->abbr;
}

int64_t zone_to_ms(const struct zone *z, const struct tm *local)
{
	struct tm tm = *local;
	tm.tm_isdst = 0;
	int64_t wall = (int64_t)timegm(&tm);
	/* the offsets in force within a day of the wall time (real offsets are under 26 h apart) */
	long cand[3] = { type_at(z, wall - 86400)->off, type_at(z, wall)->off, type_at(z, wall + 86400)->off };
	int64_t best = INT64_MAX, latest = INT64_MIN;
	for (int i = 0; i < 3; i++) {
		int64_t u = wall - cand[i];
		if (type_at(z, u)->off == cand[i] && u < best)
			best = u;                   /* a reading of this wall time: keep the first */
		if (u > latest)
			latest = u;
	}
	/* none: the wall time was skipped by a change; the instant after the gap */
	return (best != INT64_MAX ? best : latest) * 1000;
}
