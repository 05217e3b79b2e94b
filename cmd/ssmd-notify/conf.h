/* conf: the Notifier resource's destinations list (destinations.json) and
 * the secret files next to it, checked whole before anything is sent. */
#ifndef SSMD_NOTIFY_CONF_H
#define SSMD_NOTIFY_CONF_H

#include <limits.h>
#include <regex.h>
#include <stddef.h>

enum conf_type { CONF_SLACK, CONF_DISCORD, CONF_NTFY, CONF_EMAIL,
	CONF_WEBHOOK };

enum conf_op { CONF_EQ, CONF_NE, CONF_GT, CONF_GTE, CONF_LT, CONF_LTE,
	CONF_CONTAINS, CONF_REGEX };

struct conf_rule {
	char		*field;		/* dotted path into the fire */
	char		**path;		/* field split at the dots */
	size_t		 npath;
	enum conf_op	 op;
	char		*value;		/* the value as text */
	int		 numeric;	/* value is a number ... */
	double		 num;		/* ... this one */
	regex_t		 re;		/* CONF_REGEX: compiled once */
};

struct conf_dest {
	char		*name;
	enum conf_type	 type;
	char		*url;		/* secret: webhook, ntfy or smtp URL */
	char		*redacted;	/* url with its path cut, for logs */
	char		*channel, *priority, *tags, *to, *from;
	char		*from_addr;	/* the address in from: MAIL FROM */
	char		*token;		/* secret: ntfy bearer token */
	char		*username, *password;	/* secret: SMTP login */
	struct conf_rule *rules;
	size_t		 nrules;
	char		*tmpl;		/* template, or NULL: the default text */
	double		 rate, burst;	/* token bucket: per second, size */
};

struct conf {
	struct conf_dest *dests;
	size_t		 ndests;
};

/* Where a configuration is wrong: the file and the field. */
struct conf_error {
	char	file[PATH_MAX];
	char	field[160];
	char	msg[256];
};

enum conf_result { CONF_OK = 0, CONF_BAD = 1 };

/* Read path (the destinations list) and the secrets of each destination
 * under secrets_dir/<name>/. */
enum conf_result conf_load(struct conf *, const char *path,
		    const char *secrets_dir, struct conf_error *);
void		 conf_free(struct conf *);
const char	*conf_type_name(enum conf_type);
/* scheme://host[:port]/… of a URL: never its user, path or query. */
char		*conf_redact_url(const char *url);

#endif
