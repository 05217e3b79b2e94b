/* manifest: DIR/<date>/manifest.json, the list of a day's final files
 * with records, bytes, first and last ts and SHA-256.
 *
 * It is always rebuilt from the directory: entries of files still there
 * with the same size are kept, files it does not list are read, files
 * gone are dropped; then it is replaced atomically.  So a crash or a
 * restart never loses an entry. */
#ifndef SSMD_ROT_MANIFEST_H
#define SSMD_ROT_MANIFEST_H

struct rot_info;

#define ROT_MANIFEST	"manifest.json"

/* Rebuild daydir's manifest; name and info (both may be NULL) describe a
 * file just closed, so it need not be read again.  Returns the number of
 * files that had to be read, or -1 with errno set. */
int	manifest_update(const char *daydir, const char *name,
	    const struct rot_info *info);

#endif
