#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "archive_manifest.h"
#include "ts.h"

static int
get_count(json_t *e, const char *key, uint64_t *out)
{
	json_t	*v = json_object_get(e, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* A time member: a string ts, or null (*have stays 0). */
static int
get_ts(json_t *e, const char *key, int64_t *us, int *have)
{
	json_t		*v = json_object_get(e, key);
	const char	*s;

	if (json_is_null(v))
		return 0;
	if ((s = json_string_value(v)) == NULL ||
	    ts_parse(s, strlen(s), us) == -1)
		return -1;
	(*have)++;
	return 0;
}

static int
hex64(const char *s)
{
	size_t	i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* Fill one entry; returns the name of a bad member, or NULL. */
static const char *
entry_of(json_t *e, struct archive_manifest_entry *out)
{
	const char	*s;
	int		 have = 0;

	memset(out, 0, sizeof(*out));
	if ((s = json_string_value(json_object_get(e, "name"))) == NULL ||
	    strchr(s, '/') != NULL || *s == '\0')
		return "name";
	if (get_count(e, "records", &out->records) == -1)
		return "records";
	if (get_count(e, "bytes", &out->bytes) == -1)
		return "bytes";
	if (get_count(e, "compressed_bytes", &out->cbytes) == -1)
		return "compressed_bytes";
	if (get_ts(e, "first_ts", &out->first_us, &have) == -1)
		return "first_ts";
	if (get_ts(e, "last_ts", &out->last_us, &have) == -1)
		return "last_ts";
	if (have == 1)
		return "first_ts";	/* one null, the other not */
	out->have_ts = have == 2;
	if ((s = json_string_value(json_object_get(e, "sha256"))) == NULL ||
	    !hex64(s))
		return "sha256";
	memcpy(out->sha256, s, 65);
	if ((out->name = strdup(json_string_value(json_object_get(e,
	    "name")))) == NULL)
		return "";
	return NULL;
}

enum archive_manifest_rc
archive_manifest_load(const char *daydir, struct archive_manifest *m,
    char *err, size_t errcap)
{
	char			 path[PATH_MAX];
	json_error_t		 je;
	json_t			*root, *files, *e;
	const char		*bad;
	size_t			 i;
	enum archive_manifest_rc rc = ARCHIVE_MANIFEST_BAD;

	memset(m, 0, sizeof(*m));
	snprintf(err, errcap, "?");
	if ((size_t)snprintf(path, sizeof(path), "%s/" ARCHIVE_MANIFEST,
	    daydir) >= sizeof(path)) {
		snprintf(err, errcap, "path too long");
		return ARCHIVE_MANIFEST_BAD;
	}
	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		if (access(path, F_OK) == -1 && errno == ENOENT)
			return ARCHIVE_MANIFEST_NONE;
		snprintf(err, errcap, "not JSON: %s (line %d)", je.text,
		    je.line);
		return ARCHIVE_MANIFEST_BAD;
	}
	files = json_object_get(root, "files");
	if (!json_is_array(files)) {
		snprintf(err, errcap, "no files array");
		goto done;
	}
	if ((m->v = calloc(json_array_size(files) + 1, sizeof(*m->v))) ==
	    NULL) {
		rc = ARCHIVE_MANIFEST_NOMEM;
		goto done;
	}
	json_array_foreach(files, i, e) {
		if ((bad = entry_of(e, &m->v[m->n])) != NULL) {
			snprintf(err, errcap, "entry %zu: bad or missing %s",
			    i + 1, bad);
			goto done;
		}
		m->n++;
	}
	rc = ARCHIVE_MANIFEST_OK;
done:
	json_decref(root);
	if (rc != ARCHIVE_MANIFEST_OK)
		archive_manifest_free(m);
	return rc;
}

struct archive_manifest_entry *
archive_manifest_find(const struct archive_manifest *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return &m->v[i];
	return NULL;
}

void
archive_manifest_free(struct archive_manifest *m)
{
	while (m->n > 0)
		free(m->v[--m->n].name);
	free(m->v);
	m->v = NULL;
}
