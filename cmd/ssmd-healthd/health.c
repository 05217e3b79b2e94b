#include <string.h>

#include "health.h"
#include "parse.h"

const char *const health_err_type[HEALTH_ERR_N] = {
	[HEALTH_ERR_INVALID] = "invalid",
	[HEALTH_ERR_EXCHANGE] = "exchange",
	[HEALTH_ERR_GAP] = "gap",
	[HEALTH_ERR_RECONNECT] = "reconnect",
	[HEALTH_ERR_LOST] = "lost",
};

static const char *const err_counter[HEALTH_ERR_N] = {
	[HEALTH_ERR_INVALID] = "_invalid_total",
	[HEALTH_ERR_EXCHANGE] = "_exchange_errors_total",
	[HEALTH_ERR_GAP] = "_gaps_total",
	[HEALTH_ERR_RECONNECT] = "_reconnects_total",
	[HEALTH_ERR_LOST] = "_lines_lost_total",
};

#define PIPELINE_PROG	"ssmd-pipeline"
#define PIPELINE_UP	"ssmd_pipeline_up"

static int
is_source(const char *name, const char *prog)
{
	size_t	n = strlen(prog), len = strlen(name);

	if (strncmp(name, prog, n) != 0)
		return 0;
	return strcmp(name + n, ".prom") == 0 ||
	    (name[n] == '-' && len > n + 6);	/* <prog>-<instance>.prom */
}

/* Does sample s of a source file speak of feed? (no feed label: yes) */
static int
feed_matches(const struct prom_sample *s, const char *feed)
{
	char	v[128];
	int	r;

	if (feed == NULL || (r = prom_label(s, "feed", v, sizeof(v))) == 0)
		return 1;
	return r == 1 && strcmp(v, feed) == 0;
}

static int
name_is(const struct prom_sample *s, const char *name)
{
	return s->namelen == strlen(name) &&
	    memcmp(s->name, name, s->namelen) == 0;
}

/* Is s named prefix + suffix? */
static int
name_is2(const struct prom_sample *s, const char *prefix, size_t plen,
    const char *suffix)
{
	size_t	slen = strlen(suffix);

	return s->namelen == plen + slen && memcmp(s->name, prefix, plen) == 0 &&
	    memcmp(s->name + plen, suffix, slen) == 0;
}

/* The seed's counters, summed over the source's series. */
static void
read_counts(struct health_eval *h, const struct prom_sample *s,
    const struct hd_source *src)
{
	const char	*c = src->connected;
	size_t		 plen = strlen(c), k;

	if (plen > 10 && strcmp(c + plen - 10, "_connected") == 0)
		plen -= 10;
	if (name_is2(s, c, plen, "_lines_out_total"))
		h->messages += s->value;
	for (k = 0; k < HEALTH_ERR_N; k++)
		if (name_is2(s, c, plen, err_counter[k]))
			h->errors[k] += s->value;
}

static void
read_doc(struct health_eval *h, const struct prom_doc *d,
    const struct hd_source *src)
{
	const struct prom_sample	*s;
	size_t				 i;

	for (i = 0; i < d->nsmp; i++) {
		s = &d->smp[i];
		if (!feed_matches(s, src->feed))
			continue;
		read_counts(h, s, src);
		if (s->namelen == strlen(src->connected) &&
		    memcmp(s->name, src->connected, s->namelen) == 0 &&
		    s->value >= 1)
			h->connected = 1;
		if (s->namelen == strlen(src->last) &&
		    memcmp(s->name, src->last, s->namelen) == 0 &&
		    s->value > 0 && (!h->have_last || s->value > h->last)) {
			h->have_last = 1;
			h->last = s->value;
		}
	}
}

/* A pipeline runner's file: is any pipeline down (a stage ended)? */
static void
read_pipeline(struct health_eval *h, const struct prom_doc *d)
{
	const struct prom_sample	*s;
	size_t				 i;

	for (i = 0; i < d->nsmp; i++) {
		s = &d->smp[i];
		if (!name_is(s, PIPELINE_UP) || s->value >= 1 || h->pipeline_down)
			continue;
		h->pipeline_down = 1;
		if (prom_label(s, "pipeline", h->down_name,
		    sizeof(h->down_name)) != 1 ||
		    !parse_feed_name_ok(h->down_name))
			strcpy(h->down_name, "?");
	}
}

void
health_eval(struct health_eval *h, const struct scan_dir *sc,
    const struct hd_source *src, double now)
{
	size_t	i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < sc->n; i++) {
		if (sc->f[i].skip == NULL &&
		    is_source(sc->f[i].name, PIPELINE_PROG))
			read_pipeline(h, &sc->f[i].doc);
		if (sc->f[i].skip != NULL || !is_source(sc->f[i].name, src->prog))
			continue;
		h->files++;
		read_doc(h, &sc->f[i].doc, src);
	}
	if (h->have_last) {
		h->age = now > h->last ? now - h->last : 0;
		h->stale = h->connected && h->age > src->stale_after;
	}
}

int
health_json(FILE *out, const struct health_eval *h, const char *feed,
    int ready)
{
	const char	*status, *reason = NULL;
	int		 code = 503;

	if (ready && h->pipeline_down)
		reason = "stage_exited";
	else if (h->stale)
		reason = "stale";
	else if (ready && !h->connected)
		reason = "not_connected";
	if (reason == NULL) {
		status = ready ? "ready" : "ok";
		code = 200;
	} else
		status = ready ? "not_ready" : "error";
	/* feed and names passed parse_feed_name_ok: no JSON escaping needed. */
	fprintf(out, "{\"status\":\"%s\"", status);
	if (reason != NULL)
		fprintf(out, ",\"reason\":\"%s\"", reason);
	if (ready && h->pipeline_down)
		fprintf(out, ",\"pipeline\":\"%s\"", h->down_name);
	fprintf(out, ",\"feed\":\"%s\",\"connected\":%s,"
	    "\"last_message_secs_ago\":", feed,
	    h->connected ? "true" : "false");
	if (h->have_last)
		fprintf(out, "%lld}\n", h->age < 1e15 ? (long long)h->age :
		    (long long)1e15);
	else
		fputs("null}\n", out);
	return code;
}

void
health_seed_metrics(FILE *f, const struct health_eval *h, const char *feed)
{
	size_t	k;

	fprintf(f, "# HELP ssmd_messages_total Messages the feed's source "
	    "passed on\n# TYPE ssmd_messages_total counter\n"
	    "ssmd_messages_total{feed=\"%s\"} %.17g\n", feed, h->messages);
	fputs("# HELP ssmd_errors_total Errors of the feed's source, by type\n"
	    "# TYPE ssmd_errors_total counter\n", f);
	for (k = 0; k < HEALTH_ERR_N; k++)
		fprintf(f, "ssmd_errors_total{feed=\"%s\",type=\"%s\"} %.17g\n",
		    feed, health_err_type[k], h->errors[k]);
	fprintf(f, "# HELP ssmd_connected 1 while the feed's source is "
	    "connected\n# TYPE ssmd_connected gauge\n"
	    "ssmd_connected{feed=\"%s\"} %d\n", feed, h->connected);
	fprintf(f, "# HELP ssmd_last_message_timestamp Time of the feed's last "
	    "message, epoch seconds (0: none yet)\n"
	    "# TYPE ssmd_last_message_timestamp gauge\n"
	    "ssmd_last_message_timestamp{feed=\"%s\"} %.17g\n", feed,
	    h->have_last ? h->last : 0.0);
}
