/* log: logfmt lines on stderr, one write(2) each, with a rate limiter for
 * warnings that could repeat once per input line. */
#ifndef SSMD_LOG_H
#define SSMD_LOG_H

#include <time.h>

enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* prog names the program in every line; the level comes from
 * SSMD_LOG_LEVEL (debug, info, warn, error; default info). */
void	log_init(const char *prog);
const char *log_prog(void);
void	log_set_level(int);
/* msg is quoted; kvfmt (printf format, may be "") adds k=v pairs. */
void	log_msg(int level, const char *msg, const char *kvfmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Log an error and exit with code (a sysexits value). */
void	log_die(int code, const char *msg, const char *kvfmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));
/* Quote a value for logfmt into one of a few rotating static buffers. */
const char *log_q(const char *);

#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_ERROR, __VA_ARGS__)

/* At most burst messages per interval seconds pass; the rest are counted. */
struct log_rate {
	unsigned	 burst, interval;
	time_t		 start;
	unsigned	 n, suppressed;
};

#define LOG_RATE_INIT(burst, interval)	{ (burst), (interval), 0, 0, 0 }

/* Nonzero if a message may be logged now; *suppressed is how many were
 * held back since the last one that passed. */
int	log_rate_ok(struct log_rate *, unsigned *suppressed);

#endif
