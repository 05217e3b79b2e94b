/* The pure function: children per kind, validation, status, finalize. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "cr.h"
#include "kinds.h"
#include "obj.h"
#include "reconcile.h"
#include "status.h"

static json_t *
load(const char *s)
{
	json_error_t	 e;
	json_t		*v = json_loads(s, 0, &e);

	assert_non_null(v);
	return v;
}

static const char *conn = "{\"apiVersion\":\"ssmd.ssmd.io/v1alpha1\","
    "\"kind\":\"Connector\",\"metadata\":{\"name\":\"c1\",\"namespace\":"
    "\"ns\"},\"spec\":{\"feed\":\"kalshi\"}}";

static void
test_connector_children(void **st)
{
	json_t		*p = load(conn), *out = json_array(), *d;
	struct cr	 c;
	char		*js;

	(void)st;
	assert_int_equal(cr_init(&c, p, "img:1"), CR_OK);
	assert_int_equal(kinds_children(&c, out), CR_OK);
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(obj_str(json_array_get(out, 0), "metadata.name", ""),
	    "c1-connector-config");
	d = json_array_get(out, 1);
	assert_string_equal(obj_str(d, "metadata.name", ""), "c1-connector");
	assert_string_equal(obj_str(d, "spec.strategy.type", ""), "Recreate");
	/* Defaults: PROD_<FEED>, prod.<feed>, the image given. */
	js = json_dumps(d, 0);
	assert_non_null(strstr(js, "PROD_KALSHI"));
	free(js);
	assert_string_equal(obj_str(json_array_get(obj_at(d,
	    "spec.template.spec.containers"), 0), "image", ""), "img:1");
	json_decref(out);
	json_decref(p);
}

static void
test_names_do_not_collide(void **st)
{
	static const char *const kinds[] = { "Signal", "Notifier" };
	json_t		*all = json_object(), *v;
	size_t		 i, k;
	char		 buf[1024];

	(void)st;
	for (k = 0; k < 2; k++) {
		json_t		*p, *out = json_array();
		struct cr	 c;

		snprintf(buf, sizeof(buf), "{\"apiVersion\":\"ssmd.ssmd.io/"
		    "v1alpha1\",\"kind\":\"%s\",\"metadata\":{\"name\":\"x\"},"
		    "\"spec\":{\"signals\":[\"momentum\"],\"source\":{\"stream\":"
		    "\"S\",\"subjects\":[\"a.>\"]},\"destinations\":[{\"name\":"
		    "\"d\",\"type\":\"webhook\"}]}}", kinds[k]);
		p = load(buf);
		assert_int_equal(cr_init(&c, p, "i"), CR_OK);
		assert_int_equal(kinds_children(&c, out), CR_OK);
		json_array_foreach(out, i, v) {
			snprintf(buf, sizeof(buf), "%s/%s", obj_str(v, "kind", ""),
			    obj_str(v, "metadata.name", ""));
			assert_null(json_object_get(all, buf));
			json_object_set_new(all, buf, json_true());
		}
		json_decref(out);
		json_decref(p);
	}
	assert_int_equal(json_object_size(all), 4);
	json_decref(all);
}

static void
test_invalid_fields(void **st)
{
	static const struct { const char *spec, *kind, *field; } c[] = {
		{ "{}", "Connector", "spec.feed" },
		{ "{\"feed\":\"kalshi\",\"transport\":{\"stream\":\"A.B\"}}",
		  "Connector", "spec.transport.stream" },
		{ "{\"feed\":\"kalshi\",\"tickers\":[\"ok\",\"no way\"]}",
		  "Connector", "spec.tickers[1]" },
		{ "{\"sources\":[{\"name\":\"a\",\"stream\":\"S\"},{\"name\":\"a\","
		  "\"stream\":\"T\"}]}", "Archiver", "spec.sources[1]" },
		{ "{}", "Archiver", "spec.sources" },
		{ "{\"source\":{\"stream\":\"S\"},\"storage\":{\"remote\":"
		  "{\"type\":\"ftp\",\"bucket\":\"b\"}}}", "Archiver",
		  "spec.storage.remote.type" },
		{ "{\"signals\":[\"nope\"],\"source\":{\"stream\":\"S\"}}",
		  "Signal", "spec.signals[0]" },
		{ "{\"signals\":[\"volume\"]}", "Signal", "spec.source.stream" },
		{ "{\"signals\":[\"volume\"],\"source\":{\"stream\":\"S\"},"
		  "\"params\":{\"bogus\":{}}}", "Signal", "spec.params.bogus" },
		{ "{\"source\":{\"subjects\":[\"a\"]},\"destinations\":[{\"name\":"
		  "\"d\",\"type\":\"slack\",\"match\":{\"field\":\"x\",\"operator\":"
		  "\"regex\",\"value\":\"(\"}}]}", "Notifier",
		  "spec.destinations[0].match.value" },
		{ "{\"source\":{\"subjects\":[\"a\"]},\"destinations\":[{\"name\":"
		  "\"d\",\"type\":\"slack\"},{\"name\":\"d\",\"type\":\"ntfy\"}]}",
		  "Notifier", "spec.destinations[1].name" },
		{ "{\"source\":{\"subjects\":[\"a\"]},\"destinations\":[{\"name\":"
		  "\"d\",\"type\":\"slack\",\"match\":{\"field\":\"x\",\"operator\":"
		  "\"in\",\"value\":\"1\"}}]}", "Notifier",
		  "spec.destinations[0].match.operator" },
	};
	char	buf[1024];
	size_t	i;

	(void)st;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t		*p, *out = json_array();
		struct cr	 r;

		snprintf(buf, sizeof(buf), "{\"apiVersion\":\"ssmd.ssmd.io/"
		    "v1alpha1\",\"kind\":\"%s\",\"metadata\":{\"name\":\"x\"},"
		    "\"spec\":%s}", c[i].kind, c[i].spec);
		p = load(buf);
		assert_int_equal(cr_init(&r, p, "i"), CR_OK);
		assert_int_equal(kinds_children(&r, out), CR_INVALID);
		assert_string_equal(r.field, c[i].field);
		assert_int_equal(json_array_size(out), 0);
		json_decref(out);
		json_decref(p);
	}
}

static void
test_name_length(void **st)
{
	json_t		*p = load("{\"apiVersion\":\"ssmd.ssmd.io/v1alpha1\","
	    "\"kind\":\"Connector\",\"metadata\":{\"name\":\"a-name-that-is-far-"
	    "too-long-for-our-children\"},\"spec\":{\"feed\":\"k\"}}");
	struct cr	 c;

	(void)st;
	assert_int_equal(cr_init(&c, p, "i"), CR_INVALID);
	assert_string_equal(c.field, "metadata.name");
	json_decref(p);
}

static void
test_hook_bad_requests(void **st)
{
	static const char *const bad[] = {
		"[]", "{}", "{\"parent\":1}",
		"{\"parent\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}}",
		"{\"parent\":{\"apiVersion\":\"ssmd.ssmd.io/v1alpha1\","
		"\"kind\":\"Connector\",\"metadata\":{}}}",
		"{\"parent\":{\"apiVersion\":\"ssmd.ssmd.io/v1alpha1\","
		"\"kind\":\"Connector\",\"metadata\":{\"name\":\"a\"}},"
		"\"children\":[]}",
	};
	struct reconcile_in	 in = { RECONCILE_SYNC, -1, NULL, "i", 0, NULL };
	json_t			*resp;
	char			 err[128];
	size_t			 i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in.req = load(bad[i]);
		assert_int_equal(reconcile_run(&in, &resp, err, sizeof(err)),
		    RECONCILE_BAD_REQUEST);
		assert_null(resp);
		json_decref(in.req);
	}
}

static void
test_apply_form(void **st)
{
	json_t	*o = load("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	    "\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\","
	    "\"resourceVersion\":\"9\",\"labels\":{\"l\":\"v\"}},\"data\":{},"
	    "\"status\":{}}"), *f;

	(void)st;
	f = reconcile_apply_form(o);
	assert_null(obj_at(f, "status"));
	assert_null(obj_at(f, "metadata.uid"));
	assert_null(obj_at(f, "metadata.resourceVersion"));
	assert_string_equal(obj_str(f, "metadata.labels.l", ""), "v");
	json_decref(f);
	json_decref(o);
}

static void
test_status_times(void **st)
{
	json_t		*p = load(conn), *s;
	struct cr	 c;

	(void)st;
	json_object_set_new(p, "status", load("{\"startedAt\":\"2026-01-01T00:"
	    "00:00Z\",\"messagesPublished\":7,\"conditions\":[{\"type\":"
	    "\"ConfigValid\",\"status\":\"True\",\"lastTransitionTime\":"
	    "\"2025-01-01T00:00:00Z\"}]}"));
	assert_int_equal(cr_init(&c, p, "i"), CR_OK);
	s = status_build(&c, 1, NULL, NULL, 1767225600);
	assert_string_equal(obj_str(s, "startedAt", ""), "2026-01-01T00:00:00Z");
	assert_int_equal(obj_int(s, "messagesPublished", 0), 7);
	assert_string_equal(obj_str(json_array_get(obj_at(s, "conditions"), 1),
	    "lastTransitionTime", ""), "2025-01-01T00:00:00Z");
	assert_string_equal(obj_str(json_array_get(obj_at(s, "conditions"), 0),
	    "lastTransitionTime", ""), "2026-01-01T00:00:00Z");
	json_decref(s);
	json_decref(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connector_children),
		cmocka_unit_test(test_names_do_not_collide),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_hook_bad_requests),
		cmocka_unit_test(test_apply_form),
		cmocka_unit_test(test_status_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
