/* scrape: what the operator needs from a pod's /metrics (Prometheus text
 * format 0.0.4): each sample's name, one label's value, and the value.
 * A reader, not a validator: lines it cannot read are skipped (the
 * healthd that serves the text already refuses malformed files). */
#ifndef SSMD_OP_SCRAPE_H
#define SSMD_OP_SCRAPE_H

#include <stddef.h>

struct scrape_sample {
	char	name[160];
	char	labels[512];	/* inside the braces, raw */
	double	value;
};

/* Call fn for every sample of text. */
void	scrape_each(const char *text, void (*fn)(const struct scrape_sample *,
	    void *), void *arg);
/* The unescaped value of label name, into out; 1 found, 0 not. */
int	scrape_label(const struct scrape_sample *, const char *name, char *out,
	    size_t outlen);

#endif
