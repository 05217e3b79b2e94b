/* envfile: what ssmd-connector reads of an environment file: the feed,
 * where captured messages go (transport: nats, with url, stream and
 * subject_prefix) and local storage (storage.path).  Everything else in
 * the file is ssmd-ws-kalshi's, which reads the file itself. */
#ifndef SSMD_CONNECTOR_ENVFILE_H
#define SSMD_CONNECTOR_ENVFILE_H

#include <stddef.h>

struct envfile {
	char	feed[65];
	char	transport_type[32];	/* "" when there is no transport */
	char	nats_url[1024];
	char	stream[256];
	char	subject_prefix[256];
	char	storage_type[32];
	char	storage_path[4096];
};

enum envfile_result {
	ENVFILE_OK,
	ENVFILE_CANNOT_READ,	/* err says why (errno) */
	ENVFILE_BAD		/* err names the field and the problem */
};

enum envfile_result	envfile_load(struct envfile *, const char *path,
			    char *err, size_t errlen);

#endif
