/* archive: read back the files ssmd-jsonl-rotate writes.
 *
 * A file is plain (.jsonl), gzip (.jsonl.gz, any number of members), or
 * in progress (either name plus ARCHIVE_PARTIAL).  A file cut short by a
 * crash is read up to its last whole line: a truncated gzip tail or a
 * trailing half line is never passed on, only counted.  A gzip member's
 * lines are passed on only once its CRC-32 and length have been checked,
 * so damage never comes out as lines that merely look valid: the damaged
 * member's decoded bytes are dropped and counted. */
#ifndef SSMD_ARCHIVE_H
#define SSMD_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define ARCHIVE_PARTIAL		".partial"	/* suffix of an in-progress file */
#define ARCHIVE_RECOVERING	".recovering"	/* temporary of a recovery */
/* The gzip comment of every member of a file written a member per flush:
 * what follows the last whole member was never checked by a CRC. */
#define ARCHIVE_MEMBERS		"ssmd: a gzip member per flush"
#define ARCHIVE_MAX_LINE	(256u << 20)	/* longest line archive_scan holds */

struct archive_stats {
	uint64_t	 lines;		/* whole lines passed to the callback */
	uint64_t	 bytes;		/* their bytes, newlines included */
	uint64_t	 cut_bytes;	/* bytes of a trailing half line */
	uint64_t	 file_bytes;	/* bytes read from the file */
	int		 gzip;		/* the file is gzip-compressed */
	int		 complete;	/* gzip: every member ended with its
					   trailer; plain: ends with a newline */
	int		 damaged;	/* gzip: invalid data, not only a short
					   tail (reading stopped there) */
	uint64_t	 dropped_bytes;	/* gzip: decoded bytes of the damaged
					   member, never passed on: no CRC
					   vouched for them */
	uint64_t	 members;	/* gzip: members read to their end */
	uint64_t	 verified_bytes;	/* gzip: uncompressed bytes of
					   those members, each checked
					   against its CRC-32 and length */
	int		 member_per_flush;	/* gzip: the first member's
					   comment is ARCHIVE_MEMBERS */
};

/* Call cb for every whole line of the archive file at path (without its
 * newline; line is NUL-terminated for convenience).  A nonzero return
 * from cb stops the scan and is returned.  Returns 0 when the file was
 * read to its end (st tells how it ended), -1 on an error (errno set:
 * open or read failed, EFBIG for a line over ARCHIVE_MAX_LINE, ENOMEM).
 * st may be NULL. */
int	archive_scan(const char *path,
	    int (*cb)(const char *line, size_t len, void *arg), void *arg,
	    struct archive_stats *st);

/* The same, one line at a time: a pull reader, for readers of many files
 * at once (a merge).  One buffer per open file, grown only for a line
 * longer than it. */
struct archive_file {
	int		 fd;
	struct archive_stats st;	/* so far; final at ARCHIVE_END */
	char		 zmsg[64];	/* zlib's word for the damage */
	/* private */
	void		(*raw)(void *, const void *, size_t);
	void		*raw_arg;
	z_stream	 z;
	int		 zinit, ended, in_eof, done;
	unsigned char	*in;
	size_t		 have;
	char		*buf;
	size_t		 cap, start, end, scan;
	size_t		 ok;		/* bytes before it may be passed on */
	int		 trusted;	/* the member in hand was checked ahead */
	uint64_t	 decoded;	/* bytes inflated so far */
	gz_header	 head;		/* of the member being read */
	char		 comment[40];
};

struct archive_line {
	char		*p;	/* NUL-terminated, valid until the next call */
	size_t		 len;	/* without the newline */
};

enum { ARCHIVE_ERROR = -1, ARCHIVE_END = 0, ARCHIVE_LINE = 1 };

/* Open path for archive_next.  raw (may be NULL) sees every byte of the
 * file as it is read, e.g. for a digest.  Returns 0, or -1 with errno. */
int	archive_open(struct archive_file *, const char *path,
	    void (*raw)(void *arg, const void *p, size_t n), void *raw_arg);
/* The next whole line: ARCHIVE_LINE, ARCHIVE_END (st is final), or
 * ARCHIVE_ERROR (errno set; EFBIG for a line over ARCHIVE_MAX_LINE). */
int	archive_next(struct archive_file *, struct archive_line *);
void	archive_close(struct archive_file *);

/* Call cb with the path of every archive file under dir: date directories
 * (YYYY-MM-DD) in order, and in each the final and in-progress files in
 * the order they were written (a slot's "-HHMM.2" after "-HHMM.1" after
 * "-HHMM").  A nonzero return from cb stops the walk and is returned.
 * Returns 0, or -1 with errno set if dir cannot be read. */
int	archive_walk(const char *dir, int (*cb)(const char *path, void *arg),
	    void *arg);

/* Call cb with the path of every date directory (YYYY-MM-DD) in dir, in
 * order.  Returns as archive_walk. */
int	archive_days(const char *dir, int (*cb)(const char *path, void *arg),
	    void *arg);

/* The same as archive_walk for one date directory. */
int	archive_walk_day(const char *daydir,
	    int (*cb)(const char *path, void *arg), void *arg);

/* Nonzero if name (no directory) is an archive file's name that
 * archive_walk reports; *partial is set if it is in progress. */
int	archive_name_ok(const char *name, int *partial);
/* Is s the name of a day directory, YYYY-MM-DD? */
int	archive_day_ok(const char *s);

/* Order of two archive file names (no directory) as archive_walk sorts
 * them: <0, 0 or >0 like strcmp. */
int	archive_name_cmp(const char *, const char *);

#endif
