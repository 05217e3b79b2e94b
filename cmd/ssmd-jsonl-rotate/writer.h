/* writer: one archive file being written, plain or gzip.
 *
 * Lines go through a staging buffer into zlib (or straight to the file),
 * so there is no system call per line.  writer_flush() ends a gzip
 * sync-flush point after a whole line and remembers the file offset:
 * after a write error the file is cut back to it, so an in-progress file
 * never holds half a line from us.  writer_close() finishes the stream,
 * fsyncs, renames the in-progress name to the final one without ever
 * replacing a file, and fsyncs the directory. */
#ifndef SSMD_ROT_FILE_H
#define SSMD_ROT_FILE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* What a final file holds; the manifest's entry. */
struct rot_info {
	uint64_t	 records;	/* lines */
	uint64_t	 bytes;		/* uncompressed, newlines included */
	uint64_t	 cbytes;	/* bytes of the file */
	int64_t		 first_us, last_us;	/* ts of first/last line */
	int		 have_ts;
	char		 sha256[65];	/* of the file's bytes, hex */
};

/* Count a line of bytes (newline included) at time ts_us into info. */
void	writer_info_add(struct rot_info *, size_t bytes, int64_t ts_us,
	    int have_ts);
/* An archive_scan callback: count a line into the rot_info at arg, its
 * time taken from its ts member. */
int	writer_info_scan(const char *line, size_t len, void *arg);

struct rot_file {
	int		 fd;
	int		 gzip;
	int		 flags;	/* ROT_APPEND, ROT_REPLACE */
	char		 path[PATH_MAX];	/* written to */
	char		 final[PATH_MAX];	/* name once closed */
	z_stream	 z;
	char		*ibuf;		/* staged lines */
	size_t		 ilen, icap;
	unsigned char	*obuf;		/* compressed output */
	size_t		 ocap;
	uint64_t	 synced_off;	/* file offset of the last whole line */
	uint64_t	 synced_records;
	uint64_t	 unflushed;	/* records staged since the last flush */
	uint64_t	 wb_off;	/* writeback started up to here */
	struct rot_info	 info;
	void		*sha;		/* EVP_MD_CTX */
	int		 err;		/* errno of the first failure, or 0 */
	int		 member_open;	/* gzip: data given since the last
					   member was finished */
	uint64_t	 member_in;	/* gzip: bytes in the open member */
};

/* A gzip member is finished at every flush and after this many bytes of
 * lines: each is then checked by its CRC-32 on reading. */
#define WRITER_MEMBER_MAX	(256 * 1024)

#define ROT_APPEND	0x01	/* plain file appended to in place */
#define ROT_REPLACE	0x02	/* closing may replace final */

/* Create path (O_EXCL: never an existing file) to become final when
 * closed.  With ROT_APPEND (plain only), path is final: an existing file
 * is opened for appending, a half line at its end cut off first (*cut
 * says how many bytes) and its lines counted into the info.  Returns 0,
 * or -1 with errno set (EEXIST if path exists). */
int	writer_open(struct rot_file *, const char *path, const char *final,
	    int gzip, int level, int flags, uint64_t *cut);
/* Add bytes of the current line; writer_eol() ends it. */
int	writer_write(struct rot_file *, const char *, size_t);
int	writer_eol(struct rot_file *, int64_t ts_us, int have_ts);
/* A whole line (without its newline). */
int	writer_line(struct rot_file *, const char *, size_t, int64_t ts_us,
	    int have_ts);
/* Make everything given so far readable on disk (no fsync). */
int	writer_flush(struct rot_file *);
/* Finish, fsync, rename to the final name, fsync the directory; info
 * describes the final file.  On failure the file is left in progress
 * (cut back to whole lines) and -1 is returned with f->err set. */
int	writer_close(struct rot_file *, struct rot_info *info);
/* After an error: cut back to the last whole line, close, keep the
 * in-progress name.  Returns the records given that are not on disk. */
uint64_t writer_abort(struct rot_file *);
/* Bytes written to the file so far. */
uint64_t writer_size(const struct rot_file *);

/* The first of <stem><ext>, <stem>.1<ext>, <stem>.2<ext>, ... that
 * exists neither as a final nor as an in-progress file.  Returns 0, or
 * -1 with errno set. */
int	writer_free_name(const char *stem, const char *ext, char *out, size_t cap);
/* Rename from to to unless to exists (EEXIST); fsync to's directory. */
int	writer_rename_noreplace(const char *from, const char *to);
/* fsync the directory that holds path. */
int	writer_fsync_dir(const char *path);
/* SHA-256 of a file's bytes in hex; also its size.  Returns 0 or -1. */
int	writer_sha256_file(const char *path, char hex[65], uint64_t *size);

#endif
