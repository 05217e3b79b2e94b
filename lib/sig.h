/* sig: SIGTERM and SIGINT ask for a graceful stop, SIGHUP for a rotation;
 * SIGPIPE is ignored so a vanished reader shows up as EPIPE.  Handlers are
 * installed without SA_RESTART so a blocked read returns EINTR. */
#ifndef SSMD_SIG_H
#define SSMD_SIG_H

#include <signal.h>

extern volatile sig_atomic_t sig_stop;	/* signal number that asked to stop */
extern volatile sig_atomic_t sig_hup;	/* SIGHUPs not yet handled */

void	sig_init(void);

#endif
