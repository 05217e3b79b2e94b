/* render: text and payloads.  The default text follows the original
 * notifier's formatPayload: one "Label: value" line per payload field,
 * money with $ and grouping, ratios as percentages, durations as 5m or 2h,
 * times as YYYY-MM-DD HH:MM UTC. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "render.h"
#include "route.h"
#include "ts.h"

#define TRUNC_MARK	"\n… (truncated)"
#define TRUNC_CHARS	14	/* characters of TRUNC_MARK */

static const char *
str_of(json_t *fire, const char *key)
{
	json_t	*v = json_object_get(fire, key);

	return json_is_string(v) ? json_string_value(v) : "?";
}

/* Control characters would break a header or a line: spaces instead. */
static void
flatten(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

char *
render_title(json_t *fire)
{
	char	*t;

	if (asprintf(&t, "Signal %s: %s", str_of(fire, "signalId"),
	    str_of(fire, "ticker")) == -1)
		return NULL;
	flatten(t);
	return t;
}

char *
render_label(const char *key)
{
	char	*out, *o;
	int	 start = 1;

	if ((out = malloc(strlen(key) * 2 + 1)) == NULL)
		return NULL;
	for (o = out; *key != '\0'; key++) {
		if (*key == '_' || *key == '-' || *key == ' ') {
			if (!start)
				*o++ = ' ';
			start = 1;
			continue;
		}
		if (isupper((unsigned char)*key) && !start && o > out &&
		    !isupper((unsigned char)o[-1]))
			*o++ = ' ', start = 1;
		*o++ = start ? (char)toupper((unsigned char)*key) : *key;
		start = 0;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

static int
has_word(const char *key, const char *const *words)
{
	char	low[128];
	size_t	i;

	for (i = 0; i < sizeof(low) - 1 && key[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (; *words != NULL; words++)
		if (strstr(low, *words) != NULL)
			return 1;
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* en-US grouping: 1,234,567.5; fixed keeps all decimals (money). */
static char *
group(double v, int decimals, int fixed)
{
	char	 num[512], *out, *o, *dot;
	size_t	 intlen, i;

	snprintf(num, sizeof(num), "%.*f", decimals, fabs(v));
	if (!fixed && strchr(num, '.') != NULL) {
		o = num + strlen(num);
		while (o[-1] == '0')
			*--o = '\0';
		if (o[-1] == '.')
			o[-1] = '\0';
	}
	dot = strchr(num, '.');
	intlen = dot ? (size_t)(dot - num) : strlen(num);
	if ((out = malloc(strlen(num) + intlen / 3 + 3)) == NULL)
		return NULL;
	o = out;
	if (v < 0 && strspn(num, "0.") != strlen(num))
		*o++ = '-';
	for (i = 0; i < intlen; i++) {
		if (i > 0 && (intlen - i) % 3 == 0)
			*o++ = ',';
		*o++ = num[i];
	}
	strcpy(o, num + intlen);
	return out;
}

static char *
money(double v)
{
	char	*g = group(v, 2, 1), *out = NULL;

	if (g != NULL && asprintf(&out, "%s$%s", g[0] == '-' ? "-" : "",
	    g + (g[0] == '-')) == -1)
		out = NULL;
	free(g);
	return out;
}

static char *
duration(double secs)
{
	static const struct { const char *u; double s; } units[] = {
		{ "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } };
	char	*out;
	size_t	 i;

	if (secs < 1 && secs > -1) {
		if (asprintf(&out, "%.0fms", secs * 1000) == -1)
			return NULL;
		return out;
	}
	for (i = 0; i < 3 && fabs(secs) < units[i].s; i++)
		;
	if (asprintf(&out, "%.0f%s", trunc(secs / units[i].s), units[i].u) == -1)
		return NULL;
	return out;
}

static char *
time_text(const char *s)
{
	struct tm	tm;
	time_t		t;
	int64_t		us;
	char		buf[64];

	if (strlen(s) < 16 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') ||
	    ts_parse(s, strlen(s), &us) == -1)
		return NULL;
	t = (time_t)(us / 1000000 - (us % 1000000 < 0));
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	return strdup(buf);
}

static int
text_num(const char *s, double *d)
{
	char	*end;

	if (*s == '\0' || isspace((unsigned char)*s) ||
	    strpbrk(s, "xXnNiI") != NULL)
		return 0;
	*d = strtod(s, &end);
	return *end == '\0' && isfinite(*d);
}

char *
render_value(const char *key, json_t *v)
{
	static const char *const moneyw[] = { "dollar", "price", "cost",
		"amount", "notional", "usd", NULL };
	static const char *const ratiow[] = { "ratio", "percent", "pct", NULL };
	char	*out;
	double	 d = 0;
	int	 num;

	if (v == NULL || json_is_null(v))
		return strdup("-");
	if (json_is_boolean(v))
		return strdup(json_is_true(v) ? "Yes" : "No");
	if (json_is_string(v) && (out = time_text(json_string_value(v))))
		return out;
	num = json_is_number(v) ? (d = json_number_value(v), 1) :
	    json_is_string(v) ? text_num(json_string_value(v), &d) : 0;
	if (num && has_word(key, moneyw))
		return money(d);
	if (num && has_word(key, ratiow)) {
		if (asprintf(&out, "%.1f%%", d * 100) == -1)
			return NULL;
		return out;
	}
	if (json_is_number(v) && (ends_with(key, "Ms") || ends_with(key, "ms")))
		return duration(d / 1000);
	if (json_is_number(v) && (ends_with(key, "Seconds") ||
	    ends_with(key, "Secs") || ends_with(key, "_seconds")))
		return duration(d);
	if (json_is_number(v))
		return group(d, 3, 0);
	if (json_is_array(v)) {
		size_t	 i, len = 0;
		json_t	*e;
		char	*t;
		FILE	*f = open_memstream(&out, &len);

		if (f == NULL)
			return NULL;
		json_array_foreach(v, i, e) {
			t = route_text(e);
			fprintf(f, "%s%s", i ? ", " : "", t ? t : "");
			free(t);
		}
		fclose(f);
		return out;
	}
	return route_text(v);
}

char *
render_default(json_t *fire)
{
	json_t		*payload = json_object_get(fire, "payload"), *v;
	const char	*key;
	char		*out = NULL, *label, *val;
	size_t		 len = 0;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	if (json_is_object(payload))
		json_object_foreach(payload, key, v) {
			label = render_label(key);
			val = render_value(key, v);
			/* windowMs shows as "Window: 5m": the unit is in the value */
			if (label != NULL && json_is_number(v) &&
			    (ends_with(key, "Ms") || ends_with(key, "_ms")) &&
			    strlen(label) > 3)
				label[strlen(label) - 3] = '\0';
			if (label != NULL && val != NULL) {
				flatten(val);
				fprintf(f, "%s%s: %s", len || ftell(f) ? "\n" :
				    "", label, val);
			}
			free(label);
			free(val);
		}
	else if (payload != NULL && (val = route_text(payload)) != NULL) {
		fprintf(f, "Payload: %s", val);
		free(val);
	}
	fclose(f);
	return out;
}

char *
render_template(const char *tmpl, json_t *fire)
{
	const char	*p = tmpl, *open, *close, *a, *b;
	char		*out = NULL, *text, *path[64], *seg, *dot, *buf;
	size_t		 len = 0, n;
	json_t		*v;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open + 2, "}}")) != NULL) {
		fwrite(p, 1, (size_t)(open - p), f);
		for (a = open + 2; a < close && *a == ' '; a++)
			;
		for (b = close; b > a && b[-1] == ' '; b--)
			;
		buf = strndup(a, (size_t)(b - a));
		n = 0;
		for (seg = buf; seg != NULL && n < 64; n++) {
			path[n] = seg;
			if ((dot = strchr(seg, '.')) != NULL)
				*dot++ = '\0';
			seg = dot;
		}
		v = buf != NULL && *buf != '\0' ? route_get(fire, path, n) : NULL;
		if (v != NULL && !json_is_null(v) && (text = route_text(v))) {
			fputs(text, f);
			free(text);
		}
		free(buf);
		p = close + 2;
	}
	fputs(p, f);
	fclose(f);
	return out;
}

char *
render_truncate(char *s, size_t max, int bytes)
{
	size_t	 chars = 0, cut, keep, n;
	char	*t;

	for (cut = 0; s[cut] != '\0'; cut++)
		chars += ((unsigned char)s[cut] & 0xc0) != 0x80;
	if ((bytes ? cut : chars) <= max)
		return s;
	keep = max - (bytes ? sizeof(TRUNC_MARK) - 1 : TRUNC_CHARS);
	if (bytes) {
		for (cut = keep; cut > 0 &&
		    ((unsigned char)s[cut] & 0xc0) == 0x80; cut--)
			;
	} else {
		for (cut = 0, n = 0; s[cut] != '\0'; cut++)
			if (((unsigned char)s[cut] & 0xc0) != 0x80 && n++ == keep)
				break;
	}
	if ((t = realloc(s, cut + sizeof(TRUNC_MARK))) == NULL) {
		s[cut] = '\0';
		return s;
	}
	memcpy(t + cut, TRUNC_MARK, sizeof(TRUNC_MARK));
	return t;
}

char *
render_header(const char *s, const char *sep)
{
	const char	*p;
	char		*out = NULL, enc[128];
	size_t		 len = 0, piece;
	FILE		*f;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			break;
	if (*p == '\0')
		return strdup(s);
	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	/* Encoded words of at most 45 bytes of text (75 characters). */
	for (p = s; *p != '\0'; p += piece) {
		piece = strlen(p) > 45 ? 45 : strlen(p);
		while (piece < strlen(p) && ((unsigned char)p[piece] & 0xc0) == 0x80)
			piece--;
		b64_encode(p, piece, enc);
		fprintf(f, "%s=?UTF-8?B?%s?=", p == s ? "" : sep, enc);
	}
	fclose(f);
	return out;
}

static int
json_body(json_t *obj, struct render_out *o)
{
	o->body = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (o->body == NULL)
		return -1;
	o->len = strlen(o->body);
	return 0;
}

/* The email message, CRLF line ends (libcurl dot-stuffs the body). */
static int
email_body(const struct conf_dest *d, const char *title, const char *text,
    const char *key, struct render_out *o)
{
	char		 date[64], *subj;
	const char	*domain, *p;
	time_t		 now = time(NULL);
	struct tm	 tm;
	FILE		*f;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	domain = strrchr(d->from_addr, '@');
	domain = domain && domain[1] ? domain + 1 : "ssmd-notify.invalid";
	domain += strcspn(domain, ">") == 0;
	if ((subj = render_header(title, "\r\n ")) == NULL)
		return -1;
	if ((f = open_memstream(&o->body, &o->len)) == NULL) {
		free(subj);
		return -1;
	}
	fprintf(f, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\n"
	    "Message-ID: <%s.%ld@%.*s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", date, d->from, d->to,
	    subj, key, (long)now, (int)strcspn(domain, ">"), domain);
	for (p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			fputc('\r', f);
		fputc(*p, f);
	}
	fputs("\r\n", f);
	fclose(f);
	free(subj);
	return 0;
}

int
render_fire(const struct conf_dest *d, json_t *fire, const char *line,
    size_t len, const char *key, struct render_out *o)
{
	char	*title, *text, *msg = NULL;
	json_t	*obj;
	int	 rc = -1;

	memset(o, 0, sizeof(*o));
	if (d->type == CONF_WEBHOOK) {
		/* The fire as it came, byte for byte. */
		if ((o->body = malloc(len + 1)) == NULL)
			return -1;
		memcpy(o->body, line, len);
		o->body[len] = '\0';
		o->len = len;
		return 0;
	}
	title = render_title(fire);
	text = d->tmpl ? render_template(d->tmpl, fire) : render_default(fire);
	if (title == NULL || text == NULL)
		goto out;
	switch (d->type) {
	case CONF_SLACK:
	case CONF_DISCORD:
		if (d->tmpl == NULL && asprintf(&msg, d->type == CONF_SLACK ?
		    "*%s*%s%s" : "**%s**%s%s", title, *text ? "\n" : "",
		    text) == -1)
			goto out;
		if (msg == NULL && (msg = strdup(text)) == NULL)
			goto out;
		msg = render_truncate(msg, d->type == CONF_SLACK ?
		    RENDER_SLACK_MAX : RENDER_DISCORD_MAX, 0);
		obj = d->type == CONF_SLACK ? json_pack("{s:s}", "text", msg) :
		    json_pack("{s:s, s:{s:[]}}", "content", msg,
		    "allowed_mentions", "parse");
		if (obj != NULL && d->channel != NULL && d->type == CONF_SLACK)
			json_object_set_new(obj, "channel",
			    json_string(d->channel));
		rc = obj ? json_body(obj, o) : -1;
		break;
	case CONF_NTFY:
		if (*text == '\0') {
			free(text);
			text = strdup(title);
		}
		if (text == NULL)
			goto out;
		text = render_truncate(text, RENDER_NTFY_MAX, 1);
		o->len = strlen(text);
		o->body = text;
		text = NULL;
		o->title = render_header(title, " ");
		rc = o->title ? 0 : -1;
		break;
	case CONF_EMAIL:
		rc = email_body(d, title, *text ? text : title, key, o);
		break;
	default:
		break;
	}
out:
	free(title);
	free(text);
	free(msg);
	if (rc == -1)
		render_free(o);
	return rc;
}

void
render_free(struct render_out *o)
{
	free(o->body);
	free(o->title);
	memset(o, 0, sizeof(*o));
}
