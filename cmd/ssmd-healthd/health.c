#include <string.h>

#include "health.h"

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

void
health_eval(struct health_eval *h, const struct scan_dir *sc,
    const struct hd_source *src, double now)
{
	size_t	i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < sc->n; i++) {
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
	const char	*status;
	int		 code;

	if (h->stale) {
		status = "stale";
		code = 503;
	} else if (ready && !h->connected) {
		status = "not_connected";
		code = 503;
	} else {
		status = ready ? "ready" : "ok";
		code = 200;
	}
	/* feed passed parse_feed_name_ok: no JSON escaping needed. */
	fprintf(out, "{\"status\":\"%s\",\"feed\":\"%s\",\"connected\":%s,"
	    "\"last_message_secs_ago\":", status, feed,
	    h->connected ? "true" : "false");
	if (h->have_last)
		fprintf(out, "%lld}\n", h->age < 1e15 ? (long long)h->age :
		    (long long)1e15);
	else
		fputs("null}\n", out);
	return code;
}
