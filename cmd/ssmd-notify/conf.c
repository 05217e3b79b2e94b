/* conf: read and check the destinations list.  Everything that can be
 * wrong with it is found here, at start, so that a bad field is exit 78
 * naming the file and the field before any send. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"

#define SECRET_MAX	65536

static const char *const type_names[] = { "slack", "discord", "ntfy",
	"email", "webhook" };

/* Token bucket defaults per type, from each service's documented limits:
 * Slack 1 message/s, Discord 5 per 2 s per webhook, ntfy a burst of 60
 * then 1 per 5 s; email 1/s to be a polite SMTP client. */
static const struct { double rate, burst; } type_rate[] = {
	{ 1.0, 1 }, { 2.5, 5 }, { 0.2, 60 }, { 1.0, 1 }, { 50.0, 50 }
};

static const char *const op_names[] = { "eq", "ne", "gt", "gte", "lt",
	"lte", "contains", "regex" };

static void	free_dest(struct conf_dest *);

const char *
conf_type_name(enum conf_type t)
{
	return type_names[t];
}

static enum conf_result
fail(struct conf_error *e, const char *file, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	snprintf(e->file, sizeof(e->file), "%s", file);
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return CONF_BAD;
}

char *
conf_redact_url(const char *url)
{
	const char	*p, *host, *end, *at;
	char		*out;
	size_t		 n;

	p = strstr(url, "://");
	if (p == NULL)
		return strdup("(url)");
	host = p + 3;
	end = host + strcspn(host, "/?#");
	/* user:password@ before the host stays out too */
	at = memchr(host, '@', (size_t)(end - host));
	if (at != NULL)
		host = at + 1;
	n = (size_t)(p + 3 - url) + (size_t)(end - host) + 4;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	snprintf(out, n + 1, "%.*s%.*s%s", (int)(p + 3 - url), url,
	    (int)(end - host), host, *end != '\0' ? "/..." : "");
	return out;
}

/* A member that must be a string if present; *out NULL when absent. */
static enum conf_result
get_str(json_t *obj, const char *key, char **out, const char *file,
    const char *where, struct conf_error *e)
{
	json_t	*v = json_object_get(obj, key);
	char	 field[160];
	char	 num[64];

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return CONF_OK;
	snprintf(field, sizeof(field), "%s.%s", where, key);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		*out = strdup(num);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		*out = strdup(num);
	} else if (json_is_string(v))
		*out = strdup(json_string_value(v));
	else
		return fail(e, file, field, "not a string");
	if (*out == NULL)
		return fail(e, file, field, "out of memory");
	return CONF_OK;
}

/* Read a secret file whole, without its trailing white space. */
static enum conf_result
read_secret(const char *dir, const char *name, int required, char **out,
    const char *field, struct conf_error *e)
{
	char	 path[PATH_MAX];
	char	*buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !required)
			return CONF_OK;
		return fail(e, path, field, "cannot read the secret file: %s",
		    strerror(errno));
	}
	if ((buf = malloc(SECRET_MAX + 1)) == NULL) {
		close(fd);
		return fail(e, path, field, "out of memory");
	}
	while ((n = read(fd, buf + len, SECRET_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n == -1) {
		free(buf);
		return fail(e, path, field, "cannot read the secret file: %s",
		    strerror(errno));
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		len--;
	buf[len] = '\0';
	if (len == 0 || memchr(buf, '\0', len) != NULL ||
	    strpbrk(buf, "\r\n") != NULL) {
		free(buf);
		return fail(e, path, field, "secret file is empty, or holds "
		    "more than one line");
	}
	*out = buf;
	return CONF_OK;
}

static enum conf_result
parse_op(const char *s, enum conf_op *op)
{
	size_t	i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(s, op_names[i]) == 0) {
			*op = (enum conf_op)i;
			return CONF_OK;
		}
	return CONF_BAD;
}

static int
text_number(const char *s, double *d)
{
	char	*end;

	if (*s == '\0' || strchr(" \t\n", *s) != NULL)
		return 0;
	errno = 0;
	*d = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(*d) &&
	    strpbrk(s, "xXnNiI") == NULL;
}

static enum conf_result
split_path(struct conf_rule *r)
{
	char	*p, *dot;
	size_t	 n = 1;

	for (p = r->field; *p != '\0'; p++)
		n += *p == '.';
	if ((r->path = calloc(n, sizeof(char *))) == NULL)
		return CONF_BAD;
	p = r->field;
	for (r->npath = 0; r->npath < n; r->npath++) {
		dot = strchr(p, '.');
		r->path[r->npath] = dot ? strndup(p, (size_t)(dot - p)) :
		    strdup(p);
		if (r->path[r->npath] == NULL || r->path[r->npath][0] == '\0') {
			free(r->path[r->npath]);
			r->path[r->npath] = NULL;
			return CONF_BAD;
		}
		p = dot ? dot + 1 : p + strlen(p);
	}
	return CONF_OK;
}

static enum conf_result
parse_rule(json_t *j, struct conf_rule *r, const char *file,
    const char *where, struct conf_error *e)
{
	char		 field[160], *op = NULL, errbuf[128];
	enum conf_op	 o = CONF_EQ;
	int		 rc;

	if (!json_is_object(j))
		return fail(e, file, where, "a match rule is an object "
		    "{field, operator, value}");
	if (get_str(j, "field", &r->field, file, where, e) ||
	    get_str(j, "operator", &op, file, where, e) ||
	    get_str(j, "value", &r->value, file, where, e)) {
		free(op);
		return CONF_BAD;
	}
	snprintf(field, sizeof(field), "%s.field", where);
	if (r->field == NULL || split_path(r) != CONF_OK) {
		free(op);
		return fail(e, file, field, "missing or empty path segment");
	}
	snprintf(field, sizeof(field), "%s.operator", where);
	if (op == NULL || parse_op(op, &o) != CONF_OK) {
		fail(e, file, field, "unknown operator %s (want eq, ne, gt, "
		    "gte, lt, lte, contains or regex)", op ? op : "(none)");
		free(op);
		return CONF_BAD;
	}
	free(op);
	snprintf(field, sizeof(field), "%s.value", where);
	if (r->value == NULL)
		return fail(e, file, field, "missing");
	r->numeric = text_number(r->value, &r->num);
	if (o == CONF_REGEX) {
		rc = regcomp(&r->re, r->value, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &r->re, errbuf, sizeof(errbuf));
			return fail(e, file, field, "bad regular expression: %s",
			    errbuf);
		}
	}
	r->op = o;	/* CONF_REGEX only once there is a regex to free */
	return CONF_OK;
}

static enum conf_result
parse_match(json_t *m, struct conf_dest *d, const char *file,
    const char *where, struct conf_error *e)
{
	char	field[96];
	size_t	i, n;

	if (m == NULL || json_is_null(m))
		return CONF_OK;
	n = json_is_array(m) ? json_array_size(m) : 1;
	if ((d->rules = calloc(n ? n : 1, sizeof(*d->rules))) == NULL)
		return fail(e, file, where, "out of memory");
	for (i = 0; i < n; i++) {
		if (json_is_array(m))
			snprintf(field, sizeof(field), "%s.match[%zu]", where, i);
		else
			snprintf(field, sizeof(field), "%s.match", where);
		d->nrules++;
		if (parse_rule(json_is_array(m) ? json_array_get(m, i) : m,
		    &d->rules[i], file, field, e))
			return CONF_BAD;
	}
	return CONF_OK;
}

static enum conf_result
parse_rate(json_t *cfg, const char *key, double *out, const char *file,
    const char *where, struct conf_error *e)
{
	json_t	*v = json_object_get(cfg, key);
	double	 d;
	char	 field[160];

	if (v == NULL)
		return CONF_OK;
	snprintf(field, sizeof(field), "%s.config.%s", where, key);
	if (json_is_number(v))
		d = json_number_value(v);
	else if (!json_is_string(v) || !text_number(json_string_value(v), &d))
		return fail(e, file, field, "not a number");
	if (!(d > 0 && d <= 1e6))
		return fail(e, file, field, "must be above 0");
	*out = d;
	return CONF_OK;
}

/* The URL each type sends to, from config or the secret. */
static enum conf_result
dest_url(struct conf_dest *d, json_t *cfg, const char *sdir,
    const char *file, const char *where, struct conf_error *e)
{
	char	 field[160], *server = NULL, *topic = NULL, *smtp = NULL;
	char	*secret = NULL;
	size_t	 n;

	switch (d->type) {
	case CONF_NTFY:
		if (get_str(cfg, "server", &server, file, where, e) ||
		    get_str(cfg, "topic", &topic, file, where, e))
			goto bad;
		snprintf(field, sizeof(field), "%s.config.topic", where);
		if (topic == NULL || *topic == '\0' || strchr(topic, '/')) {
			fail(e, file, field, "an ntfy destination needs a "
			    "topic (no slashes)");
			goto bad;
		}
		if (server == NULL)
			server = strdup("https://ntfy.sh");
		n = strlen(server);
		while (n > 0 && server[n - 1] == '/')
			server[--n] = '\0';
		if (asprintf(&d->url, "%s/%s", server, topic) == -1)
			d->url = NULL;
		free(server);
		free(topic);
		server = topic = NULL;
		snprintf(field, sizeof(field), "%s.config.server", where);
		break;
	case CONF_EMAIL:
		if (get_str(cfg, "smtp", &smtp, file, where, e))
			goto bad;
		snprintf(field, sizeof(field), "%s.config.smtp", where);
		if (smtp == NULL) {
			fail(e, file, field, "an email destination needs an "
			    "SMTP server (host:port or smtp[s]://host:port)");
			goto bad;
		}
		if (strstr(smtp, "://") != NULL)
			d->url = smtp;
		else {
			if (asprintf(&d->url, "%s://%s",
			    strstr(smtp, ":465") ? "smtps" : "smtp", smtp) == -1)
				d->url = NULL;
			free(smtp);
		}
		smtp = NULL;
		if (d->url && strncmp(d->url, "smtp://", 7) != 0 &&
		    strncmp(d->url, "smtps://", 8) != 0) {
			fail(e, file, field, "want smtp:// or smtps://");
			goto bad;
		}
		break;
	default:
		snprintf(field, sizeof(field), "%s.secretRef", where);
		if (sdir != NULL && read_secret(sdir, "webhookUrl", 0, &secret,
		    field, e))
			goto bad;
		if (secret != NULL)
			d->url = secret;
		else if (get_str(cfg, "webhookUrl", &d->url, file, where, e))
			goto bad;
		snprintf(field, sizeof(field), "%s.config.webhookUrl", where);
		if (d->url == NULL) {
			fail(e, file, field, "no webhook URL: set config."
			    "webhookUrl or put it in the secret file webhookUrl");
			goto bad;
		}
	}
	if (d->url == NULL)
		return fail(e, file, field, "out of memory");
	if (d->type != CONF_EMAIL && strncmp(d->url, "https://", 8) != 0 &&
	    strncmp(d->url, "http://", 7) != 0)
		return fail(e, file, field, "want an http:// or https:// URL");
	if (strpbrk(d->url, " \t\r\n") != NULL)
		return fail(e, file, field, "white space in the URL");
	d->redacted = conf_redact_url(d->url);
	return d->redacted ? CONF_OK : fail(e, file, field, "out of memory");
bad:
	free(server);
	free(topic);
	free(smtp);
	return CONF_BAD;
}

/* "Alerts <alerts@example.com>" sends from alerts@example.com. */
static enum conf_result
from_address(struct conf_dest *d, const char *file, const char *where,
    struct conf_error *e)
{
	const char	*lt, *gt;
	char		 field[160];

	if (d->from == NULL)
		return CONF_OK;
	lt = strchr(d->from, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	d->from_addr = lt && gt ? strndup(lt + 1, (size_t)(gt - lt - 1)) :
	    strdup(d->from);
	snprintf(field, sizeof(field), "%s.config.from", where);
	if (d->from_addr == NULL || strchr(d->from_addr, '@') == NULL ||
	    strpbrk(d->from_addr, " <>\r\n") != NULL)
		return fail(e, file, field, "want an address, or Name <address>");
	return CONF_OK;
}

static enum conf_result
dest_secrets(struct conf_dest *d, const char *sdir, const char *where,
    struct conf_error *e)
{
	char	field[160];

	snprintf(field, sizeof(field), "%s.secretRef", where);
	if (d->type == CONF_NTFY)
		return read_secret(sdir, "token", 1, &d->token, field, e);
	if (d->type == CONF_EMAIL) {
		if (read_secret(sdir, "password", 1, &d->password, field, e) ||
		    read_secret(sdir, "username", 0, &d->username, field, e))
			return CONF_BAD;
		if (d->username == NULL && d->from_addr != NULL &&
		    (d->username = strdup(d->from_addr)) == NULL)
			return fail(e, sdir, field, "out of memory");
	}
	return CONF_OK;
}

static enum conf_result
parse_dest(json_t *j, struct conf_dest *d, size_t i, const char *file,
    const char *secrets_dir, struct conf_error *e)
{
	char	 where[64], field[160], sdir[PATH_MAX], *type = NULL;
	json_t	*cfg, *sref;
	size_t	 k;

	snprintf(where, sizeof(where), "destinations[%zu]", i);
	if (!json_is_object(j))
		return fail(e, file, where, "not an object");
	if (get_str(j, "name", &d->name, file, where, e) ||
	    get_str(j, "type", &type, file, where, e) ||
	    get_str(j, "template", &d->tmpl, file, where, e))
		goto bad;
	snprintf(field, sizeof(field), "%s.name", where);
	if (d->name == NULL || *d->name == '\0' || strchr(d->name, '/') ||
	    strpbrk(d->name, "\"\\\n") || strcmp(d->name, "..") == 0 ||
	    strlen(d->name) > 128) {
		fail(e, file, field, "missing, or not a plain name");
		goto bad;
	}
	snprintf(field, sizeof(field), "%s.type", where);
	for (k = 0; type && k < sizeof(type_names) / sizeof(*type_names); k++)
		if (strcmp(type, type_names[k]) == 0)
			break;
	if (type == NULL || k == sizeof(type_names) / sizeof(*type_names)) {
		fail(e, file, field, "unknown destination type %s (want "
		    "slack, discord, ntfy, email or webhook)",
		    type ? type : "(none)");
		goto bad;
	}
	free(type);
	type = NULL;
	d->type = (enum conf_type)k;
	d->rate = type_rate[k].rate;
	d->burst = type_rate[k].burst;
	cfg = json_object_get(j, "config");
	snprintf(field, sizeof(field), "%s.config", where);
	if (cfg != NULL && !json_is_object(cfg))
		return fail(e, file, field, "not an object");
	if (cfg == NULL)
		cfg = json_object();	/* the empty one: fields all absent */
	else
		json_incref(cfg);
	sref = json_object_get(j, "secretRef");
	sdir[0] = '\0';
	if (sref != NULL && !json_is_null(sref)) {
		snprintf(field, sizeof(field), "%s.secretRef", where);
		if (!json_is_object(sref)) {
			json_decref(cfg);
			return fail(e, file, field, "not an object");
		}
		snprintf(sdir, sizeof(sdir), "%s/%s", secrets_dir, d->name);
	}
	if (get_str(cfg, "channel", &d->channel, file, where, e) ||
	    get_str(cfg, "priority", &d->priority, file, where, e) ||
	    get_str(cfg, "tags", &d->tags, file, where, e) ||
	    get_str(cfg, "to", &d->to, file, where, e) ||
	    get_str(cfg, "from", &d->from, file, where, e) ||
	    from_address(d, file, where, e) ||
	    parse_rate(cfg, "ratePerSecond", &d->rate, file, where, e) ||
	    parse_rate(cfg, "burst", &d->burst, file, where, e) ||
	    dest_url(d, cfg, sdir[0] ? sdir : NULL, file, where, e) ||
	    (sdir[0] && dest_secrets(d, sdir, where, e))) {
		json_decref(cfg);
		return CONF_BAD;
	}
	json_decref(cfg);
	if (d->burst < 1)
		d->burst = 1;
	if (d->type == CONF_EMAIL && (d->to == NULL || d->from == NULL)) {
		snprintf(field, sizeof(field), "%s.config.%s", where,
		    d->to == NULL ? "to" : "from");
		return fail(e, file, field, "an email destination needs to "
		    "and from");
	}
	if (d->priority != NULL && d->type == CONF_NTFY &&
	    strspn(d->priority, "abcdefghijklmnopqrstuvwxyz12345") !=
	    strlen(d->priority)) {
		snprintf(field, sizeof(field), "%s.config.priority", where);
		return fail(e, file, field, "want 1-5 or min, low, default, "
		    "high, max, urgent");
	}
	return parse_match(json_object_get(j, "match"), d, file, where, e);
bad:
	free(type);
	return CONF_BAD;
}

enum conf_result
conf_load(struct conf *c, const char *path, const char *secrets_dir,
    struct conf_error *e)
{
	json_error_t	 jerr;
	json_t		*root, *list;
	char		 field[64];
	size_t		 i, k;

	memset(c, 0, sizeof(*c));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(field, sizeof(field), "line %d column %d", jerr.line,
		    jerr.column);
		return fail(e, path, jerr.line > 0 ? field : "(file)", "%s",
		    jerr.text);
	}
	/* The operator writes the list; a whole Notifier spec works too. */
	list = json_is_object(root) ? json_object_get(root, "destinations") :
	    root;
	if (!json_is_array(list) || json_array_size(list) == 0) {
		json_decref(root);
		return fail(e, path, "destinations", "want a non-empty list of "
		    "destinations");
	}
	c->ndests = json_array_size(list);
	if ((c->dests = calloc(c->ndests, sizeof(*c->dests))) == NULL) {
		json_decref(root);
		return fail(e, path, "destinations", "out of memory");
	}
	for (i = 0; i < c->ndests; i++) {
		if (parse_dest(json_array_get(list, i), &c->dests[i], i, path,
		    secrets_dir, e) != CONF_OK)
			goto bad;
		for (k = 0; k < i; k++)
			if (strcmp(c->dests[k].name, c->dests[i].name) == 0) {
				snprintf(field, sizeof(field),
				    "destinations[%zu].name", i);
				fail(e, path, field, "duplicate name");
				goto bad;
			}
	}
	json_decref(root);
	return CONF_OK;
bad:
	json_decref(root);
	conf_free(c);
	return CONF_BAD;
}

static void
free_dest(struct conf_dest *d)
{
	size_t	i, k;

	for (i = 0; i < d->nrules; i++) {
		struct conf_rule *r = &d->rules[i];

		if (r->op == CONF_REGEX)
			regfree(&r->re);
		for (k = 0; k < r->npath; k++)
			free(r->path[k]);
		free(r->path);
		free(r->field);
		free(r->value);
	}
	free(d->rules);
	free(d->name);
	free(d->url);
	free(d->redacted);
	free(d->channel);
	free(d->priority);
	free(d->tags);
	free(d->to);
	free(d->from);
	free(d->from_addr);
	free(d->token);
	free(d->username);
	free(d->password);
	free(d->tmpl);
}

void
conf_free(struct conf *c)
{
	size_t	i;

	for (i = 0; i < c->ndests; i++)
		free_dest(&c->dests[i]);
	free(c->dests);
	memset(c, 0, sizeof(*c));
}
