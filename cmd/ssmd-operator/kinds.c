/* kinds: dispatch and shared checks (see kinds.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "obj.h"
#include "pod.h"

void
kinds_name(const struct cr *c, char *out, size_t len, const char *suffix)
{
	snprintf(out, len, "%s-%s%s", c->name, c->comp, suffix);
}

enum cr_rc
kinds_children(struct cr *c, json_t *out)
{
	static enum cr_rc (*const build[CR_NKINDS])(struct cr *, json_t *) = {
		connector_children, archiver_children, signal_cr_children,
		notifier_children
	};
	json_t		*tmp = json_array();
	enum cr_rc	 rc;

	if (c->field[0] != '\0') {
		json_decref(tmp);
		return CR_INVALID;
	}
	rc = build[c->kind](c, tmp);
	if (rc == CR_OK)
		json_array_extend(out, tmp);
	json_decref(tmp);
	return rc;
}

json_t *
kinds_related(const struct cr *c)
{
	json_t		*rules = json_array();
	const char	*pvc;
	char		 cm[300];

	/* The pods: phase, crash loops, and the counters on their /metrics. */
	json_array_append_new(rules, obj_kv(
	    "apiVersion", json_string("v1"),
	    "resource", json_string("pods"),
	    "namespace", obj_s(c->ns),
	    "labelSelector", obj_kv("matchLabels", pod_selector(c), OBJ_END),
	    OBJ_END));
	if (c->kind == CR_CONNECTOR && obj_str(c->spec, "feed", NULL)) {
		snprintf(cm, sizeof(cm), "feed-%s",
		    obj_str(c->spec, "feed", NULL));
		json_array_append_new(rules, obj_kv(
		    "apiVersion", json_string("v1"),
		    "resource", json_string("configmaps"),
		    "namespace", obj_s(c->ns),
		    "names", obj_arr(json_string(cm), OBJ_AEND), OBJ_END));
	}
	pvc = obj_str(c->spec, "storage.local.pvcName", NULL);
	if (c->kind == CR_ARCHIVER && pvc != NULL)
		json_array_append_new(rules, obj_kv(
		    "apiVersion", json_string("v1"),
		    "resource", json_string("persistentvolumeclaims"),
		    "namespace", obj_s(c->ns),
		    "names", obj_arr(json_string(pvc), OBJ_AEND), OBJ_END));
	return rules;
}

int
kinds_stream_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= 255 && strpbrk(s, " \t\r\n.*>/\\") == NULL;
}

int
kinds_subject_ok(const char *s, int wildcards)
{
	const char	*p, *tok = s;
	size_t		 n = strlen(s);

	if (n == 0 || n > 255 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (p = s; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == tok)
				return 0;	/* empty token */
			if (!wildcards && memchr(tok, '*', (size_t)(p - tok)))
				return 0;
			if (memchr(tok, '>', (size_t)(p - tok)) &&
			    (!wildcards || *p != '\0' || p - tok != 1))
				return 0;
			if (memchr(tok, '*', (size_t)(p - tok)) && p - tok != 1)
				return 0;
			if (*p == '\0')
				return 1;
			tok = p + 1;
		} else if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	}
}

enum cr_rc
kinds_strlist(struct cr *c, const char *path, int (*ok)(const char *))
{
	json_t		*a = obj_at(c->spec, path), *v;
	size_t		 i;
	char		 f[200];

	if (a == NULL)
		return CR_OK;
	if (!json_is_array(a))
		return cr_bad(c, path, "want a list of strings");
	json_array_foreach(a, i, v) {
		snprintf(f, sizeof(f), "spec.%s[%zu]", path, i);
		if (!json_is_string(v) || json_string_length(v) == 0)
			return cr_bad(c, f, "want a non-empty string");
		if (ok != NULL && !ok(json_string_value(v)))
			return cr_bad(c, f, "\"%s\" is not valid here",
			    json_string_value(v));
	}
	return CR_OK;
}

char *
kinds_join(const json_t *a, const char *sep)
{
	char	*s = NULL;
	size_t	 n = 0, i;
	FILE	*f = open_memstream(&s, &n);
	json_t	*v;

	if (f == NULL)
		return NULL;
	if (json_is_array(a)) {
		json_array_foreach(a, i, v) {
			fprintf(f, "%s%s", i ? sep : "",
			    json_string_value(v) ? json_string_value(v) : "");
		}
	}
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}
