#include <string.h>

#include "page.h"

static void
html(FILE *out, const char *p, size_t n)
{
	for (; n > 0; p++, n--)
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*p, out);
		}
}

#define HTML(out, s)	html((out), (s), strlen(s))

static void
summary(FILE *out, const struct health_eval *h, const struct hd_source *src)
{
	const char	*state;

	state = h->stale ? "stale" : h->connected ? "ready" : "not connected";
	fputs("<p>Feed <b>", out);
	HTML(out, src->feed);
	fprintf(out, "</b>: <b class=\"%s\">%s</b>. Source ",
	    h->stale || !h->connected ? "bad" : "good", state);
	HTML(out, src->prog);
	if (h->files == 0)
		fputs(": no metrics file yet.", out);
	else if (h->have_last)
		fprintf(out, ": last message %.0f s ago (stale after %.0f s).",
		    h->age, src->stale_after);
	else
		fputs(": no message yet.", out);
	fputs("</p>\n", out);
}

static void
counters(FILE *out, const struct prom_doc *d)
{
	const struct prom_family	*f;
	size_t				 i, j, shown = 0;

	for (i = 0; i < d->nfam; i++) {
		f = &d->fam[i];
		if (f->type == PROM_HISTOGRAM || f->type == PROM_SUMMARY)
			continue;
		for (j = f->first; j < f->first + f->n; j++) {
			if (shown++ == HD_PAGE_COUNTERS) {
				fputs("…<br>", out);
				return;
			}
			html(out, d->smp[j].line, d->smp[j].linelen);
			fputs("<br>", out);
		}
	}
}

void
page_render(FILE *out, const struct scan_dir *sc, const struct health_eval *h,
    const struct hd_source *src, double now)
{
	const struct hd_file	*f;
	size_t			 i;

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>ssmd status</title><style>"
	    "body{font-family:sans-serif;margin:2em}"
	    "td,th{border:1px solid #ccc;padding:.3em;vertical-align:top;"
	    "text-align:left}table{border-collapse:collapse}"
	    "td.m{font-family:monospace;font-size:85%}"
	    ".good{color:#070}.bad{color:#b00}"
	    "</style></head><body>\n<h1>ssmd status</h1>\n", out);
	summary(out, h, src);
	fputs("<table><tr><th>metrics file</th><th>updated</th>"
	    "<th>state</th><th>metrics</th></tr>\n", out);
	for (i = 0; i < sc->n; i++) {
		f = &sc->f[i];
		fputs("<tr><td>", out);
		HTML(out, f->name);
		if (f->mtime > 0)
			fprintf(out, "</td><td>%.0f s ago</td>",
			    now > f->mtime ? now - f->mtime : 0);
		else
			fputs("</td><td>?</td>", out);
		if (f->skip != NULL) {
			fputs("<td class=\"bad\">skipped: ", out);
			HTML(out, f->skip);
			fputs("</td><td>", out);
			HTML(out, f->err);
		} else {
			fputs("<td class=\"good\">ok</td><td class=\"m\">", out);
			counters(out, &f->doc);
		}
		fputs("</td></tr>\n", out);
	}
	if (sc->n == 0)
		fputs("<tr><td colspan=\"4\">no metrics files</td></tr>\n", out);
	fputs("</table>\n<p>Machine-readable: <a href=\"/health\">/health</a>, "
	    "<a href=\"/ready\">/ready</a>, <a href=\"/metrics\">/metrics</a>."
	    "</p>\n</body></html>\n", out);
}
