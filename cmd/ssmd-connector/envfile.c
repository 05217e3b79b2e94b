#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "envfile.h"
#include "parse.h"

static const char *
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* Copy the scalar v of field into dst, or say what is wrong. */
static int
take(char *dst, size_t len, const yaml_node_t *v, const char *field,
    char *err, size_t errlen)
{
	const char	*s = scalar(v);

	if (s == NULL) {
		snprintf(err, errlen, "%s: want a string", field);
		return -1;
	}
	if (strlen(s) >= len) {
		snprintf(err, errlen, "%s: longer than %zu bytes", field,
		    len - 1);
		return -1;
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* Read the fields of mapping m named in keys into dsts. */
static int
section(yaml_document_t *d, const yaml_node_t *m, const char *name,
    const char *const *keys, char *const *dsts, const size_t *lens,
    char *err, size_t errlen)
{
	yaml_node_pair_t	*p;
	const char		*k;
	char			 field[96];
	size_t			 i;

	if (m->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s: want a mapping", name);
		return -1;
	}
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		k = scalar(yaml_document_get_node(d, p->key));
		for (i = 0; k != NULL && keys[i] != NULL; i++) {
			if (strcmp(k, keys[i]) != 0)
				continue;
			snprintf(field, sizeof(field), "%s.%s", name, k);
			if (take(dsts[i], lens[i],
			    yaml_document_get_node(d, p->value), field, err,
			    errlen) == -1)
				return -1;
		}
	}
	return 0;
}

static int
walk(struct envfile *e, yaml_document_t *d, char *err, size_t errlen)
{
	static const char *const tkeys[] = { "type", "url", "stream",
	    "subject_prefix", NULL };
	static const char *const skeys[] = { "type", "path", NULL };
	char *const	 tdst[] = { e->transport_type, e->nats_url, e->stream,
	    e->subject_prefix };
	const size_t	 tlen[] = { sizeof(e->transport_type),
	    sizeof(e->nats_url), sizeof(e->stream), sizeof(e->subject_prefix) };
	char *const	 sdst[] = { e->storage_type, e->storage_path };
	const size_t	 slen[] = { sizeof(e->storage_type),
	    sizeof(e->storage_path) };
	yaml_node_t	*root = yaml_document_get_root_node(d), *v;
	yaml_node_pair_t *p;
	const char	*k;

	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "want a mapping at the top");
		return -1;
	}
	for (p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		k = scalar(yaml_document_get_node(d, p->key));
		v = yaml_document_get_node(d, p->value);
		if (k == NULL)
			continue;
		if (strcmp(k, "feed") == 0 &&
		    take(e->feed, sizeof(e->feed), v, "feed", err, errlen) == -1)
			return -1;
		if (strcmp(k, "transport") == 0 && section(d, v, "transport",
		    tkeys, tdst, tlen, err, errlen) == -1)
			return -1;
		if (strcmp(k, "storage") == 0 && section(d, v, "storage",
		    skeys, sdst, slen, err, errlen) == -1)
			return -1;
	}
	if (e->feed[0] == '\0' || !parse_feed_name_ok(e->feed)) {
		snprintf(err, errlen, "feed: %s", e->feed[0] == '\0' ?
		    "missing" : "want 1-64 of A-Z a-z 0-9 . _ -");
		return -1;
	}
	return 0;
}

enum envfile_result
envfile_load(struct envfile *e, const char *path, char *err, size_t errlen)
{
	enum envfile_result	 r = ENVFILE_BAD;
	yaml_parser_t		 p;
	yaml_document_t		 d;
	FILE			*f;

	memset(e, 0, sizeof(*e));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return ENVFILE_CANNOT_READ;
	}
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &d)) {
		snprintf(err, errlen, "line %zu: %s", p.problem_mark.line + 1,
		    p.problem ? p.problem : "bad YAML");
		yaml_parser_delete(&p);
		goto out;
	}
	if (walk(e, &d, err, errlen) == 0)
		r = ENVFILE_OK;
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
out:
	fclose(f);
	return r;
}
