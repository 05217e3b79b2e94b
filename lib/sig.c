#include <signal.h>
#include <string.h>

#include "sig.h"

volatile sig_atomic_t	sig_stop;
volatile sig_atomic_t	sig_hup;

static void
on_stop(int s)
{
	sig_stop = s;
}

static void
on_hup(int s)
{
	(void)s;
	sig_hup++;
}

void
sig_init(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}
