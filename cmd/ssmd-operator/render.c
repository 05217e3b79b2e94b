/* render: the render subcommand (see render.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cr.h"
#include "kinds.h"
#include "log.h"
#include "obj.h"
#include "render.h"
#include "yin.h"
#include "yout.h"

#define RENDER_MAX_INPUT	(64u << 20)

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	*buf = NULL;
	size_t	 cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 131072;
			if (cap > RENDER_MAX_INPUT || (nb = realloc(buf, cap))
			    == NULL) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* A List's items, or the document itself. */
static void
flatten(json_t *docs, json_t *flat)
{
	json_t	*d, *it, *item;
	size_t	 i, j;

	json_array_foreach(docs, i, d) {
		it = json_object_get(d, "items");
		if (strcmp(obj_str(d, "kind", ""), "List") == 0 &&
		    json_is_array(it)) {
			json_array_foreach(it, j, item) {
				json_array_append(flat, item);
			}
		} else
			json_array_append(flat, d);
	}
}

static enum render_rc
render_one(const char *file, size_t idx, json_t *doc, const char *image,
    json_t *out)
{
	struct cr	c;
	enum cr_rc	rc;

	if (cr_init(&c, doc, image) != CR_OK && c.kname == NULL) {
		log_error("not an ssmd resource", "file=%s document=%zu "
		    "field=%s error=%s", log_q(file), idx + 1, log_q(c.field),
		    log_q(c.why));
		return RENDER_BAD_INPUT;
	}
	rc = kinds_children(&c, out);
	if (rc == CR_INVALID) {
		log_error("invalid resource", "file=%s document=%zu kind=%s "
		    "name=%s field=%s error=%s", log_q(file), idx + 1, c.kname,
		    log_q(c.name ? c.name : ""), log_q(c.field), log_q(c.why));
		return RENDER_INVALID;
	}
	if (rc != CR_OK) {
		log_error("out of memory", "");
		return RENDER_BAD_INPUT;
	}
	return RENDER_OK;
}

static void
emit(const json_t *kids, enum render_fmt fmt, FILE *out)
{
	json_t	*k, *list;
	size_t	 i;

	if (fmt == RENDER_JSON) {
		list = obj_kv("apiVersion", json_string("v1"),
		    "kind", json_string("List"),
		    "items", json_deep_copy(kids), OBJ_END);
		json_dumpf(list, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(list);
		return;
	}
	json_array_foreach(kids, i, k) {
		fputs("---\n", out);
		yout_doc(out, k);
	}
}

enum render_rc
render_files(const char *const *files, enum render_fmt fmt, const char *image,
    FILE *out)
{
	json_t		*kids = json_array(), *docs, *flat, *d;
	enum render_rc	 rc = RENDER_OK, r;
	char		*buf, err[256];
	size_t		 len, i;

	for (; *files != NULL; files++) {
		if ((buf = slurp(*files, &len)) == NULL) {
			log_error("cannot read", "file=%s error=%s",
			    log_q(*files), log_q(strerror(errno)));
			rc = RENDER_BAD_INPUT;
			continue;
		}
		docs = json_array();
		if (yin_parse(buf, len, docs, err, sizeof(err)) == -1) {
			log_error("not YAML", "file=%s error=%s", log_q(*files),
			    log_q(err));
			rc = RENDER_BAD_INPUT;
		}
		free(buf);
		flat = json_array();
		flatten(docs, flat);
		json_array_foreach(flat, i, d)
			if ((r = render_one(*files, i, d, image, kids)) !=
			    RENDER_OK && rc != RENDER_BAD_INPUT)
				rc = r;
		json_decref(flat);
		json_decref(docs);
	}
	if (rc == RENDER_OK)
		emit(kids, fmt, out);
	json_decref(kids);
	return rc;
}
