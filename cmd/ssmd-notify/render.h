/* render: what a fire looks like at a destination: the text (a template
 * with {{field.path}}, or a readable default) and the native payload of
 * each destination type. */
#ifndef SSMD_NOTIFY_RENDER_H
#define SSMD_NOTIFY_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "conf.h"

/* Discord's content limit, Slack's text limit (characters), ntfy's
 * message limit (bytes; longer messages become attachments). */
#define RENDER_DISCORD_MAX	2000
#define RENDER_SLACK_MAX	40000
#define RENDER_NTFY_MAX		4096

struct render_out {
	char	*body;		/* the request body (email: the message) */
	size_t	 len;
	char	*title;		/* ntfy Title header: ASCII (RFC 2047) */
};

/* Render fire (parsed; line is its text) for d.  key names the fire and
 * destination (the email Message-ID).  Returns 0, or -1 out of memory. */
int	render_fire(const struct conf_dest *d, json_t *fire, const char *line,
	    size_t len, const char *key, struct render_out *);
void	render_free(struct render_out *);

/* The parts, for tests. */
char	*render_title(json_t *fire);		/* Signal <id>: <ticker> */
char	*render_default(json_t *fire);		/* Label: value lines */
char	*render_template(const char *tmpl, json_t *fire);
/* "Dollar Volume" from dollarVolume or dollar_volume. */
char	*render_label(const char *key);
/* One payload value as the default text shows it. */
char	*render_value(const char *key, json_t *v);
/* Cut malloc'd s to at most max characters (bytes if bytes), visibly;
 * returns s, or where realloc moved it. */
char	*render_truncate(char *s, size_t max, int bytes);
/* An RFC 2047 encoded header value when s is not printable ASCII;
 * words joined by sep. */
char	*render_header(const char *s, const char *sep);

#endif
