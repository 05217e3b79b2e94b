/* config: libyaml's document API; the file is small and read once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "filter.h"
#include "parse.h"

void
config_init(struct config *c)
{
	int	i, j;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < SIGDEF_MAX && sigdef_table[i] != NULL; i++) {
		c->all[i].def = sigdef_table[i];
		c->all[i].name = sigdef_table[i]->name;
		c->all[i].rearm_us = SIGDEF_REARM_DEFAULT;
		for (j = 0; sigdef_table[i]->params[j].name != NULL; j++)
			c->all[i].p[j] = sigdef_table[i]->params[j].def;
	}
	c->nall = i;
	c->categories_refresh = -1;
}

void
config_free(struct config *c)
{
	free(c->nats_url);
	free(c->nats_stream);
	free(c->nats_filter);
	free(c->prefix);
	free(c->categories_file);
	free(c->rest_url);
	free(c->ca_file);
	memset(c, 0, sizeof(*c));
}

static struct sigdef_cfg *
find(struct config *c, const char *name)
{
	int	i;

	for (i = 0; i < c->nall; i++)
		if (strcmp(c->all[i].def->name, name) == 0 ||
		    (c->all[i].def->alias != NULL &&
		    strcmp(c->all[i].def->alias, name) == 0))
			return &c->all[i];
	return NULL;
}

int
config_enable(struct config *c, const char *name, char *err, size_t errlen)
{
	struct sigdef_cfg	*s = find(c, name);
	int			 i;

	if (s == NULL) {
		snprintf(err, errlen, "unknown signal \"%s\"", name);
		return -1;
	}
	for (i = 0; i < c->non; i++)
		if (c->on[i].def == s->def)
			return 0;	/* named twice: once is enough */
	c->on[c->non] = *s;
	c->on[c->non].name = s->def->alias != NULL &&
	    strcmp(s->def->alias, name) == 0 ? s->def->alias : s->def->name;
	c->on[c->non].idx = c->non;
	c->non++;
	return 0;
}

static int
value(const struct sigdef_param *p, const char *v, double *out, char *err,
    size_t errlen)
{
	char	 buf[64], *e;
	size_t	 i, j;
	double	 d;

	if (p->kind == SIGDEF_DURATION) {
		if (parse_duration(v, &d) == -1) {
			snprintf(err, errlen, "bad duration \"%s\" (want e.g. "
			    "60s, 5m)", v);
			return -1;
		}
		d *= SIGDEF_US;
	} else {
		/* "$1,000,000" reads as 1000000 */
		for (i = j = 0; v[i] != '\0' && j < sizeof(buf) - 1; i++)
			if (!(p->kind == SIGDEF_DOLLARS &&
			    (v[i] == '$' || v[i] == ',' || v[i] == '_')))
				buf[j++] = v[i];
		buf[j] = '\0';
		errno = 0;
		d = strtod(buf, &e);
		if (buf[0] == '\0' || *e != '\0' || errno != 0 || d != d) {
			snprintf(err, errlen, "bad number \"%s\"", v);
			return -1;
		}
	}
	if (d < p->min || d > p->max) {
		snprintf(err, errlen, "\"%s\" out of range", v);
		return -1;
	}
	*out = d;
	return 0;
}

static const struct sigdef_param rearm_param = {
	"rearm", SIGDEF_DURATION, 60 * SIGDEF_US, 0, 86400.0 * SIGDEF_US, NULL
};

int
config_param(struct config *c, const char *sig, const char *name,
    const char *v, char *err, size_t errlen)
{
	struct sigdef_cfg	*s = find(c, sig);
	double			 d;
	int			 j;

	if (s == NULL) {
		snprintf(err, errlen, "unknown signal \"%s\"", sig);
		return -1;
	}
	if (strcmp(name, "rearm") == 0) {
		if (value(&rearm_param, v, &d, err, errlen) == -1)
			return -1;
		s->rearm_us = (int64_t)d;
		return 0;
	}
	for (j = 0; s->def->params[j].name != NULL; j++)
		if (strcmp(s->def->params[j].name, name) == 0)
			return value(&s->def->params[j], v, &s->p[j], err,
			    errlen);
	snprintf(err, errlen, "unknown parameter \"%s\" of %s", name,
	    s->def->name);
	return -1;
}

void
config_finish(struct config *c)
{
	int			 i;
	const struct sigdef_cfg	*s;

	for (i = 0; i < c->non; i++) {
		s = find(c, c->on[i].def->name);
		memcpy(c->on[i].p, s->p, sizeof(s->p));
		c->on[i].rearm_us = s->rearm_us;
	}
}

void
config_list(void)
{
	const struct sigdef	*d;
	const struct sigdef_param *p;
	int			 i, j;

	for (i = 0; (d = sigdef_table[i]) != NULL; i++) {
		printf("%s%s%s\n", d->name, d->alias ? " alias " : "",
		    d->alias ? d->alias : "");
		printf("  rearm=60s\n");
		for (j = 0; (p = &d->params[j])->name != NULL; j++) {
			if (p->kind == SIGDEF_DURATION)
				printf("  %s=%gs", p->name, p->def / SIGDEF_US);
			else
				printf("  %s=%.15g", p->name, p->def);
			printf("\t%s\n", p->doc ? p->doc : "");
		}
	}
}

/* --- YAML --- */

struct ld {
	yaml_document_t	 doc;
	struct config	*c;
	struct filter	*f;
	char		*err;
	size_t		 errlen;
};

static int
fail(struct ld *l, const char *field, const char *why)
{
	snprintf(l->err, l->errlen, "field=%s: %s", field, why);
	return -1;
}

static const char *
scalar(struct ld *l, yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

static int
str_member(struct ld *l, yaml_node_t *v, const char *field, char **out)
{
	const char	*s = scalar(l, v);

	if (s == NULL)
		return fail(l, field, "want a string");
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return fail(l, field, "out of memory");
	return 0;
}

/* Each pair of a mapping node: fn(l, key, value, field prefix). */
typedef int (*pair_fn)(struct ld *, const char *, yaml_node_t *,
    const char *);

static int
each_pair(struct ld *l, yaml_node_t *m, const char *field, pair_fn fn)
{
	yaml_node_pair_t	*p;
	const char		*k;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return fail(l, field, "want a mapping");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		k = scalar(l, yaml_document_get_node(&l->doc, p->key));
		if (k == NULL)
			return fail(l, field, "want string keys");
		if (fn(l, k, yaml_document_get_node(&l->doc, p->value),
		    field) == -1)
			return -1;
	}
	return 0;
}

/* A sequence of strings (or one string) into fn(each). */
static int
each_str(struct ld *l, yaml_node_t *n, const char *field,
    int (*fn)(struct ld *, const char *, const char *))
{
	yaml_node_item_t	*it;
	const char		*s;

	if ((s = scalar(l, n)) != NULL)
		return s[0] == '\0' ? 0 : fn(l, s, field);
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return fail(l, field, "want a list");
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		if ((s = scalar(l, yaml_document_get_node(&l->doc, *it))) == NULL)
			return fail(l, field, "want a list of strings");
		if (fn(l, s, field) == -1)
			return -1;
	}
	return 0;
}

static int
nats_pair(struct ld *l, const char *k, yaml_node_t *v, const char *f)
{
	if (strcmp(k, "url") == 0)
		return str_member(l, v, "nats.url", &l->c->nats_url);
	if (strcmp(k, "stream") == 0)
		return str_member(l, v, "nats.stream", &l->c->nats_stream);
	if (strcmp(k, "filter") == 0)
		return str_member(l, v, "nats.filter", &l->c->nats_filter);
	return fail(l, "nats", "unknown key (want url, stream, filter)");
}

static int
output_pair(struct ld *l, const char *k, yaml_node_t *v, const char *f)
{
	if (strcmp(k, "prefix") == 0)
		return str_member(l, v, "output.prefix", &l->c->prefix);
	return fail(l, "output", "unknown key (want prefix)");
}

static int
enable_one(struct ld *l, const char *s, const char *field)
{
	char	why[128];

	if (config_enable(l->c, s, why, sizeof(why)) == -1)
		return fail(l, field, why);
	return 0;
}

static int
ticker_one(struct ld *l, const char *s, const char *field)
{
	return filter_add_ticker(l->f, s) == -1 ? fail(l, field, "no memory") : 0;
}

static int
category_one(struct ld *l, const char *s, const char *field)
{
	return filter_add_category(l->f, s) == -1 ? fail(l, field, "no memory") : 0;
}

static int
refresh_member(struct ld *l, yaml_node_t *v)
{
	const char	*s = scalar(l, v);
	double		 d;

	if (s == NULL || parse_duration(s, &d) == -1 || d < 0 || d > 1e9)
		return fail(l, "filters.categories_refresh", "want a duration "
		    "such as 1h, or 0 for never");
	l->c->categories_refresh = d;
	return 0;
}

static int
filters_pair(struct ld *l, const char *k, yaml_node_t *v, const char *f)
{
	if (strcmp(k, "tickers") == 0)
		return each_str(l, v, "filters.tickers", ticker_one);
	if (strcmp(k, "categories") == 0)
		return each_str(l, v, "filters.categories", category_one);
	if (strcmp(k, "categories_file") == 0)
		return str_member(l, v, "filters.categories_file",
		    &l->c->categories_file);
	if (strcmp(k, "rest_url") == 0)
		return str_member(l, v, "filters.rest_url", &l->c->rest_url);
	if (strcmp(k, "ca_file") == 0)
		return str_member(l, v, "filters.ca_file", &l->c->ca_file);
	if (strcmp(k, "categories_refresh") == 0)
		return refresh_member(l, v);
	return fail(l, "filters", "unknown key (want tickers, categories, "
	    "categories_file, rest_url, ca_file, categories_refresh)");
}

static const char *cur_sig;

static int
param_pair(struct ld *l, const char *k, yaml_node_t *v, const char *f)
{
	char		 field[160], why[128];
	const char	*s = scalar(l, v);

	snprintf(field, sizeof(field), "%s.%s", f, k);
	if (s == NULL)
		return fail(l, field, "want a value");
	if (config_param(l->c, cur_sig, k, s, why, sizeof(why)) == -1)
		return fail(l, field, why);
	return 0;
}

static int
params_pair(struct ld *l, const char *k, yaml_node_t *v, const char *f)
{
	char	field[128];

	snprintf(field, sizeof(field), "params.%s", k);
	if (find(l->c, k) == NULL)
		return fail(l, field, "unknown signal");
	cur_sig = k;
	return each_pair(l, v, field, param_pair);
}

static int
top_pair(struct ld *l, const char *k, yaml_node_t *v, const char *f)
{
	if (strcmp(k, "nats") == 0)
		return each_pair(l, v, "nats", nats_pair);
	if (strcmp(k, "signals") == 0)
		return each_str(l, v, "signals", enable_one);
	if (strcmp(k, "output") == 0)
		return each_pair(l, v, "output", output_pair);
	if (strcmp(k, "filters") == 0)
		return each_pair(l, v, "filters", filters_pair);
	if (strcmp(k, "params") == 0)
		return each_pair(l, v, "params", params_pair);
	return fail(l, k, "unknown key (want nats, signals, output, "
	    "filters, params)");
}

int
config_load(struct config *c, struct filter *f, const char *path, char *err,
    size_t errlen)
{
	yaml_parser_t	 p;
	struct ld	 l = { .c = c, .f = f, .err = err, .errlen = errlen };
	FILE		*fp;
	yaml_node_t	*root;
	int		 r;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, fp);
	if (!yaml_parser_load(&p, &l.doc)) {
		snprintf(err, errlen, "line %zu: %s",
		    p.problem_mark.line + 1, p.problem ? p.problem : "bad YAML");
		yaml_parser_delete(&p);
		fclose(fp);
		return -1;
	}
	root = yaml_document_get_root_node(&l.doc);
	if (root == NULL)
		r = 0;		/* an empty file configures nothing */
	else
		r = each_pair(&l, root, "(top)", top_pair);
	yaml_document_delete(&l.doc);
	yaml_parser_delete(&p);
	fclose(fp);
	return r;
}
