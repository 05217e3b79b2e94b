/* archive_manifest: read DIR/<date>/manifest.json, the list of a day's
 * final files that ssmd-jsonl-rotate keeps (see ssmd-jsonl-rotate(1)). */
#ifndef SSMD_ARCHIVE_MANIFEST_H
#define SSMD_ARCHIVE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define ARCHIVE_MANIFEST	"manifest.json"

struct archive_manifest_entry {
	char		*name;
	uint64_t	 records;	/* lines */
	uint64_t	 bytes;		/* uncompressed, newlines included */
	uint64_t	 cbytes;	/* the file's size */
	int64_t		 first_us, last_us;	/* ts of first/last line */
	int		 have_ts;	/* first_ts/last_ts are not null */
	char		 sha256[65];	/* hex */
	int		 seen;		/* for the caller */
};

struct archive_manifest {
	struct archive_manifest_entry	*v;
	size_t				 n;
};

enum archive_manifest_rc {
	ARCHIVE_MANIFEST_OK = 0,
	ARCHIVE_MANIFEST_NONE,		/* no manifest.json */
	ARCHIVE_MANIFEST_BAD,		/* unreadable or not the format */
	ARCHIVE_MANIFEST_NOMEM,
};

/* Load daydir's manifest into m (empty unless OK).  On BAD, err says
 * what is wrong. */
enum archive_manifest_rc archive_manifest_load(const char *daydir,
	    struct archive_manifest *m, char *err, size_t errcap);
/* The entry of a file name (no directory), or NULL. */
struct archive_manifest_entry *archive_manifest_find(
	    const struct archive_manifest *m, const char *name);
void	archive_manifest_free(struct archive_manifest *m);

#endif
