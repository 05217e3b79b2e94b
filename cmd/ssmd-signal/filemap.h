/* filemap: standard input as one read-only mapping when it is a regular
 * file (ssmd-signal < day.jsonl), so a backtest's lines are scanned in
 * place instead of copied through read(2).  Lines come back as lineio
 * gives them (flags LINEIO_NOEOL, LINEIO_CRLF; a line over the maximum
 * is one piece flagged LINEIO_LONG | LINEIO_FIRST), so the caller has one
 * line handler for both. */
#ifndef SSMD_SIGNAL_FILEMAP_H
#define SSMD_SIGNAL_FILEMAP_H

#include <stddef.h>
#include <stdint.h>

struct lineio_line;

struct filemap {
	const char	*base, *p, *end;
	size_t		 len;
	size_t		 dropped;	/* bytes from base handed back */
};

enum filemap_res {
	FILEMAP_OK = 0,
	FILEMAP_NOT_FILE	/* not a regular file, or empty: use lineio */
};

/* Map fd from its current offset to its end. */
enum filemap_res	filemap_open(struct filemap *, int fd);
/* The next line: LINEIO_LINE, or LINEIO_EOF. */
int	filemap_next(struct filemap *, size_t max_line, struct lineio_line *);
/* Hand the pages already read back to the kernel, so the mapping does not
 * grow the resident set with the file (a day is gigabytes). */
void	filemap_drop_read(struct filemap *);
/* Bytes consumed so far. */
uint64_t	filemap_bytes(const struct filemap *);
void	filemap_close(struct filemap *);

#endif
