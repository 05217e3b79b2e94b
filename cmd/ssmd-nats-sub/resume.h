/* resume: where an archiver left off — the highest "_nats_seq" in an
 * ssmd-jsonl-rotate archive, in-progress files included. */
#ifndef SSMD_NATS_RESUME_H
#define SSMD_NATS_RESUME_H

#include <stdint.h>

struct nresume {
	uint64_t	seq;		/* highest _nats_seq, 0 if none */
	uint64_t	files;		/* files read */
	uint64_t	lines;		/* lines read */
	uint64_t	cut_bytes;	/* bytes of half lines left out */
};

/* Files are read newest first (archive_walk order, reversed) through the
 * newest date directory that holds an annotated line and the one before
 * it: lines reach the archive in stream order, so older days cannot hold
 * a higher sequence unless replayed data was appended to them.  A file
 * renamed while reading (the archiver finishing it) restarts the scan.
 * Returns 0, or -1 with errno set. */
int	resume_scan(const char *dir, struct nresume *);
/* The value of "_nats_seq" in line p[0..n), or 0 if it has none. */
uint64_t resume_line_seq(const char *p, size_t n);

#endif
