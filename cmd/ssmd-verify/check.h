/* check: the checks of ssmd-verify, for one archive file and for one
 * date directory, and the report they write (one line per problem). */
#ifndef SSMD_VERIFY_CHECK_H
#define SSMD_VERIFY_CHECK_H

#include <stdint.h>
#include <stdio.h>

struct archive_manifest_entry;

struct check {
	/* options */
	int64_t		 max_age_us;	/* slot length; 0: as the names tell */
	unsigned	 max_problems;	/* reported per file, then counted */
	FILE		*out;
	/* totals */
	uint64_t	 files, lines, bytes, file_bytes;
	uint64_t	 problems, bad_files, missing, leftovers, busy;
	/* the file being checked */
	unsigned	 file_problems, line_problems;
	char		 zmsg_buf[64];
};

/* Where a file's lines belong: its feed and slot, from its name. */
struct check_slot {
	char		 feed[65];	/* "" when the name has none */
	int64_t		 start, end;	/* UTC microseconds; end 0: unknown */
};

/* One problem: "path:line: what" (line 0: "path: what"). */
void	check_problem(struct check *, const char *path, uint64_t line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Check one final or in-progress file; e is its manifest entry or NULL
 * (then nothing is compared), slot may be NULL (no slot checks). */
void	check_file(struct check *, const char *path,
	    const struct check_slot *slot,
	    const struct archive_manifest_entry *e);

/* Check a date directory: every file, the manifest, leftovers.  busy:
 * a writer holds the archive's lock, so in-progress files are expected. */
void	check_day(struct check *, const char *daydir, int busy);

/* Check a file given alone, against the manifest beside it if any. */
void	check_single(struct check *, const char *path);

#endif
