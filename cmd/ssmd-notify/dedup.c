/* dedup: an open-addressing table of 64-bit keys and an append-only log of
 * "<unix seconds> <key hex>" lines.  The log is read and compacted at
 * start and again when it has grown well past what is live.  A line is
 * written (one write(2), O_APPEND) as soon as a send succeeds, so a kill -9
 * loses nothing the kernel was given; only the instant between the
 * server's 2xx and that write can cause one duplicate. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dedup.h"

#define EMPTY	0
#define DELETED	1

uint64_t
dedup_key(const char *id, size_t idlen, const char *dest)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	uint64_t	 k = 0;
	int		 i;

	if (c != NULL) {
		EVP_DigestInit_ex(c, EVP_sha256(), NULL);
		EVP_DigestUpdate(c, id, idlen);
		EVP_DigestUpdate(c, "", 1);
		EVP_DigestUpdate(c, dest, strlen(dest));
		EVP_DigestFinal_ex(c, md, &mdlen);
		EVP_MD_CTX_free(c);
	}
	for (i = 0; i < 8 && (unsigned)i < mdlen; i++)
		k = k << 8 | md[i];
	return k > DELETED ? k : k + 2;
}

static size_t
slot_of(const struct dedup *d, uint64_t key)
{
	size_t	i = (size_t)(key ^ key >> 29) & (d->cap - 1);

	while (d->slots[i].key != EMPTY && d->slots[i].key != key)
		i = (i + 1) & (d->cap - 1);
	return i;
}

static int
grow(struct dedup *d)
{
	struct dedup_slot	*old = d->slots;
	size_t			 oldcap = d->cap, i, j;
	int64_t			 cutoff = (int64_t)time(NULL) - (int64_t)d->window;

	d->cap = d->live * 4 > 1024 ? d->live * 4 : 1024;
	/* a power of two */
	for (i = 1; i < d->cap; i <<= 1)
		;
	d->cap = i;
	if ((d->slots = calloc(d->cap, sizeof(*d->slots))) == NULL) {
		d->slots = old;
		d->cap = oldcap;
		return -1;
	}
	d->used = d->live = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key <= DELETED ||
		    (old[i].t >= 0 && old[i].t < cutoff))
			continue;	/* expired entries go on a rehash */
		j = slot_of(d, old[i].key);
		d->slots[j] = old[i];
		d->used++, d->live++;
	}
	free(old);
	return 0;
}

static int
put(struct dedup *d, uint64_t key, int64_t t)
{
	size_t	i;

	if ((d->used + 1) * 2 > d->cap && grow(d) == -1)
		return -1;
	i = slot_of(d, key);
	if (d->slots[i].key == EMPTY)
		d->used++, d->live++;
	d->slots[i].key = key;
	d->slots[i].t = t;
	return 0;
}

enum dedup_state
dedup_get(struct dedup *d, uint64_t key)
{
	size_t	i = slot_of(d, key);

	if (d->slots[i].key != key)
		return DEDUP_NEW;
	if (d->slots[i].t < 0)
		return DEDUP_INFLIGHT;
	return d->slots[i].t >= (int64_t)time(NULL) - (int64_t)d->window ?
	    DEDUP_DONE : DEDUP_NEW;
}

int
dedup_begin(struct dedup *d, uint64_t key)
{
	return put(d, key, -1);
}

void
dedup_abort(struct dedup *d, uint64_t key)
{
	size_t	i = slot_of(d, key);

	if (d->slots[i].key == key && d->slots[i].t < 0) {
		d->slots[i].key = DELETED;
		d->live--;
	}
}

/* Rewrite the log with the live handled entries only (temp + rename). */
static int
compact(struct dedup *d)
{
	char	 tmp[4096], line[64];
	size_t	 i;
	int	 fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		return -1;
	for (i = 0; i < d->cap; i++) {
		if (d->slots[i].key <= DELETED || d->slots[i].t < 0)
			continue;
		n = snprintf(line, sizeof(line), "%" PRId64 " %016" PRIx64 "\n",
		    d->slots[i].t, d->slots[i].key);
		if (write(fd, line, (size_t)n) != n)
			goto fail;
	}
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, d->path) == -1) {
		fd = -1;
		goto fail;
	}
	if (d->fd != -1)
		close(d->fd);
	d->fd = open(d->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	d->appended = 0;
	return d->fd == -1 ? -1 : 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

static int
load(struct dedup *d)
{
	FILE		*f = fopen(d->path, "re");
	char		 line[128];
	int64_t		 t, cutoff = (int64_t)time(NULL) - (int64_t)d->window;
	uint64_t	 key;

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	/* A torn last line (a kill mid-write) just does not parse. */
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%" SCNd64 " %" SCNx64, &t, &key) == 2 &&
		    key > DELETED && t >= cutoff && put(d, key, t) == -1) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

int
dedup_open(struct dedup *d, const char *dir, double window)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->window = window;
	d->cap = 1024;
	if ((d->slots = calloc(d->cap, sizeof(*d->slots))) == NULL)
		return -1;
	if (dir == NULL)
		return 0;
	if (asprintf(&d->path, "%s/%s", dir, DEDUP_FILE) == -1) {
		d->path = NULL;
		return -1;
	}
	if (load(d) == -1 || compact(d) == -1)
		return -1;
	return 0;
}

void
dedup_close(struct dedup *d)
{
	if (d->fd != -1)
		close(d->fd);
	free(d->slots);
	free(d->path);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

int
dedup_done(struct dedup *d, uint64_t key)
{
	char	line[64];
	int64_t	now = (int64_t)time(NULL);
	int	n;

	if (put(d, key, now) == -1)
		return -1;
	if (d->fd == -1)
		return 0;
	n = snprintf(line, sizeof(line), "%" PRId64 " %016" PRIx64 "\n", now,
	    key);
	if (write(d->fd, line, (size_t)n) != n)
		return -1;
	if (++d->appended > 4 * d->live + 100000)
		(void)compact(d);
	return 0;
}
